"""How a message text goes over the wire, and how many SMS parts it costs.

Clickatell reads a plain ``text`` parameter as ISO-8859-1 and delivers it in the GSM 03.38 alphabet.
So a text goes as plain text only when every character is in both: "Grüße" is one cheap GSM part.
Anything else (Cyrillic, emoji, "€", which ISO-8859-1 lacks) goes as ``unicode=1`` with the text as
UTF-16BE hex, four hex digits per code unit.
"""
from functools import lru_cache
from typing import Dict, List, NamedTuple, Tuple, Union

#: GSM 03.38 basic character set (the escape code 0x1B left out).
GSM_BASIC = frozenset(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
)
#: GSM 03.38 extension table: each costs two septets (escape + character).
GSM_EXTENSION = frozenset('\f^{}\\[]~|€')

#: What may go as plain text: GSM characters that ISO-8859-1 can also carry.
PLAIN_CHARACTERS = frozenset(c for c in GSM_BASIC | GSM_EXTENSION if ord(c) < 0x100)

GSM_SINGLE_PART = 160
GSM_PER_PART = 153
UCS2_SINGLE_PART = 70
UCS2_PER_PART = 67


class EncodedText(NamedTuple):
    """The wire form of a text: `params` to send, `parts` it costs, `unicode` whether it goes as UCS-2."""
    params: Dict[str, Union[str, int]]
    parts: int
    unicode: bool


def is_plain(text: str) -> bool:
    """True when `text` can go as plain ISO-8859-1 text and arrive intact in GSM 03.38."""
    return all(c in PLAIN_CHARACTERS for c in text)


def encode_text(text: str) -> EncodedText:
    """The ``sendmsg`` parameters that carry `text`, and the number of parts it costs.

    :param str text: the message
    :rtype: EncodedText
    :raises TypeError: `text` is not a str
    """
    if not isinstance(text, str):
        raise TypeError('message body must be str, not {}'.format(type(text).__name__))
    params, parts, unicode = _encoded(text)
    return EncodedText(dict(params), parts, unicode)  # a dict of its own: the caller may change it


@lru_cache(maxsize=256)
def _encoded(text: str) -> Tuple[Tuple[Tuple[str, Union[str, int]], ...], int, bool]:
    # A bulk send encodes one text for each of its thousands of recipients: once is enough.
    if is_plain(text):
        return (('text', text),), gsm_parts(text), False
    units = text.encode('utf-16-be', 'surrogatepass')
    return (('unicode', 1), ('text', units.hex().upper())), ucs2_parts(text), True


def gsm_parts(text: str) -> int:
    """How many SMS parts `text` takes in GSM 03.38 (extension characters count two septets)."""
    return _count_parts([2 if c in GSM_EXTENSION else 1 for c in text], GSM_SINGLE_PART, GSM_PER_PART)


def ucs2_parts(text: str) -> int:
    """How many SMS parts `text` takes in UCS-2 (characters beyond the BMP count two code units)."""
    return _count_parts([2 if ord(c) > 0xFFFF else 1 for c in text], UCS2_SINGLE_PART, UCS2_PER_PART)


def _count_parts(sizes: List[int], single: int, per_part: int) -> int:
    """Parts needed for characters of the given sizes.

    A character of size two (a GSM escape pair, a UTF-16 surrogate pair) is never split between
    parts, as phones would show it broken; so a part may hold one unit less than `per_part`.
    """
    if sum(sizes) <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts
