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
