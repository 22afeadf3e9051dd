"""What the clients of every API answer with."""
from typing import Any, Dict, NamedTuple, Optional, Union

from ..error import ClickatellProviderError, ClickatellResponseError

#: A JSON object, as the key-based APIs take a message and answer a call (names to any JSON value).
JSON = Dict[str, Any]


class SendResult(NamedTuple):
    """What a send says about one message: its id, or the error (a
    :class:`~smsframework_clickatell.error.ClickatellProviderError`, or a
    :class:`~smsframework_clickatell.error.ClickatellResponseError` when the answer says nothing certain
    about it); exactly one of `msgid` and `error` is set. `to` is the recipient, digits only."""

    to: str
    msgid: Optional[str]
    error: Optional[Union[ClickatellProviderError, ClickatellResponseError]]


class Balance(NamedTuple):
    """The account's balance: the amount, and its currency (``'ZAR'``; None when the API names none)."""

    amount: float
    currency: Optional[str]
