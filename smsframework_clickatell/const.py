"""Constants and defaults: of Clickatell's APIs, and of this package's options (all in one place)."""
from enum import IntFlag

#: Base URLs of the legacy ("Developers' Central") HTTP API.
HTTP_BASE_URL = 'http://api.clickatell.com'
HTTPS_BASE_URL = 'https://api.clickatell.com'

#: The legacy API's credentials, in the order the provider takes them (the CLI reads the same names).
LEGACY_CREDENTIALS = ('api_id', 'user', 'password')

#: Base URL of the key-based APIs (One API and the Platform SMS integration).
PLATFORM_BASE_URL = 'https://platform.clickatell.com'

#: Most messages (One API) or recipients (Platform) one request may carry.
MAX_MESSAGES_PER_REQUEST = 200

#: Clickatell's `callback` levels: which status changes are pushed to the account's callback URL.
CALLBACK_NONE = 0
CALLBACK_INTERMEDIATE = 1
CALLBACK_FINAL = 2
CALLBACK_INTERMEDIATE_AND_FINAL = 3
CALLBACK_ERRORS = 4
CALLBACK_INTERMEDIATE_AND_ERRORS = 5
CALLBACK_FINAL_AND_ERRORS = 6
CALLBACK_ALL = 7

#: Most recipients a single POST `sendmsg` may carry.
MAX_RECIPIENTS_PER_POST = 600

#: Most parts a concatenated message may have.
MAX_PARTS = 35


class Features(IntFlag):
    """Gateway features, the bits of the `req_feat` parameter.

    >>> int(Features.TEXT | Features.UCS2)
    9
    """
    TEXT = 1
    EIGHT_BIT = 2
    UDH = 4
    UCS2 = 8
    ALPHA = 16
    NUMER = 32
    FLASH = 512
    DELIVACK = 8192
    CONCAT = 16384

    # Old-style names, as in Clickatell's documentation.
    FEAT_TEXT = 1
    FEAT_8BIT = 2
    FEAT_UDH = 4
    FEAT_UCS2 = 8
    FEAT_ALPHA = 16
    FEAT_NUMER = 32
    FEAT_FLASH = 512
    FEAT_DELIVACK = 8192
    FEAT_CONCAT = 16384

    #: The set Clickatell assumes when `req_feat` is not given.
    DEFAULT = TEXT | EIGHT_BIT | UDH | UCS2 | CONCAT


#: Legacy commands that only read (paths below the base URL, compared case-insensitively). Running one
#: twice does no harm, so they are retried after any transient failure; every other command
#: (``sendmsg``, ``delmsg``, ``auth``, unknown ones) is retried only when it surely never reached Clickatell.
READ_ONLY_COMMANDS = frozenset(path.lower() for path in (
    'http/getbalance',
    'http/querymsg',
    'http/getmsgcharge',
    'http/ping',
    'utils/routeCoverage',
))

#: HTTP statuses after which a read-only command is retried: overload and gateway failures.
RETRY_STATUSES = (429, 500, 502, 503, 504)

#: Retries of a failed request, unless the provider's `retries` option says otherwise.
DEFAULT_RETRIES = 3

#: Seconds of backoff: 0, then ``factor * 2 ** (n - 1)`` before the n-th following retry, at most the max.
RETRY_BACKOFF_FACTOR = 0.5
RETRY_BACKOFF_MAX = 5.0

#: (connect, read) time-out in seconds: Clickatell answers well within it, a dead peer does not hang us.
#: The read time-out bounds the whole answer of an attempt, not each socket read.
DEFAULT_TIMEOUT = (5.0, 30.0)

#: The most bytes an answer may have (a 600-recipient sendmsg answer takes under 64 KiB).
MAX_ANSWER_SIZE = 1024 * 1024

#: Pooled connections kept open per process: at least the number of threads that send at once.
DEFAULT_POOL_SIZE = 10

#: Requests a bulk send runs at once, at most (send_bulk's `workers`). 10,000 recipients of one text are
#: 17 legacy requests: with a request each in flight at once they take one round trip, not five.
BULK_WORKERS = 20

#: Seconds a bulk send goes on starting requests (send_bulk's `time_limit`): what a rate limit still
#: refuses then is not sent again, and keeps its refusal as ``meta['error']``.
BULK_TIME_LIMIT = 600.0

#: Backoff after a rate-limit refusal that gave no ``Retry-After``: the n-th refusal in a row (from 0) waits
#: between half and all of ``REFUSAL_BACKOFF * 2 ** n`` seconds, at most REFUSAL_BACKOFF_MAX.
REFUSAL_BACKOFF = 0.25
REFUSAL_BACKOFF_MAX = 8.0

#: The longest ``Retry-After`` that send() waits for before sending a refused message again; a longer one
#: is raised at once (send_bulk waits for any, within its time limit).
REFUSAL_MAX_WAIT = 60.0
