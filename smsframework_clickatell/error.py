"""Clickatell's error codes and the exceptions they raise.

Every ``ERR: NNN, text`` answer becomes an instance of a class named ``E`` + the three-digit code
(``E001``, ``E301``, ...). Each such class is a :class:`ClickatellProviderError` and also the
smsframework exception the code means, so callers can catch at whichever level they care about::

    try:
        gateway.send(message)
    except smsframework.exc.CreditError:      # E301, wherever it comes from
        ...
    except ClickatellProviderError as e:      # any Clickatell error code
        log.error('Clickatell said %03d: %s', e.code, e.message)

``ClickatellProviderError(code, message)`` itself returns the class for the code, so the raising
side never needs to look the class up. Failures that are not Clickatell error codes (the network,
HTTP statuses, unreadable answers) have classes of their own at the bottom of this module.
"""
from typing import TYPE_CHECKING, Callable, Dict, Optional, Tuple, Type, TypeVar, Union, cast

from smsframework import exc

if TYPE_CHECKING:  # typing has TypeGuard from Python 3.10 on; typing_extensions comes with mypy
    from typing_extensions import TypeGuard


#: What an error code concerns: one message or its recipient (a bad number, a text too long, a blocked
#: destination, a sender ID not approved), or the account or the service (authentication, credit,
#: limits, internal errors). A bulk send files the first as the message's error and stops on the second.
MESSAGE = 'message'
ACCOUNT = 'account'

#: (code, Clickatell's text, the smsframework exception it means, what it concerns); declared once,
#: everything derives (the classes below are written from it by :mod:`~smsframework_clickatell.codes`).
ERROR_CODES: Tuple[Tuple[int, str, Optional[Type[exc.ProviderError]], str], ...] = (
    (1, 'Authentication failed', exc.AuthError, ACCOUNT),
    (2, 'Unknown username or password', exc.AuthError, ACCOUNT),
    (3, 'Session ID expired', exc.RequestError, ACCOUNT),
    (5, 'Missing session ID', exc.RequestError, ACCOUNT),
    (7, 'IP Lockdown violation', exc.AuthError, ACCOUNT),
    (101, 'Invalid or missing parameters', exc.RequestError, MESSAGE),
    (102, 'Invalid user data header', exc.RequestError, MESSAGE),
    (103, 'Unknown API message ID', exc.RequestError, ACCOUNT),
    (104, 'Unknown client message ID', exc.RequestError, ACCOUNT),
    (105, 'Invalid destination address', exc.RequestError, MESSAGE),
    (106, 'Invalid source address', exc.RequestError, MESSAGE),
    (107, 'Empty message', exc.RequestError, MESSAGE),
    (108, 'Invalid or missing API ID', exc.RequestError, ACCOUNT),
    (109, 'Missing message ID', exc.RequestError, ACCOUNT),
    (113, 'Maximum message parts exceeded', exc.RequestError, MESSAGE),
    (114, 'Cannot route message', exc.ServerError, MESSAGE),
    (115, 'Message expired', None, MESSAGE),
    (116, 'Invalid Unicode data', exc.RequestError, MESSAGE),
    (120, 'Invalid delivery time', exc.RequestError, MESSAGE),
    (121, 'Destination mobile number blocked', None, MESSAGE),
    (122, 'Destination mobile opted out', None, MESSAGE),
    (123, 'Invalid Sender ID', exc.RequestError, MESSAGE),
    (128, 'Number delisted', None, MESSAGE),
    (130, 'Maximum MT limit exceeded', exc.LimitsError, ACCOUNT),
    (201, 'Invalid batch ID', exc.RequestError, ACCOUNT),
    (202, 'No batch template', exc.RequestError, ACCOUNT),
    (301, 'No credit left', exc.CreditError, ACCOUNT),
    (901, 'Internal error (please retry)', exc.ServerError, ACCOUNT),
)

#: An error code as an int, or as Clickatell writes it (``"001"``).
Code = Union[int, str]

_E = TypeVar('_E', bound='ClickatellProviderError')


