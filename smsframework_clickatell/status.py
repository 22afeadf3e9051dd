"""Clickatell's message status codes and the smsframework status classes they map to.

``ClickatellMessageStatus.from_code(code, msgid=..., rtime=..., meta=...)`` returns an instance of the
class for the code, named ``S`` + the three-digit code (``S004``). Each is a
:class:`ClickatellMessageStatus` and also the smsframework class the code means
(:class:`~smsframework.MessageDelivered` for 004), so ``isinstance(status, MessageDelivered)`` works.
"""
from smsframework import MessageAccepted, MessageDelivered, MessageError, MessageExpired, MessageStatus

from . import clock
from .codes import classes_for_codes

#: (code, Clickatell's text, the smsframework class it means or None for "unknown"); declared once.
STATUS_CODES = (
    (1, 'Message unknown', None),
    (2, 'Message queued', MessageAccepted),
    (3, 'Delivered to gateway', MessageAccepted),
    (4, 'Received by recipient', MessageDelivered),
    (5, 'Error with message', MessageError),
    (6, 'User cancelled message delivery', MessageError),
    (7, 'Error delivering message', MessageError),
    (8, 'OK', MessageAccepted),
    (9, 'Routing error', MessageError),
    (10, 'Message expired', MessageExpired),
    (11, 'Message queued for later delivery', MessageAccepted),
    (12, 'Out of credit', MessageError),
    (14, 'Maximum MT limit exceeded', None),
)


class ClickatellMessageStatus(MessageStatus):
    """A message status reported by Clickatell.

    :ivar int status_code: Clickatell's status code (4 for "004")
    :ivar str status: Clickatell's text for the code
    """

    #: The code of a per-code subclass; None on this base class.
    code = None

    @classmethod
    def from_code(cls, code, **kwargs):
        """Build the status for a Clickatell status code.

        :param code: the code, as an int or as Clickatell writes it (``"004"``)
        :param kwargs: passed to :class:`smsframework.MessageStatus` (`msgid`, `rtime`, `meta`);
            `rtime` defaults to now, naive UTC
        :returns: an instance of the class for `code`, or of :class:`ClickatellMessageStatus` itself
            for a code not in :data:`STATUS_CODES` (with `status_code` set all the same)
        :raises ValueError: `code` is not a number
        """
        number = int(code)
        if kwargs.get('rtime') is None:
            # smsframework would stamp it with datetime.utcnow(), deprecated since Python 3.12.
            kwargs['rtime'] = clock.utcnow()
        status = status_class(number)(**kwargs)
        status.status_code = number
        status.status = _TEXTS.get(number, 'Unknown status')
        return status


_TEXTS = {code: text for code, text, _ in STATUS_CODES}
_CLASSES_BY_CODE = classes_for_codes(
    ClickatellMessageStatus, 'S', STATUS_CODES, __name__,
    status_code=lambda code, text: code, status=lambda code, text: text)
globals().update((cls.__name__, cls) for cls in _CLASSES_BY_CODE.values())


def status_class(code):
    """The status class for a Clickatell status code (:class:`ClickatellMessageStatus` if unknown)."""
    return _CLASSES_BY_CODE.get(int(code), ClickatellMessageStatus)


__all__ = ['STATUS_CODES', 'ClickatellMessageStatus', 'status_class'] + [
    cls.__name__ for cls in _CLASSES_BY_CODE.values()]


# The Platform SMS integration reports the legacy numbering (``statusCode`` 4 is "received by
# recipient") with a name beside it: the legacy text in capitals (``RECEIVED_BY_RECIPIENT``).

def platform_status_name(code):
    """The Platform's name for a legacy status code (``RECEIVED_BY_RECIPIENT`` for 4), or None."""
    text = _TEXTS.get(code)
    return None if text is None else text.upper().replace(' ', '_')


#: Platform status name → legacy code, derived from :data:`STATUS_CODES`.
PLATFORM_STATUS_CODES = {platform_status_name(code): code for code, _, _ in STATUS_CODES}


def platform_status(code=None, name=None, **kwargs):
    """The status for a Platform ``statusCode`` (legacy numbering) and/or ``status`` name.

    The code decides; without one, a known name gives its code. Neither known: the base
    :class:`ClickatellMessageStatus`, with ``status_code`` None and ``status`` the name as given.

    :param kwargs: as :meth:`ClickatellMessageStatus.from_code`
    :raises ValueError: a code that is not a number
    """
    if code is None or code == '':
        code = PLATFORM_STATUS_CODES.get(name)
    if code is None:
        if kwargs.get('rtime') is None:
            kwargs['rtime'] = clock.utcnow()
        status = ClickatellMessageStatus(**kwargs)
        status.status_code, status.status = None, name or 'Unknown status'
        return status
    status = ClickatellMessageStatus.from_code(code, **kwargs)
    if name:
        status.status = name
    return status


