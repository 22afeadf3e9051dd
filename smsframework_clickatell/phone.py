"""Phone numbers: the one rule for what is a number and what its digits are.

Clickatell wants numbers as international digits alone (``27999000001``). A number may be written with
a ``+``, spaces, dots, dashes and parentheses; only ASCII digits count (``int()`` would also take
Arabic-Indic or full-width digits, which no phone network knows).
"""
import re

#: The longest text taken for a phone number: E.164 allows 15 digits; the rest is room for formatting.
MAX_LENGTH = 32

_DIGITS = frozenset('0123456789')
# One quantifier over one character class, on input of bounded length: linear time, no backtracking.
_NUMBER = re.compile(r'\+?[0-9 ().-]+\Z')


def is_phone_number(text: str) -> bool:
    """Whether `text` is a phone number as people write them: at most :data:`MAX_LENGTH` characters,
    an optional leading ``+``, then ASCII digits (at least one), spaces, dots, dashes and parentheses."""
    return (len(text) <= MAX_LENGTH and _NUMBER.match(text) is not None
            and any(c in _DIGITS for c in text))


def digits(text: str) -> str:
    """The ASCII digits of `text`, in order (``'+27 (999) 000-001'`` → ``'27999000001'``)."""
    return ''.join(c for c in text if c in _DIGITS)