class ClickatellProviderError(exc.ProviderError):
    """An ``ERR:`` answer from Clickatell.

    ``ClickatellProviderError(code, message)`` returns an instance of the class for `code`
    (:class:`E001`, ...), or of this class itself for a code not in :data:`ERROR_CODES`.

    :ivar int code: Clickatell's error code
    :ivar str message: Clickatell's text (or the table's text when none was given)
    """

    #: The code of a per-code subclass; None on this base class.
    code: Optional[int] = None
    message: str

    def __new__(cls: Type[_E], code: Optional[Code] = None, message: Optional[str] = None) -> _E:
        if cls is ClickatellProviderError:
            # Every class of the table is a ClickatellProviderError: what _E is here.
            cls = cast(Type[_E], _CLASSES_BY_CODE.get(_as_code(code), cls))
        return super().__new__(cls)

    def __init__(self, code: Optional[Code] = None, message: Optional[str] = None) -> None:
        # A per-code class knows its code: E301() and E301(301) are the same error.
        self.code = _as_code(code) if code is not None else type(self).code
        self.message = message if message is not None else _TEXTS.get(self.code, 'Unknown error')
        super().__init__(self.code, self.message)

    def __str__(self) -> str:
        if self.code is None:
            return self.message
        return 'Clickatell error {:03d}: {}'.format(self.code, self.message)

    def __repr__(self) -> str:
        return '{}({!r}, {!r})'.format(type(self).__name__, self.code, self.message)

    def __reduce__(self) -> Tuple[Callable[..., 'ClickatellProviderError'], Tuple[object, ...]]:
        # Pickle through the constructor so a copy in another process keeps its class and fields.
        return ClickatellProviderError, (self.code, self.message)


def _as_code(code: Optional[Code]) -> Optional[int]:
    """Clickatell writes codes zero-padded (``"001"``); accept those and ints alike."""
    if code is None:
        return None
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


# Keyed by Optional: an error's code may be None (its lookup then finds nothing).
_TEXTS: Dict[Optional[int], str] = {code: text for code, text, _, _ in ERROR_CODES}


# BEGIN GENERATED by `python -m smsframework_clickatell.codes` from ERROR_CODES: do not edit by hand


class E001(ClickatellProviderError, exc.AuthError):
    """001: Authentication failed"""
    code = 1


class E002(ClickatellProviderError, exc.AuthError):
    """002: Unknown username or password"""
    code = 2


class E003(ClickatellProviderError, exc.RequestError):
    """003: Session ID expired"""
    code = 3


class E005(ClickatellProviderError, exc.RequestError):
    """005: Missing session ID"""
    code = 5


class E007(ClickatellProviderError, exc.AuthError):
    """007: IP Lockdown violation"""
    code = 7


class E101(ClickatellProviderError, exc.RequestError):
    """101: Invalid or missing parameters"""
    code = 101


class E102(ClickatellProviderError, exc.RequestError):
    """102: Invalid user data header"""
    code = 102


class E103(ClickatellProviderError, exc.RequestError):
    """103: Unknown API message ID"""
    code = 103


class E104(ClickatellProviderError, exc.RequestError):
    """104: Unknown client message ID"""
    code = 104


class E105(ClickatellProviderError, exc.RequestError):
    """105: Invalid destination address"""
    code = 105


class E106(ClickatellProviderError, exc.RequestError):
    """106: Invalid source address"""
    code = 106


class E107(ClickatellProviderError, exc.RequestError):
    """107: Empty message"""
    code = 107


class E108(ClickatellProviderError, exc.RequestError):
    """108: Invalid or missing API ID"""
    code = 108


class E109(ClickatellProviderError, exc.RequestError):
    """109: Missing message ID"""
    code = 109


class E113(ClickatellProviderError, exc.RequestError):
    """113: Maximum message parts exceeded"""
    code = 113


class E114(ClickatellProviderError, exc.ServerError):
    """114: Cannot route message"""
    code = 114


class E115(ClickatellProviderError):
    """115: Message expired"""
    code = 115


class E116(ClickatellProviderError, exc.RequestError):
    """116: Invalid Unicode data"""
    code = 116


class E120(ClickatellProviderError, exc.RequestError):
    """120: Invalid delivery time"""
    code = 120


class E121(ClickatellProviderError):
    """121: Destination mobile number blocked"""
    code = 121


class E122(ClickatellProviderError):
    """122: Destination mobile opted out"""
    code = 122


class E123(ClickatellProviderError, exc.RequestError):
    """123: Invalid Sender ID"""
    code = 123


class E128(ClickatellProviderError):
    """128: Number delisted"""
    code = 128


class E130(ClickatellProviderError, exc.LimitsError):
    """130: Maximum MT limit exceeded"""
    code = 130


class E201(ClickatellProviderError, exc.RequestError):
    """201: Invalid batch ID"""
    code = 201


