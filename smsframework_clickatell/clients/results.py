"""What the clients of every API answer with."""
from collections import namedtuple

#: What a send says about one message: its id, or the error (a
#: :class:`~smsframework_clickatell.error.ClickatellProviderError`, or a
#: :class:`~smsframework_clickatell.error.ClickatellResponseError` when the answer says nothing certain
#: about it); exactly one of `msgid` and `error` is set. `to` is the recipient, digits only.
SendResult = namedtuple('SendResult', 'to msgid error')

#: The account's balance: the amount, and its currency (``'ZAR'``; None when the API names none).
Balance = namedtuple('Balance', 'amount currency')
