"""Message statuses as each API generation numbers and names them, and the outcomes a test can choose.

The simulator keeps every message's status in the legacy numbering (section 1 of the API notes:
4 is "received by recipient"), which the Platform API shares; One API numbers differently (4 is
"sent to supplier" there) and :func:`one_api_status` translates.
"""

from typing import Tuple, Union

from ..status import ONE_API_STATUS_CODES, STATUS_CODES, platform_status_name

#: Legacy codes: a message accepted, its intermediate status, and the default final status.
QUEUED = 2
DELIVERED_TO_GATEWAY = 3
RECEIVED = 4
CANCELLED = 6
SCHEDULED = 11

#: The final statuses a message may end in, and those that are errors (for the callback levels).
FINAL = frozenset((4, 5, 7, 9, 10, 12))
ERRORS = frozenset((5, 6, 7, 9, 12))

#: The words :func:`outcome_code` takes besides codes.
OUTCOME_WORDS = {'delivered': 4, 'expired': 10, 'failed': 7}

#: One API's numbering: code → name (the provider's table).
ONE_API_NAMES = {code: name for code, name, _ in ONE_API_STATUS_CODES}

#: The One API code that stands for each legacy code: the simulator's choice, as no mapping is published.
LEGACY_TO_ONE_API = {
    1: 1, 2: 2, 3: 4, 4: 5, 5: 23, 6: 21, 7: 23, 8: 4, 9: 100, 10: 20, 11: 3, 12: 25, 14: 26,
}

_TEXTS = {code: text for code, text, _ in STATUS_CODES}


def legacy_text(code: int) -> str:
    """Clickatell's text for a legacy code ("Received by recipient")."""
    return _TEXTS.get(code, 'Unknown status')


def platform_name(code: int) -> str:
    """The Platform API's status name for a legacy code ("RECEIVED_BY_RECIPIENT"), by the provider's
    rule (only RECEIVED_BY_RECIPIENT and DELIVERED_TO_GATEWAY are confirmed names)."""
    return platform_status_name(code) or 'MESSAGE_UNKNOWN'


def one_api_status(code: int) -> Tuple[int, str]:
    """(One API code, name) for a legacy code."""
    number = LEGACY_TO_ONE_API.get(code, 1)
    return number, ONE_API_NAMES[number]


def outcome_code(outcome: Union[int, str]) -> int:
    """The legacy code a chosen outcome means.

    :param outcome: a legacy status code (``7``, ``'007'``) or one of the words ``'delivered'`` (004),
        ``'expired'`` (010) and ``'failed'`` (007)
    :rtype: int
    :raises ValueError: neither a known legacy code nor one of the words
    """
    code = None
    if isinstance(outcome, str):
        word = outcome.strip().lower()
        if word in OUTCOME_WORDS:
            return OUTCOME_WORDS[word]
        if word.isdigit() and word.isascii():
            code = int(word)
    elif isinstance(outcome, int) and not isinstance(outcome, bool):
        code = outcome
    if code is None or code not in _TEXTS:
        raise ValueError('unknown outcome {!r}: give a legacy status code ({}) or one of {}'.format(
            outcome, ', '.join('{:03d}'.format(c) for c in sorted(_TEXTS)), ', '.join(OUTCOME_WORDS)))
    return code


def progression(final: int) -> Tuple[int, int]:
    """The statuses a sent message goes through, in order, ending in `final` (legacy codes)."""
    return (DELIVERED_TO_GATEWAY, final)
