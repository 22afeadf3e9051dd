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
from smsframework import exc

from .codes import classes_for_codes

#: (code, Clickatell's text, the smsframework exception it means); declared once, everything derives.
ERROR_CODES = (
    (1, 'Authentication failed', exc.AuthError),
    (2, 'Unknown username or password', exc.AuthError),
    (3, 'Session ID expired', exc.RequestError),
    (5, 'Missing session ID', exc.RequestError),
    (7, 'IP Lockdown violation', exc.AuthError),
    (101, 'Invalid or missing parameters', exc.RequestError),
    (102, 'Invalid user data header', exc.RequestError),
    (103, 'Unknown API message ID', exc.RequestError),
    (104, 'Unknown client message ID', exc.RequestError),
    (105, 'Invalid destination address', exc.RequestError),
    (106, 'Invalid source address', exc.RequestError),
    (107, 'Empty message', exc.RequestError),
    (108, 'Invalid or missing API ID', exc.RequestError),
    (109, 'Missing message ID', exc.RequestError),
    (113, 'Maximum message parts exceeded', exc.RequestError),
    (114, 'Cannot route message', exc.ServerError),
    (115, 'Message expired', None),
    (116, 'Invalid Unicode data', exc.RequestError),
    (120, 'Invalid delivery time', exc.RequestError),
    (121, 'Destination mobile number blocked', None),
    (122, 'Destination mobile opted out', None),
    (123, 'Invalid Sender ID', exc.RequestError),
    (128, 'Number delisted', None),
    (130, 'Maximum MT limit exceeded', exc.LimitsError),
    (201, 'Invalid batch ID', exc.RequestError),
    (202, 'No batch template', exc.RequestError),
    (301, 'No credit left', exc.CreditError),
    (901, 'Internal error (please retry)', exc.ServerError),
)


class ClickatellProviderError(exc.ProviderError):
    """An ``ERR:`` answer from Clickatell.

    ``ClickatellProviderError(code, message)`` returns an instance of the class for `code`
    (:class:`E001`, ...), or of this class itself for a code not in :data:`ERROR_CODES`.

    :ivar int code: Clickatell's error code
    :ivar str message: Clickatell's text (or the table's text when none was given)
    """

    #: The code of a per-code subclass; None on this base class.
    code = None

    def __new__(cls, code=None, message=None):
        if cls is ClickatellProviderError:
            cls = _CLASSES_BY_CODE.get(_as_code(code), cls)
        return super().__new__(cls)

    def __init__(self, code=None, message=None):
        # A per-code class knows its code: E301() and E301(301) are the same error.
        self.code = _as_code(code) if code is not None else type(self).code
        self.message = message if message is not None else _TEXTS.get(self.code, 'Unknown error')
        super().__init__(self.code, self.message)

    def __str__(self):
        if self.code is None:
            return self.message
        return 'Clickatell error {:03d}: {}'.format(self.code, self.message)

    def __repr__(self):
        return '{}({!r}, {!r})'.format(type(self).__name__, self.code, self.message)

    def __reduce__(self):
        # Pickle through the constructor so a copy in another process keeps its class and fields.
        return ClickatellProviderError, (self.code, self.message)


def _as_code(code):
    """Clickatell writes codes zero-padded (``"001"``); accept those and ints alike."""
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


_TEXTS = {code: text for code, text, _ in ERROR_CODES}
_CLASSES_BY_CODE = classes_for_codes(ClickatellProviderError, 'E', ERROR_CODES, __name__)
globals().update((cls.__name__, cls) for cls in _CLASSES_BY_CODE.values())


def error_class(code):
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

    def __init__(self, status_code, reason=''):
        self.status_code = status_code
        self.reason = reason
        super().__init__('Clickatell answered HTTP {} {}'.format(status_code, reason).rstrip())


class ClickatellHTTPServerError(ClickatellHTTPError, exc.ServerError):
    """Clickatell answered with an HTTP 5xx status."""


class ClickatellResponseError(exc.ProviderError):
    """Clickatell's answer is not one this client understands. The answer is quoted in the message.

    :ivar str body: the answer as received
    """

    def __init__(self, description, body):
        self.body = body
        super().__init__('{}: {!r}'.format(description, _shorten(body)))


class ClickatellAnswerTooLarge(exc.ProviderError):
    """Clickatell's answer is larger than :data:`~smsframework_clickatell.const.MAX_ANSWER_SIZE`: it was not
    read (a sendmsg to 600 recipients answers in under 64 KiB)."""


def _shorten(text, limit=300):
    return text if len(text) <= limit else text[:limit] + '...'


__all__ = (
    ['ERROR_CODES', 'ClickatellProviderError', 'error_class', 'ClickatellConnectionError',
     'ClickatellTimeout', 'ClickatellHTTPError', 'ClickatellHTTPServerError', 'ClickatellResponseError',
     'ClickatellAnswerTooLarge']
    + [cls.__name__ for cls in _CLASSES_BY_CODE.values()]
)


class ClickatellParameterError(exc.RequestError, ValueError):
    """A parameter cannot be sent as given (for example a character the wire encoding cannot carry).
    Raised before anything is sent."""


__all__.append('ClickatellParameterError')


#: Codes that concern one message or its recipient: a bad number, a text too long, a blocked or opted-out
#: destination, a sender ID not approved. Any other code (authentication, credit, limits, internal errors,
#: codes not in :data:`ERROR_CODES`) concerns the account or the service, and stops a bulk send.
MESSAGE_ERROR_CODES = frozenset((101, 102, 105, 106, 107, 113, 114, 115, 116, 120, 121, 122, 123, 128))


def concerns_message(error):
    """Whether a :class:`ClickatellProviderError` is about one message rather than the whole account."""
    return error.code in MESSAGE_ERROR_CODES


__all__ += ['MESSAGE_ERROR_CODES', 'concerns_message']
