"""Flask receivers for what Clickatell pushes: incoming messages (``/im``) and delivery reports (``/status``).

Each answer tells Clickatell what to do with the request: 200 ``OK`` once the gateway's hook has
returned (done), 500 when the hook raised (Clickatell retries later, so nothing is lost), and 400 with
a one-line reason when the request cannot be understood (the hook is not called).
"""
import codecs
import logging
import math
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

from flask import Blueprint, request
from smsframework import IncomingMessage

from .status import ClickatellMessageStatus

log = logging.getLogger(__name__)

#: Clickatell writes MO timestamps in GMT+2, all year round.
MO_TIMESTAMP_OFFSET = timedelta(hours=2)
MO_TIMESTAMP_FORMAT = '%Y-%m-%d %H:%M:%S'

#: The charset of an MO text when Clickatell names none.
DEFAULT_CHARSET = 'ISO-8859-1'

#: Charset names Clickatell may use that Python's codecs do not know.
CHARSET_ALIASES = {'ucs-2': 'utf-16-be', 'ucs2': 'utf-16-be', 'ucs-2be': 'utf-16-be'}

_PLAIN_TEXT = {'Content-Type': 'text/plain; charset=utf-8'}


class BadRequest(ValueError):
    """The request cannot be turned into a message or a status; the text is the one-line reason."""


def make_receiver_blueprint(provider):
    """A new Blueprint with the receivers of `provider`, named after it.

    A new one each call, so that several Clickatell providers (several accounts) can be mounted in one
    application, each calling the gateway's hooks with its own name.
    """
    blueprint = Blueprint(provider.name.replace('.', '_'), __name__)

    def receive(parse, hook, what):
        try:
            item = parse(request_fields())
        except BadRequest as e:
            log.warning('Clickatell %s receiver of %r rejected a request: %s', what, provider.name, e)
            return '{}\n'.format(e), 400, _PLAIN_TEXT
        try:
            hook(item)
        except Exception:
            # Clickatell retries a failed push: answering 500 keeps the message, swallowing it would lose it.
            log.exception('The gateway hook failed on a Clickatell %s for %r', what, provider.name)
            return 'Error: the application failed to handle it\n', 500, _PLAIN_TEXT
        return 'OK', 200, _PLAIN_TEXT

    def incoming_message_view():
        return receive(parse_incoming_message, provider._receive_message, 'incoming message')

    def status_view():
        return receive(parse_status, provider._receive_status, 'status report')

    blueprint.add_url_rule('/im', 'im', incoming_message_view, methods=['GET', 'POST'])
    blueprint.add_url_rule('/status', 'status', status_view, methods=['GET', 'POST'])
    return blueprint


# Reading the request

def request_fields():
    """The fields of the current request: query string, then a form body (which wins).

    Values are the **raw bytes** of each field as ISO-8859-1 strings (one character per byte), so that
    a text can be decoded with the charset the request names, not the one Werkzeug would guess.
    """
    fields = dict(_parse_query(request.query_string))
    if request.method == 'POST' and request.mimetype in ('', 'application/x-www-form-urlencoded'):
        fields.update(_parse_query(request.get_data(cache=True)))
    return fields


def _parse_query(raw):
    # ISO-8859-1 maps each byte to one character and back, so nothing is lost or guessed here.
    return parse_qsl(raw.decode('iso-8859-1'), keep_blank_values=True, encoding='iso-8859-1')


def _required(fields, *names):
    for name in names:
        if fields.get(name):
            return fields[name]
    raise BadRequest('missing field {}'.format(' or '.join(names)))


def _text(fields, name):
    """A field that is plain text: its bytes as UTF-8 (ASCII in practice), or None when absent."""
    if name not in fields:
        return None
    try:
        return fields[name].encode('iso-8859-1').decode('utf-8')
    except UnicodeDecodeError:
        raise BadRequest('field {} is not valid UTF-8'.format(name)) from None


def _number(fields, name, convert, required=False):
    value = fields.get(name, '').strip()
    if not value:
        if required:
            raise BadRequest('missing field {}'.format(name))
        return None
    try:
        number = convert(value)
    except ValueError:
        number = None
    if number is None or not math.isfinite(number):
        raise BadRequest('field {} is not a number: {!r}'.format(name, value[:40]))
    return number


def _codec(charset):
    name = CHARSET_ALIASES.get(charset.strip().lower(), charset.strip())
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise BadRequest('unknown charset {!r}'.format(charset[:40])) from None


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Incoming messages

def parse_incoming_message(fields):
    """An :class:`smsframework.IncomingMessage` from the fields of an MO push.

    :raises BadRequest: a required field is missing or a field cannot be read
    """
    src = _required(fields, 'from')
    if 'text' not in fields:
        raise BadRequest('missing field text')
    charset = _text(fields, 'charset') or DEFAULT_CHARSET
    codec = _codec(charset)
    try:
        body = fields['text'].encode('iso-8859-1').decode(codec)
    except UnicodeDecodeError:
        raise BadRequest('field text is not valid {}'.format(charset)) from None
    return IncomingMessage(
        src=src,
        body=body,
        msgid=_text(fields, 'moMsgId') or None,
        dst=_text(fields, 'to') or None,
        rtime=_mo_timestamp(fields.get('timestamp', '')),
        meta={
            'api_id': _text(fields, 'api_id'),
            'charset': charset,
            'udh': _text(fields, 'udh') or '',
        },
    )


def _mo_timestamp(value):
    if not value:
        return _utcnow()
    try:
        return datetime.strptime(value.strip(), MO_TIMESTAMP_FORMAT) - MO_TIMESTAMP_OFFSET
    except ValueError:
        raise BadRequest('field timestamp is not a date "YYYY-MM-DD HH:MM:SS": {!r}'.format(value[:40])) from None


# Status reports

def parse_status(fields):
    """A :class:`~smsframework_clickatell.status.ClickatellMessageStatus` from a status push.

    :raises BadRequest: a required field is missing or a field cannot be read
    """
    msgid = _required(fields, 'apiMsgId', 'moMsgId')
    code = _number(fields, 'status', int, required=True)
    meta = {
        'status': code,
        'api_id': _text(fields, 'api_id'),
        'charge': _number(fields, 'charge', float),
    }
    cli_msg_id = _text(fields, 'cliMsgId')
    if cli_msg_id:
        meta['cliMsgId'] = cli_msg_id
    return ClickatellMessageStatus.from_code(
        code, msgid=msgid, rtime=_status_timestamp(fields), meta=meta)


def _status_timestamp(fields):
    seconds = _number(fields, 'timestamp', float)
    if seconds is None:
        return _utcnow()
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        raise BadRequest('field timestamp is not a UNIX time: {!r}'.format(fields['timestamp'][:40])) from None
