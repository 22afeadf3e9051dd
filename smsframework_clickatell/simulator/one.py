"""One API (what new accounts have, section 2c of the API notes): ``POST /v1/message``.

The raw API key is the whole ``Authorization`` header. Each message is its own object, so one request
may carry different texts. Answers: 202 when every message was accepted, 207 when some were, and
when none was the HTTP status of the first message's error (400, or 402 for no credit). An error is
``{"code": 25, "description": "Invalid recipient"}``, per message or for the whole request. Callbacks
are always POST JSON envelopes, with One API's own status numbering (5 is DEVICE_ACK).
"""
import re
import time
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, cast

from ..error import ONE_API_ERROR_CODES
from . import rules, statuses, wire
from .pusher import Push
from .state import PART_CHARGE, Incoming, SimulatedMessage, new_id

if TYPE_CHECKING:
    from .server import ClickatellSimulator

#: Most messages of one request.
MAX_MESSAGES = 200

#: The HTTP status for each code the simulator answers (400 for the others): One API's own table, but
#: for the rate limit (43), which it documents with 400 and which the simulator answers, as throttling
#: services do, with 429 and a Retry-After.
HTTP_STATUSES = {1: 401, 20: 402, 43: 429}

_DESCRIPTIONS: Dict[int, str] = {row[0]: row[1] for row in ONE_API_ERROR_CODES}


def owns(path: str) -> bool:
    return path.startswith('/v1/')


def error(code: int) -> Dict[str, Any]:
    """The error object for a code."""
    return {'code': code, 'description': _DESCRIPTIONS[code]}


def http_status(code: int) -> int:
    return HTTP_STATUSES.get(code, 400)


def whole_request_error(code: int) -> wire.Response:
    """An answer refusing the whole request."""
    return wire.as_json({'messages': [], 'error': error(code)}, http_status(code), note=_DESCRIPTIONS[code])


def refuse(status: int, reason: str) -> wire.Response:
    """An unknown resource (41) or a method it does not take (42), both HTTP 400 as One API documents."""
    return whole_request_error(42 if status == 405 else 41)


# Endpoints

def send(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``POST /v1/message``: ``{"messages": [{"channel": "sms", "to", "content", "from", "clientMessageId"}]}``."""
    if not rules.key_given(sim, request):
        return whole_request_error(1)
    try:
        document = request.json()
    except ValueError:
        return whole_request_error(21)
    items = document.get('messages') if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        return whole_request_error(21)
    if len(items) > MAX_MESSAGES:
        return whole_request_error(22)
    if not sim.account.admit(len(items)):
        refusal = whole_request_error(43)
        refusal.headers = (('Retry-After', '1'),)
        return refusal
    entries = [_send_one(sim, item) for item in items]
    accepted = sum(entry['accepted'] for entry in entries)
    if accepted == len(entries):
        status = 202
    elif accepted:
        status = 207
    else:
        status = http_status(entries[0]['error']['code'])
    return wire.as_json({'messages': entries, 'error': None}, status,
                        note='{} of {} accepted'.format(accepted, len(entries)))


def message_status(sim: 'ClickatellSimulator', request: wire.Request, msgid: str) -> wire.Response:
    """``GET /v1/message/{id}``: ``{"sms": {"status", "timestamp"}}``; no channel key for an unknown id."""
    if not rules.key_given(sim, request):
        return whole_request_error(1)
    message = sim.account.find('one', msgid=msgid)
    if message is None:
        return wire.as_json({'timestamp': _ms(None)}, note='unknown ' + msgid)
    return wire.as_json({'sms': {'status': message.status_name, 'timestamp': _ms(message.time)}},
                        note='{} {}'.format(msgid, message.status_name))


ROUTES: List[wire.Route] = [
    (re.compile('/v1/message'), ('POST',), send),
    (re.compile('/v1/message/([^/]+)'), ('GET',), message_status),
]


def _send_one(sim: 'ClickatellSimulator', item: wire.JSON) -> Dict[str, Any]:
    """Accept one message object, or say why not: an answer entry."""
    entry: Dict[str, Any]  # a JSON object
    entry = {'apiMessageId': None, 'accepted': False, 'to': None, 'clientMessageId': None, 'error': None}
    if not isinstance(item, dict):
        entry['error'] = error(23)
        return entry
    number, content = item.get('to'), item.get('content')
    sender, client_id = item.get('from'), item.get('clientMessageId')
    entry.update(to=number, clientMessageId=client_id)
    code: Optional[int]
    if item.get('channel', 'sms') != 'sms':
        code = 38
    elif (not isinstance(content, str) or not content or not isinstance(number, str)
          or (client_id is not None and not isinstance(client_id, str))
          or (sender is not None and not rules.valid_sender(sender))):
        code = 23
    elif not rules.valid_number(number):
        code = 25
    else:
        parts = rules.parts(content)
        if parts > rules.MAX_PARTS:
            code = 100
        else:
            code = None if sim.account.charge(parts * PART_CHARGE) else 20
    if code is not None:
        entry['error'] = error(code)
        return entry
    parameters = {k: v for k, v in item.items() if k not in ('to', 'content')}
    # Checked above: "to" and "content" are strings, "from" and "clientMessageId" strings or absent.
    message = SimulatedMessage('one', new_id(), cast(str, number), cast(str, content), cast(Optional[str], sender),
                               cast(Optional[str], client_id), parameters, parts, parts * PART_CHARGE)
    sim.accept(message)
    entry.update(apiMessageId=message.msgid, accepted=True)
    return entry


# Pushes

def status_push(sim: 'ClickatellSimulator', message: SimulatedMessage, code: int) -> Optional[Push]:
    """A ``messageStatusUpdate`` event for `message` entering status `code` (legacy code, translated)."""
    if not sim.status_url:
        return None
    number, name = statuses.one_api_status(code)
    event = {'channel': 'sms', 'messageId': message.msgid, 'clientMessageId': message.client_message_id,
             'statusCode': number, 'status': name, 'timestamp': _ms(message.time)}
    return Push('status', 'one', sim.status_url, 'POST', 'json',
                _envelope(sim, 'messageStatusUpdate', event), message.msgid)


def mo_push(sim: 'ClickatellSimulator', mo: Incoming) -> Push:
    """A ``moText`` event: the content as text, the charset as the message came in."""
    related = mo.replying_to
    event = {'channel': 'sms', 'messageId': mo.msgid,
             'relatedMessageId': related.msgid if related is not None else None,
             'relatedClientMessageId': related.client_message_id if related is not None else None,
             'from': mo.src, 'to': mo.dst, 'timestamp': _ms(mo.time), 'content': mo.text, 'charset': mo.charset}
    # (reply_url is set: inject_mo checked it)
    return Push('mo', 'one', cast(str, sim.reply_url), 'POST', 'json', _envelope(sim, 'moText', event), mo.msgid)


def _envelope(sim: 'ClickatellSimulator', kind: str, event: Mapping[str, object]) -> Dict[str, object]:
    return {'integrationId': sim.integration_id, 'integrationName': sim.integration_name,
            'event': {kind: [event]}}


def _ms(seconds: Optional[float]) -> int:
    return int((time.time() if seconds is None else seconds) * 1000)
