"""What every API generation checks the same way: numbers, senders, and how many parts a text takes.

Parts are counted by :mod:`smsframework_clickatell.text`, the provider's own rules, so the simulator
and the provider can never disagree on them.
"""
import hmac
import re
from typing import TYPE_CHECKING, Optional

from ..const import MAX_PARTS
from ..text import encode_text, gsm_parts, ucs2_parts
from .wire import Request

if TYPE_CHECKING:
    from .server import ClickatellSimulator

# An international number: country code first (no leading 0), 7 to 15 digits; "+" allowed in front.
_NUMBER = re.compile(r'\+?[1-9][0-9]{6,14}\Z')
# A sender: such a number (short codes too), or an alphanumeric sender ID of up to 11 characters.
_SENDER = re.compile(r'\+?[0-9]{1,16}\Z|[A-Za-z0-9 ]{1,11}\Z')

__all__ = ['MAX_PARTS', 'valid_number', 'valid_sender', 'parts', 'legacy_parts', 'same_secret', 'key_given']


def valid_number(number: object) -> bool:
    """Whether `number` is a destination Clickatell takes: international format, digits only."""
    return isinstance(number, str) and bool(_NUMBER.match(number))


def valid_sender(sender: object) -> bool:
    """Whether `sender` is a phone number or an alphanumeric sender ID of at most 11 characters."""
    return isinstance(sender, str) and bool(_SENDER.match(sender))


def parts(text: str) -> int:
    """Parts a text given as characters takes (the Platform and One APIs): GSM when it can go as
    plain text, UCS-2 otherwise, as the provider decides."""
    return encode_text(text).parts


def legacy_parts(text: str, unicode: bool) -> int:
    """Parts a legacy ``sendmsg`` text takes: UCS-2 with ``unicode=1``, GSM 03.38 otherwise."""
    return ucs2_parts(text) if unicode else gsm_parts(text)


def same_secret(given: Optional[str], expected: Optional[str]) -> bool:
    """Whether a credential given matches the expected one (None never does), compared in constant time."""
    if given is None or expected is None:
        return False
    return hmac.compare_digest(str(given).encode('utf-8'), str(expected).encode('utf-8'))


def key_given(sim: 'ClickatellSimulator', request: Request) -> bool:
    """Whether a Platform or One API request carries the simulator's key: the raw key as the whole
    ``Authorization`` header, no "Bearer" in front."""
    return same_secret(request.header('Authorization'), sim.api_key)
