"""What the Platform SMS integration's callbacks mean: a reply (MO) or a delivery status.

An integration pushes each callback as a GET query or a POST JSON object (its settings choose), one
message or status per push, with times in milliseconds (UTC) and statuses in the legacy numbering
(``statusCode`` 4 is "received by recipient") with a name beside it (``RECEIVED_BY_RECIPIENT``).
Fields this module does not know are ignored, whatever their type: Clickatell may add some.
"""
from smsframework import IncomingMessage

from ..status import platform_status
from .fields import Fields
from .formats import Parsed, request_fields

#: Reply fields passed on in ``meta`` when the push has them.
REPLY_META = ('charset', 'udh', 'keyword', 'network', 'integrationName', 'clientMessageId')

#: Status fields passed on in ``meta`` when the push has them (with ``statusCode``, ``status``, ``to``).
STATUS_META = ('statusDescription', 'clientMessageId', 'integrationName', 'requestId', 'from')


def read_fields(method: str, query: bytes, mimetype: str, body: bytes) -> Fields:
    """The fields of a Platform push, GET or POST (see :func:`.formats.request_fields`).

    A JSON value that is an object, an array or a boolean is ignored rather than refused: none of the
    fields read here is one, and an unknown field must not make a push unreadable.
    """
    return Fields(request_fields(method, query, mimetype, body, other_json_values='ignore'))


def parse_reply(method: str, query: bytes, mimetype: str, body: bytes) -> Parsed:
    """The :class:`smsframework.IncomingMessage` of a reply callback.

    ``replyMessageId`` (the reply's own id; ``messageId`` when it is absent) is the msgid; when both
    are there, ``messageId`` is the message replied to and goes into ``meta['messageId']``.

    :returns: ``([message], {})``, as the blueprint's receivers return (nothing is ignored)
    :raises UnreadableRequest: a required field is missing or a field cannot be read
    """
    fields = read_fields(method, query, mimetype, body)
    reply_id, replied_to = fields.identifier('replyMessageId'), fields.identifier('messageId')
    if reply_id is None and replied_to is None:
        fields.fail('missing field replyMessageId or messageId')
    meta = fields.present(*REPLY_META)
    if reply_id is not None and replied_to is not None:
        meta['messageId'] = replied_to
    message = IncomingMessage(
        src=fields.phone('fromNumber', required=True),
        body=fields.message_text('text', meta.get('charset')),
        msgid=reply_id or replied_to,
        dst=fields.phone('toNumber'),
        rtime=fields.time_ms('timestamp'),
        meta=meta,
    )
    return [message], {}


def parse_status(method: str, query: bytes, mimetype: str, body: bytes) -> Parsed:
    """The status of a status callback: the class for its ``statusCode`` (or, without one,
    for its ``status`` name), as :func:`~smsframework_clickatell.status.platform_status` gives it.

    :returns: ``([status], {})``, as the blueprint's receivers return (nothing is ignored)
    :raises UnreadableRequest: a required field is missing or a field cannot be read
    """
    fields = read_fields(method, query, mimetype, body)
    msgid = fields.identifier('messageId', required=True)
    code, name = fields.code('statusCode'), fields.text('status')
    if code is None and name is None:
        fields.fail('missing field statusCode or status')
    meta = {key: value for key, value in (('statusCode', code), ('status', name)) if value is not None}
    meta.update(fields.present(*STATUS_META))
    recipient = fields.phone('to')
    if recipient is not None:
        meta['to'] = recipient
    status = platform_status(code, name, msgid=msgid, rtime=fields.time_ms('timestamp'), meta=meta)
    return [status], {}
