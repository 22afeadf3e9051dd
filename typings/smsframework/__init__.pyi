# Type stubs for smsframework 0.0.9 (untyped, no py.typed): the parts of its public API the provider
# uses and implements. Checked against the installed package by `python -m mypy.stubtest smsframework`.
from . import exc as exc
from .data import IncomingMessage as IncomingMessage
from .data import MessageAccepted as MessageAccepted
from .data import MessageDelivered as MessageDelivered
from .data import MessageError as MessageError
from .data import MessageExpired as MessageExpired
from .data import MessageStatus as MessageStatus
from .data import OutgoingMessage as OutgoingMessage
from .Gateway import Gateway as Gateway
from .IProvider import IProvider as IProvider