class E202(ClickatellProviderError, exc.RequestError):
    """202: No batch template"""
    code = 202


class E301(ClickatellProviderError, exc.CreditError):
    """301: No credit left"""
    code = 301


class E901(ClickatellProviderError, exc.ServerError):
    """901: Internal error (please retry)"""
    code = 901


#: Every class above, in the order of ERROR_CODES.
E_CLASSES = (
    E001, E002, E003, E005, E007, E101, E102, E103, E104, E105,
    E106, E107, E108, E109, E113, E114, E115, E116, E120, E121,
    E122, E123, E128, E130, E201, E202, E301, E901,
)
# END GENERATED
_CLASSES_BY_CODE: Dict[Optional[int], Type[ClickatellProviderError]] = {cls.code: cls for cls in E_CLASSES}


def error_class(code: Optional[Code]) -> Type[ClickatellProviderError]:
    """The exception class for a Clickatell error code (:class:`ClickatellProviderError` if unknown)."""
    return _CLASSES_BY_CODE.get(_as_code(code), ClickatellProviderError)


# Failures that are not Clickatell error codes.

class ClickatellConnectionError(exc.ConnectionError):
    """Clickatell could not be reached: refused connection, DNS failure, TLS failure or time-out."""


class ClickatellTimeout(ClickatellConnectionError):
    """Clickatell did not answer in time."""


class ClickatellHTTPError(exc.MessageSendError):
    """Clickatell answered with an HTTP status of 400 or more.

    :ivar int status_code: the HTTP status
    """

    def __init__(self, status_code: int, reason: str = '') -> None:
        self.status_code = status_code
        self.reason = reason
        super().__init__('Clickatell answered HTTP {} {}'.format(status_code, reason).rstrip())


class ClickatellHTTPServerError(ClickatellHTTPError, exc.ServerError):
    """Clickatell answered with an HTTP 5xx status."""


class ClickatellResponseError(exc.ProviderError):
    """Clickatell's answer is not one this client understands. The answer is quoted in the message.

    :ivar str body: the answer as received
    """

    def __init__(self, description: str, body: str) -> None:
        self.body = body
        super().__init__('{}: {!r}'.format(description, _shorten(body)))


class ClickatellAnswerTooLarge(exc.ProviderError):
    """Clickatell's answer is larger than :data:`~smsframework_clickatell.const.MAX_ANSWER_SIZE`: it was not
    read (a sendmsg to 600 recipients answers in under 64 KiB)."""


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + '...'


class ClickatellParameterError(exc.RequestError, ValueError):
    """A parameter cannot be sent as given (for example a character the wire encoding cannot carry).
    Raised before anything is sent."""



#: Codes that concern one message (:data:`MESSAGE` in :data:`ERROR_CODES`). Any other code, and a code not
#: in the table, concerns the account or the service, and stops a bulk send.
MESSAGE_ERROR_CODES = frozenset(code for code, _, _, scope in ERROR_CODES if scope == MESSAGE)


def concerns_message(error: ClickatellProviderError) -> bool:
    """Whether a :class:`ClickatellProviderError` is about one message rather than the whole account."""
    return error.code in MESSAGE_ERROR_CODES



# Errors of the key-based APIs: One API and the Platform SMS integration.
#
# Their codes are not the legacy ones (One API's 1 is a bad key, legacy 001 a failed login): an error of
# these APIs is a ClickatellApiError, of the class its row in KEY_API_ERROR_CODES says, and also the
# smsframework exception that class means.

_A = TypeVar('_A', bound='ClickatellApiError')


