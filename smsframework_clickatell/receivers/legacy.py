"""What the fields of a push mean: an incoming message (MO) or a delivery report.

The fields come from :func:`~smsframework_clickatell.receivers.formats.request_fields`: ``bytes`` for
percent-encoded values (their raw bytes), ``str`` for values a document parser already decoded. Every
value is checked, by the rules of :mod:`.rules`, before the hook sees it; what cannot be read raises
:class:`~smsframework_clickatell.receivers.formats.UnreadableRequest` with a one-line reason.
"""
import codecs
import re
from datetime import datetime, timedelta, timezone

from smsframework import IncomingMessage

from .. import clock
from ..status import ClickatellMessageStatus
from .formats import UnreadableRequest, quote, shown
# The field helpers lived here before rules.py: still importable from here ("X as X" re-exports them for
# type checkers too).
from .rules import MAX_NAME_LENGTH as MAX_NAME_LENGTH
from .rules import MAX_TIMESTAMP_LENGTH as MAX_TIMESTAMP_LENGTH
from .rules import MAX_UDH_LENGTH as MAX_UDH_LENGTH
from .rules import PushFields
from .rules import decimal as decimal
from .rules import message_id as message_id
from .rules import phone_number as phone_number
from .rules import required_text as required_text
from .rules import text_field as text_field
from .rules import valid_text as valid_text
from .rules import whole_number as whole_number

#: Clickatell writes MO timestamps in GMT+2, all year round.
MO_TIMESTAMP_OFFSET = timedelta(hours=2)
MO_TIMESTAMP_FORMAT = '%Y-%m-%d %H:%M:%S'

#: The charset of an MO text when Clickatell names none.
DEFAULT_CHARSET = 'ISO-8859-1'

#: Charset names Clickatell may use that Python's codecs do not know.
CHARSET_ALIASES = {'ucs-2': 'utf-16-be', 'ucs2': 'utf-16-be', 'ucs-2be': 'utf-16-be'}

#: Python codecs that are not character sets: they would rewrite the text (``\\u0041`` → ``A``) or fail.
NOT_CHARSETS = frozenset(('unicode-escape', 'raw-unicode-escape', 'idna', 'punycode', 'undefined'))

#: The most digits of a status code.
STATUS_CODE_DIGITS = 9

# ASCII, fixed length: strptime() also takes non-ASCII digits ("٤") and single-digit fields.
_MO_TIMESTAMP = re.compile(r'[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\Z')


# Incoming messages

def parse_incoming_message(fields: PushFields) -> IncomingMessage:
    """An :class:`smsframework.IncomingMessage` from the fields of an MO push.

    :raises UnreadableRequest: a required field is missing or a field cannot be read
    """
    charset = text_field(fields, 'charset', MAX_NAME_LENGTH) or DEFAULT_CHARSET
    meta = {
        'api_id': text_field(fields, 'api_id', MAX_NAME_LENGTH),
        'charset': charset,
        'udh': text_field(fields, 'udh', MAX_UDH_LENGTH) or '',
    }
    network = text_field(fields, 'network', MAX_NAME_LENGTH)
    if network:
        meta['network'] = network
    return IncomingMessage(
        src=phone_number(fields, 'from', required=True),
        body=message_text(fields, charset),
        msgid=message_id(fields, 'moMsgId'),
        dst=phone_number(fields, 'to'),
        rtime=mo_timestamp(fields),
        meta=meta,
    )


def message_text(fields: PushFields, charset: str) -> str:
    """The text of an MO: its raw bytes decoded with `charset`, or as a document gave it.

    :raises UnreadableRequest: no text, an unknown charset, bytes that are not valid in it, or text
        that cannot be written as UTF-8 (a lone surrogate, which UTF-7 can encode)
    """
    if 'text' not in fields:
        raise UnreadableRequest('missing field text')
    codec = charset_codec(charset)
    text = fields['text']
    if isinstance(text, bytes):  # a document's parser decoded its text already: decoding again would garble it
        try:
            text = text.decode(codec)
        except UnicodeError:
            raise UnreadableRequest('field text is not valid {}'.format(shown(charset))) from None
    return valid_text(text, 'text')


def charset_codec(charset: str) -> str:
    """The name of the Python codec for a charset Clickatell names.

    :raises UnreadableRequest: no such character set
    """
    name = charset.strip()
    name = CHARSET_ALIASES.get(name.lower(), name)
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        raise UnreadableRequest('unknown charset {}'.format(quote(charset))) from None
    if codec.name in NOT_CHARSETS or not _decodes_bytes_to_text(codec.name):
        raise UnreadableRequest('unknown charset {}'.format(quote(charset)))
    return codec.name


def _decodes_bytes_to_text(codec_name: str) -> bool:
    # bytes.decode() refuses codecs that are not text encodings ("hex", "rot13") with LookupError.
    # Empty bytes would not tell (they decode to '' under any name); one byte does, though a multi-byte
    # set (UTF-16) fails on it with UnicodeError, which still says it is a text encoding.
    try:
        b'0'.decode(codec_name)
    except LookupError:
        return False
    except UnicodeError:
        pass
    return True


def mo_timestamp(fields: PushFields) -> datetime:
    """An MO's time, naive UTC; now when the push has none.

    :raises UnreadableRequest: not ``YYYY-MM-DD HH:MM:SS``, or no such date
    """
    value = text_field(fields, 'timestamp', MAX_TIMESTAMP_LENGTH)
    if not value:
        return clock.utcnow()
    stripped = value.strip()
    try:
        if not _MO_TIMESTAMP.match(stripped):
            raise ValueError(stripped)
        return datetime.strptime(stripped, MO_TIMESTAMP_FORMAT) - MO_TIMESTAMP_OFFSET
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01 00:00:00 is before UTC's year 1
        raise UnreadableRequest('field timestamp is not a date "YYYY-MM-DD HH:MM:SS": {}'.format(
            quote(value))) from None


# Status reports

def parse_status(fields: PushFields) -> ClickatellMessageStatus:
    """A :class:`~smsframework_clickatell.status.ClickatellMessageStatus` from a status push.

    :raises UnreadableRequest: a required field is missing or a field cannot be read
    """
    msgid = message_id(fields, 'apiMsgId', 'moMsgId', required=True)
    code = status_code(fields)
    meta = {
        'status': code,
        'api_id': text_field(fields, 'api_id', MAX_NAME_LENGTH),
        'charge': decimal(fields, 'charge'),
    }
    cli_msg_id = message_id(fields, 'cliMsgId')
    if cli_msg_id:
        meta['cliMsgId'] = cli_msg_id
    return ClickatellMessageStatus.from_code(code, msgid=msgid, rtime=status_timestamp(fields), meta=meta)


def status_code(fields: PushFields) -> int:
    """The ``status`` field: a whole number of up to :data:`STATUS_CODE_DIGITS` digits (``004`` is 4).

    :raises UnreadableRequest: missing, or not such a number
    """
    return whole_number(fields, 'status', STATUS_CODE_DIGITS)


def status_timestamp(fields: PushFields) -> datetime:
    """A status's time (UNIX seconds), naive UTC; now when the push has none.

    :raises UnreadableRequest: not a number, or not a time a datetime can hold
    """
    seconds = decimal(fields, 'timestamp')
    if seconds is None:
        return clock.utcnow()
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise UnreadableRequest('field timestamp is not a UNIX time: {}'.format(
            quote(text_field(fields, 'timestamp') or ''))) from None  # there: decimal() read it