# One API has a numbering of its own: 4 is SENT_TO_SUPPLIER (accepted), not "received by recipient".

class OneApiStatus(ClickatellMessageStatus):
    """A message status in One API's numbering (see :data:`ONE_API_STATUS_CODES`).

    :ivar int status_code: One API's status code (5 for DEVICE_ACK), None when only a name was given
    :ivar str status: One API's status name (``DEVICE_ACK``)
    """

    @classmethod
    def from_code(cls, code, name=None, **kwargs):
        """The status for a One API code and/or name.

        The code decides; a code not in the table is read by its range (21–29, 60–99 and 100 up are
        failures), and a status without a known code by its name. What is known by neither gives this
        base class, with the code and name kept as given.

        :param code: One API's status code (an int or its digits), or None
        :param str name: One API's status name, or None
        :param kwargs: passed to :class:`smsframework.MessageStatus` (`msgid`, `rtime`, `meta`);
            `rtime` defaults to now, naive UTC
        :raises ValueError: a code that is not a number
        """
        number = None if code is None or code == '' else int(code)
        if kwargs.get('rtime') is None:
            kwargs['rtime'] = clock.utcnow()
        status = one_api_status_class(number, name)(**kwargs)
        status.status_code = number
        status.status = name or _ONE_API_NAMES.get(number, 'UNKNOWN')
        return status


class OneApiAccepted(OneApiStatus, MessageAccepted):
    """Accepted by Clickatell or a supplier, not yet delivered (QUEUED, SCHEDULED, SENT_TO_SUPPLIER)."""


class OneApiDelivered(OneApiStatus, MessageDelivered):
    """Delivered to the handset (DEVICE_ACK) or read (READ)."""


class OneApiExpired(OneApiStatus, MessageExpired):
    """Expired before delivery (EXPIRED)."""


class OneApiError(OneApiStatus, MessageError):
    """Not delivered and never will be (codes 21–29, 60 up)."""


#: (code, One API's status name, the class it means): declared once, everything derives.
ONE_API_STATUS_CODES = (
    (1, 'UNKNOWN', OneApiStatus),
    (2, 'QUEUED', OneApiAccepted),
    (3, 'SCHEDULED', OneApiAccepted),
    (4, 'SENT_TO_SUPPLIER', OneApiAccepted),
    (5, 'DEVICE_ACK', OneApiDelivered),
    (6, 'READ', OneApiDelivered),
    (20, 'EXPIRED', OneApiExpired),
    (21, 'STOPPED_BY_USER', OneApiError),
    (22, 'STOPPED_BY_ADMIN', OneApiError),
    (23, 'DELIVERY_FAILURE', OneApiError),
    (24, 'EMULATED', OneApiError),
    (25, 'INSUFFICIENT_ACCOUNT_BALANCE', OneApiError),
    (26, 'VOLUME_LIMIT', OneApiError),
    (27, 'VOLUME_LIMIT_DAILY', OneApiError),
    (28, 'VOLUME_LIMIT_MONTHLY', OneApiError),
    (29, 'RECIPIENT_DOES_NOT_EXIST', OneApiError),
    (60, 'ENCRYPTION_ACCESS_DENIED', OneApiError),
    (61, 'ENCRYPTION_CONTENT_ERROR', OneApiError),
    (100, 'ROUTING_ERROR', OneApiError),
)
_ONE_API_NAMES = {code: name for code, name, _ in ONE_API_STATUS_CODES}
_ONE_API_BY_CODE = {code: meaning for code, _, meaning in ONE_API_STATUS_CODES}
_ONE_API_BY_NAME = {name: meaning for _, name, meaning in ONE_API_STATUS_CODES}
# Failures by range, for codes the table does not list (MEDIA_* 80-85, WHATSAPP_* 130 up, new ones).
_ONE_API_ERROR_RANGES = ((21, 29), (60, 99), (100, None))


def one_api_status_class(code, name=None):
    """The class for a One API status code, or for its name when the code is unknown or None."""
    if code in _ONE_API_BY_CODE:
        return _ONE_API_BY_CODE[code]
    if code is not None and any(low <= code and (high is None or code <= high)
                                for low, high in _ONE_API_ERROR_RANGES):
        return OneApiError
    if name and name.startswith(('MEDIA_', 'WHATSAPP_')):
        return OneApiError
    return _ONE_API_BY_NAME.get(name, OneApiStatus)


__all__ += ['platform_status_name', 'PLATFORM_STATUS_CODES', 'platform_status', 'OneApiStatus', 'OneApiAccepted',
            'OneApiDelivered', 'OneApiExpired', 'OneApiError', 'ONE_API_STATUS_CODES', 'one_api_status_class']
