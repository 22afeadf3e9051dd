from .IncomingMessage import IncomingMessage as IncomingMessage
from .MessageStatus import MessageAccepted as MessageAccepted
from .MessageStatus import MessageDelivered as MessageDelivered
from .MessageStatus import MessageError as MessageError
from .MessageStatus import MessageExpired as MessageExpired
from .MessageStatus import MessageStatus as MessageStatus
from .OutgoingMessage import OutgoingMessage as OutgoingMessage