class ClickatellApiError(ClickatellProviderError):
    """An error answer of One API or the Platform SMS integration, for the whole request or one message.

    ``ClickatellApiError(code, message, api=..., http_status=...)`` returns an instance of the class the
    code means for that API (:func:`api_error_class`).

    :ivar code: Clickatell's error code (an int; None when the answer gave none)
    :ivar str message: Clickatell's text (description)
    :ivar str api: ``'one'`` or ``'platform'``
    :ivar http_status: the answer's HTTP status, when known
    :ivar retry_after: seconds the answer asked to wait before trying again (``Retry-After``), or None
    """

    api: str
    http_status: Optional[int]
    retry_after: Optional[float]

    def __new__(cls: Type[_A], code: Optional[Code] = None, message: Optional[str] = None, *, api: str = 'one',
                http_status: Optional[int] = None, retry_after: Optional[float] = None) -> _A:
        if cls is ClickatellApiError:
            # Every class api_error_class returns is a ClickatellApiError: what _A is here.
            cls = cast(Type[_A], api_error_class(api, code, http_status))
        return Exception.__new__(cls)

    def __init__(self, code: Optional[Code] = None, message: Optional[str] = None, *, api: str = 'one',
                 http_status: Optional[int] = None, retry_after: Optional[float] = None) -> None:
        self.code = _as_code(code) if code is not None else None
        self.api = api
        self.http_status = http_status
        self.retry_after = retry_after
        self.message = message if message is not None else _KEY_API_TEXTS.get((api, self.code), 'Unknown error')
        Exception.__init__(self, self.code, self.message)

    def __str__(self) -> str:
        name = API_NAMES.get(self.api, self.api)
        if self.code is None:
            status = ' (HTTP {})'.format(self.http_status) if self.http_status else ''
            return 'Clickatell {} error{}: {}'.format(name, status, self.message)
        return 'Clickatell {} error {}: {}'.format(name, self.code, self.message)

    def __repr__(self) -> str:
        return '{}({!r}, {!r}, api={!r})'.format(type(self).__name__, self.code, self.message, self.api)

    def __reduce__(self) -> Tuple[Callable[..., 'ClickatellApiError'], Tuple[object, ...]]:
        return _rebuild_api_error, (type(self), self.code, self.message, self.api, self.http_status,
                                    self.retry_after)


def _rebuild_api_error(cls: Type[_A], code: Optional[int], message: str, api: str, http_status: Optional[int],
                       retry_after: Optional[float]) -> _A:
    error = Exception.__new__(cls)
    ClickatellApiError.__init__(error, code, message, api=api, http_status=http_status, retry_after=retry_after)
    return error


class ClickatellApiAuthError(ClickatellApiError, exc.AuthError):
    """The key is wrong, or the account or integration is not active."""


class ClickatellApiCreditError(ClickatellApiError, exc.CreditError):
    """Not enough balance."""


class ClickatellApiLimitsError(ClickatellApiError, exc.LimitsError):
    """A rate limit: nothing was accepted, so the same message may be sent again (after `retry_after`)."""


class ClickatellApiServerError(ClickatellApiError, exc.ServerError):
    """An internal error at Clickatell."""


class ClickatellApiRequestError(ClickatellApiError, exc.RequestError):
    """The request or the message is wrong: a parameter, a recipient, a sender."""


class ClickatellApiUnsupportedError(ClickatellApiError, exc.UnsupportedError):
    """A channel or feature that the integration does not have, or a call this key cannot make."""


class ClickatellApiRefused(ClickatellApiError, exc.MessageSendError):
    """A message refused for a reason this package does not know (a code not in the table)."""


#: A key-based API's table of error codes: (code, description, the class it raises).
KeyApiErrorTable = Tuple[Tuple[int, str, Type[ClickatellApiError]], ...]

#: How the README and errors name each key-based API.
API_NAMES: Dict[str, str] = {'one': 'One API', 'platform': 'Platform'}

#: One API's error codes: (code, description, the class it raises). Declared once; everything derives.
ONE_API_ERROR_CODES: KeyApiErrorTable = (
    (1, 'Invalid or missing integration API key', ClickatellApiAuthError),
    (2, 'Account is not active', ClickatellApiAuthError),
    (3, 'Integration is not active', ClickatellApiAuthError),
    (7, 'Originating IP address is not approved', ClickatellApiAuthError),
    (18, 'Internal error', ClickatellApiServerError),
    (19, 'Internal error, please try again', ClickatellApiServerError),
    (20, 'Insufficient account balance', ClickatellApiCreditError),
    (21, 'Payload data is malformed', ClickatellApiRequestError),
    (22, 'Too many messages in the request', ClickatellApiRequestError),
    (23, 'Invalid or missing parameter', ClickatellApiRequestError),
    (24, 'Content is too long', ClickatellApiRequestError),
    (25, 'Invalid recipient', ClickatellApiRequestError),
    (26, 'Recipient has opted out', ClickatellApiRequestError),
    (27, 'Recipient is not available on the channel', ClickatellApiRequestError),
    (28, 'Recipient is not on the sandbox', ClickatellApiRequestError),
    (30, 'Media error', ClickatellApiRequestError),
    (31, 'Media error', ClickatellApiRequestError),
    (32, 'Media error', ClickatellApiRequestError),
    (33, 'Media error', ClickatellApiRequestError),
    (38, 'Channel is not active on the integration', ClickatellApiUnsupportedError),
    (39, 'Feature is not available on the integration', ClickatellApiUnsupportedError),
    (40, 'Charset is not supported', ClickatellApiRequestError),
    (41, 'Resource does not exist', ClickatellApiRequestError),
    (42, 'HTTP method is not supported', ClickatellApiRequestError),
    (43, 'Rate limit exceeded', ClickatellApiLimitsError),
    (44, 'FROM number is suspended', ClickatellApiRequestError),
    (45, 'FROM number is not related to the integration', ClickatellApiRequestError),
    (46, 'Demo access has expired', ClickatellApiAuthError),
    (100, 'Too many message parts', ClickatellApiRequestError),
    (101, 'Destination does not support two-way messaging', ClickatellApiRequestError),
    (110, 'USA: a two-way integration is required', ClickatellApiRequestError),
    (111, 'USA: STOP/SUBSCRIBE must be enabled', ClickatellApiRequestError),
)

