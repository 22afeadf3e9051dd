"""What One API's callbacks mean: an envelope of events, incoming messages and statuses among them.

One API always pushes POST JSON, one envelope per push::

    {"integrationId": "…", "integrationName": "…",
     "event": {"moText": [{…}, …], "messageStatusUpdate": [{…}, …], …}}

to the status URL, the MO URL, or one URL for both, so either receiver takes any envelope. Each
``moText`` item is an :class:`smsframework.IncomingMessage`, each ``messageStatusUpdate`` item a
:class:`~smsframework_clickatell.status.OneApiStatus` in One API's own numbering (4 is
SENT_TO_SUPPLIER here, not "received by recipient"). Clickatell says new event types will come: those
are acknowledged and reported as ignored, never refused, since a refused push is pushed again and again.

The whole envelope is read before any hook is called: if one item of a known type cannot be read,
the envelope is refused and no hook sees any of it.
"""
from typing import Callable, Dict, List, Mapping, Union

from smsframework import IncomingMessage, MessageStatus

from ..status import OneApiStatus
from .fields import Fields
from .formats import Parsed, UnreadableRequest, load_json

#: The most events one envelope may hold (items of every type, known or not). Clickatell sends one
#: per envelope today and says batches may grow; far more than this is not a push but an attack.
MAX_EVENTS = 1000

#: Envelope fields passed on in the ``meta`` of every message and status it holds, when present.
ENVELOPE_META = ('integrationId', 'integrationName')

#: ``moText`` fields passed on in ``meta`` when present (and ``relatedMessageId``, ``network``).
MO_META = ('channel', 'charset', 'relatedClientMessageId')

#: ``messageStatusUpdate`` fields passed on in ``meta`` when present (and ``statusCode``, ``status``).
STATUS_META = ('channel', 'clientMessageId')


def parse_mo_text(fields: Fields, envelope_meta: Mapping[str, str]) -> IncomingMessage:
    """The :class:`smsframework.IncomingMessage` of one ``moText`` item.

    :param Fields fields: the item's fields
    :param dict envelope_meta: the envelope's fields for ``meta``
    :raises UnreadableRequest: a required field is missing or a field cannot be read
    """
    msgid = fields.identifier('messageId', required=True)
    src, dst = fields.phone('from', required=True), fields.phone('to')
    meta = dict(envelope_meta, **fields.present(*MO_META))
    related = fields.identifier('relatedMessageId')
    if related is not None:
        meta['relatedMessageId'] = related
    sms = fields.nested('sms')
    if sms is not None:
        meta.update(sms.present('network'))
    body = fields.message_text('content', meta.get('charset'))
    return IncomingMessage(src=src, body=body, msgid=msgid, dst=dst, rtime=fields.time_ms('timestamp'), meta=meta)


def parse_status_update(fields: Fields, envelope_meta: Mapping[str, str]) -> OneApiStatus:
    """The :class:`~smsframework_clickatell.status.OneApiStatus` of one ``messageStatusUpdate`` item:
    the class for its ``statusCode`` (or, without one, for its ``status`` name).

    :param Fields fields: the item's fields
    :param dict envelope_meta: the envelope's fields for ``meta``
    :raises UnreadableRequest: a required field is missing or a field cannot be read
    """
    msgid = fields.identifier('messageId', required=True)
    code, name = fields.code('statusCode'), fields.text('status')
    if code is None and name is None:
        fields.fail('missing field statusCode or status')
    meta: Dict[str, object] = dict(envelope_meta)
    meta.update((key, value) for key, value in (('statusCode', code), ('status', name)) if value is not None)
    meta.update(fields.present(*STATUS_META))
    return OneApiStatus.from_code(code, name, msgid=msgid, rtime=fields.time_ms('timestamp'), meta=meta)


#: Event type → the reader of one of its items. A type not here is acknowledged and ignored.
EVENT_READERS: Dict[str, Callable[[Fields, Mapping[str, str]], Union[IncomingMessage, MessageStatus]]] = {
    'moText': parse_mo_text,
    'messageStatusUpdate': parse_status_update,
}


def _count(entries: object) -> int:
    # An event type holds a list of items; a single value (of a type yet to come) counts as one.
    if isinstance(entries, list):
        return len(entries)
    return 0 if entries is None else 1


def parse_envelope(method: str, query: bytes, mimetype: str, body: bytes) -> Parsed:
    """The messages and statuses of a One API envelope, in the order the envelope lists them.

    The query string and content type are not looked at: the body is JSON whatever its label.

    :returns: ``(items, ignored)``: the messages and statuses; ``{event type: count}`` of the events
        of types not known here
    :raises UnreadableRequest: not a POST, not a JSON object, no ``event`` object, more than
        :data:`MAX_EVENTS` events, or an item of a known type that is not an object or cannot be read
    """
    if method != 'POST':
        raise UnreadableRequest('One API pushes POST JSON: a {} request carries no envelope'.format(method))
    document = load_json(body)
    if not isinstance(document, dict):
        raise UnreadableRequest('the JSON body is not an object')
    envelope = Fields(document)
    envelope_meta = envelope.present(*ENVELOPE_META)
    event = envelope.nested('event')
    if event is None:
        envelope.fail('missing field event')
    # Counted before any item is read, so that an oversized envelope costs nothing more.
    counts = {kind: _count(entries) for kind, entries in event.values.items()}
    total = sum(counts.values())
    if total > MAX_EVENTS:
        raise UnreadableRequest('the envelope holds {} events, more than the {} taken'.format(total, MAX_EVENTS))
    items: List[Union[IncomingMessage, MessageStatus]] = []
    ignored: Dict[str, int] = {}
    for kind, entries in event.values.items():
        read = EVENT_READERS.get(kind)
        if read is None:
            if counts[kind]:
                ignored[kind] = counts[kind]
            continue
        if entries is None:
            continue
        if not isinstance(entries, list):
            event.fail('field {} is not a list'.format(kind))
        for index, entry in enumerate(entries):
            where = 'event.{}[{}]'.format(kind, index)
            if not isinstance(entry, dict):
                raise UnreadableRequest('{} is not an object'.format(where))
            items.append(read(Fields(entry, where), envelope_meta))
    return items, ignored