#: The Platform integration's codes: no official table is known, only these (others quote the text).
PLATFORM_ERROR_CODES: KeyApiErrorTable = (
    (108, 'Invalid or missing integration API key', ClickatellApiAuthError),
)

#: API → its table.
KEY_API_ERROR_CODES: Dict[str, KeyApiErrorTable] = {'one': ONE_API_ERROR_CODES, 'platform': PLATFORM_ERROR_CODES}

#: What an HTTP status means when the body names no code.
HTTP_STATUS_ERRORS: Dict[int, Type[ClickatellApiError]] = {
    401: ClickatellApiAuthError, 402: ClickatellApiCreditError, 403: ClickatellApiAuthError,
    429: ClickatellApiLimitsError}

# Keyed by Optional: an error's code may be None (its lookup then finds nothing).
_KEY_API_TEXTS: Dict[Tuple[str, Optional[int]], str] = {
    (api, code): text for api, table in KEY_API_ERROR_CODES.items() for code, text, _ in table}
_KEY_API_CLASSES: Dict[Tuple[str, Optional[int]], Type[ClickatellApiError]] = {
    (api, code): cls for api, table in KEY_API_ERROR_CODES.items() for code, _, cls in table}


def api_error_class(api: str, code: Optional[Code] = None,
                    http_status: Optional[int] = None) -> Type[ClickatellApiError]:
    """The class of an error of a key-based API: by its code; for a code not in the table (or none), by
    the HTTP status (401/403 auth, 402 credit, 429 limits, 5xx server); else :class:`ClickatellApiRefused`."""
    cls = _KEY_API_CLASSES.get((api, _as_code(code)))
    if cls is not None:
        return cls
    if http_status is not None:
        if http_status in HTTP_STATUS_ERRORS:
            return HTTP_STATUS_ERRORS[http_status]
        if http_status >= 500:
            return ClickatellApiServerError
    return ClickatellApiRefused


def is_rate_limited(error: object) -> 'TypeGuard[ClickatellApiLimitsError]':
    """Whether an error is a rate-limit refusal (One API code 43, HTTP 429): nothing was accepted, so the
    message may be sent again, after ``error.retry_after`` seconds when the answer said."""
    return isinstance(error, ClickatellApiLimitsError)


class ClickatellTimeLimitError(exc.LimitsError):
    """A message of a bulk send that was not sent because the call's time limit passed first (the account's
    rate limit held it back): nothing was sent for it, so it may be sent again."""


__all__ = ['ERROR_CODES', 'MESSAGE', 'ACCOUNT', 'MESSAGE_ERROR_CODES', 'ClickatellProviderError', 'error_class',
           'concerns_message', 'ClickatellConnectionError', 'ClickatellTimeout', 'ClickatellHTTPError',
           'ClickatellHTTPServerError', 'ClickatellResponseError', 'ClickatellAnswerTooLarge',
           'ClickatellParameterError', 'ClickatellApiError', 'ClickatellApiAuthError', 'ClickatellApiCreditError',
           'ClickatellApiLimitsError', 'ClickatellApiServerError', 'ClickatellApiRequestError',
           'ClickatellApiUnsupportedError', 'ClickatellApiRefused', 'API_NAMES', 'ONE_API_ERROR_CODES',
           'PLATFORM_ERROR_CODES', 'KEY_API_ERROR_CODES', 'HTTP_STATUS_ERRORS', 'api_error_class',
           'is_rate_limited', 'ClickatellTimeLimitError'] + [cls.__name__ for cls in E_CLASSES]
