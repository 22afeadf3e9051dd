"""The Platform SMS integration API (2016-2019, section 2b of the API notes): ``POST /messages``.

The raw API key is the whole ``Authorization`` header. Answers are JSON with ``errorCode``, ``error``
and ``errorDescription``. Platform's own error table was never published: apart from 108 (a wrong
key, confirmed), the codes here are the legacy ones with the legacy texts. A wrong key answers HTTP
401; a body that cannot be read, 400; a readable send, 202, refused recipients included (each with
``accepted: false`` and its error). Status and reply callbacks go as JSON by POST, or as query
parameters by GET, as the simulator's ``callback_method`` says.
"""
import re
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Union, cast
from urllib.parse import quote_from_bytes

from ..error import ERROR_CODES
from . import rules, statuses, wire
from .pusher import Push
from .state import PART_CHARGE, Incoming, SimulatedMessage, new_id

if TYPE_CHECKING:
    from .server import ClickatellSimulator

#: An endpoint: ``handler(sim, request)`` gives the answer.
Endpoint = Callable[['ClickatellSimulator', wire.Request], wire.Response]

#: A callback's fields (None: not sent by GET, null in JSON).
CallbackData = Dict[str, Union[str, bytes, int, None]]

#: Most recipients of one request.
MAX_RECIPIENTS = 200
#: The charsets a message may name.
CHARSETS = ('ASCII', 'UCS2-BE', 'UTF-8', 'Windows-1252')

_TEXTS: Dict[int, str] = {row[0]: row[1] for row in ERROR_CODES}
_TEXTS[108] = 'Invalid or missing integration API Key'  # as real answers write it


def owns(path: str) -> bool:
    return path == '/messages' or path.startswith(('/messages/', '/public-client/'))


class Refusal(Exception):
    """An error answer for the whole request."""

    def __init__(self, code: int, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code, self.description, self.status = code, description, status


def error_fields(code: int, description: str) -> Dict[str, Any]:
    """``errorCode``, ``error`` and ``errorDescription`` for a code."""
    return {'errorCode': code, 'error': _TEXTS.get(code, 'Unknown error') + '.', 'errorDescription': description}


def refuse(status: int, reason: str, code: Optional[int] = None) -> wire.Response:
    """A whole-request error answer."""
    fields = error_fields(code, reason) if code is not None else {
        'errorCode': None, 'error': reason, 'errorDescription': reason}
    return wire.as_json(dict({'messages': []}, **fields), status, note=reason)


def _unauthorized() -> wire.Response:
    return refuse(401, 'The Authorization header must hold the integration\'s API key.', 108)


def _keyed(handler: Endpoint) -> Endpoint:
    """Run `handler(sim, request)` for a request with the right key; a :class:`Refusal` becomes its answer."""
    def run(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
        if not rules.key_given(sim, request):
            return _unauthorized()
        try:
            return handler(sim, request)
        except Refusal as refusal:
            return refuse(refusal.status, refusal.description, refusal.code)
    run.__doc__ = handler.__doc__
    return run


# Endpoints

@_keyed
def send(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``POST /messages``: a JSON body with ``to`` (a list), ``content`` and options."""
    try:
        document = request.json()
    except ValueError:
        raise Refusal(101, 'The body is not JSON.') from None
    return _send(sim, document)


def send_by_get(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``GET /messages/http/send?apiKey=...&to=...&content=...``: the same send, with the key as a parameter."""
    fields = request.form(encoding='utf-8')
    if not rules.same_secret(fields.get('apiKey'), sim.api_key):
        return _unauthorized()
    document: Dict[str, wire.JSON] = {name: value for name, value in fields.items() if name not in ('apiKey', 'to')}
    document['to'] = [n for n in fields.get('to', '').split(',') if n]
    try:
        return _send(sim, document)
    except Refusal as refusal:
        return refuse(refusal.status, refusal.description, refusal.code)


@_keyed
def balance(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``GET /public-client/balance``."""
    credit = sim.account.credit
    return wire.as_json({'balance': credit, 'currency': 'ZAR'}, note='balance {:g}'.format(credit))


@_keyed
def message_status(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``GET /public-client/message/status?messageId=...``: 404 with code 103 for an unknown id."""
    msgid = request.form(encoding='utf-8').get('messageId', '').strip()
    if not msgid:
        raise Refusal(109, 'Give the message\'s apiMessageId as messageId.')
    message = sim.account.find('platform', msgid=msgid)
    if message is None:
        raise Refusal(103, 'No message has this apiMessageId.', 404)
    return wire.as_json({'messageId': message.msgid, 'status': message.status_name,
                         'statusCode': message.status, 'statusDescription': statuses.legacy_text(message.code)},
                        note='{} {}'.format(message.msgid, message.status_name))


ROUTES: List[wire.Route] = [
    (re.compile('/messages'), ('POST',), send),
    (re.compile('/messages/http/send'), ('GET',), send_by_get),
    (re.compile('/public-client/balance'), ('GET',), balance),
    (re.compile('/public-client/message/status'), ('GET',), message_status),
]


def _send(sim: 'ClickatellSimulator', document: wire.JSON) -> wire.Response:
    if not isinstance(document, dict):
        raise Refusal(101, 'The body must be a JSON object.')
    recipients = document.get('to')
    if isinstance(recipients, str):
        recipients = [recipients]
    if (not isinstance(recipients, list) or not recipients
            or not all(isinstance(n, str) for n in recipients)):
        raise Refusal(101, '"to" must be a list of phone numbers.')
    if len(recipients) > MAX_RECIPIENTS:
        raise Refusal(101, 'At most {} recipients per request.'.format(MAX_RECIPIENTS))
    if len(set(recipients)) != len(recipients):
        raise Refusal(101, 'Each recipient may appear once.')
    content = document.get('content')
    if not isinstance(content, str):
        raise Refusal(101, '"content" must be the text of the message.')
    if not content:
        raise Refusal(107, 'The message has no text.')
    sender = document.get('from')
    if sender is not None and not rules.valid_sender(sender):
        raise Refusal(106, '"from" must be a phone number or a sender ID.')
    client_id = document.get('clientMessageId')
    if client_id is not None and not isinstance(client_id, str):
        raise Refusal(101, '"clientMessageId" must be a string.')
    if document.get('charset') is not None and document['charset'] not in CHARSETS:
        raise Refusal(101, '"charset" must be one of {}.'.format(', '.join(CHARSETS)))
    parts = rules.parts(content)
    if parts > rules.MAX_PARTS:
        raise Refusal(113, 'The text takes {} parts; at most {} are possible.'.format(parts, rules.MAX_PARTS))

    if not sim.account.admit(len(recipients)):
        refusal = refuse(429, 'Too many messages per second: try again later.')
        refusal.headers = (('Retry-After', '1'),)
        return refusal

    parameters = {k: v for k, v in document.items() if k not in ('to', 'content')}
    charge = parts * PART_CHARGE
    entries: List[Dict[str, Any]] = []
    for number in recipients:
        entry = {'apiMessageId': None, 'accepted': False, 'to': number,
                 'errorCode': None, 'error': None, 'errorDescription': None}
        if not rules.valid_number(number):
            entry.update(error_fields(105, 'The number is not in international format.'))
        elif not sim.account.charge(charge):
            entry.update(error_fields(301, 'The account has no credit left.'))
        else:
            # Checked above: each number is a string, "from" a string or absent.
            message = SimulatedMessage('platform', new_id(), cast(str, number), content, cast(Optional[str], sender),
                                       client_id, dict(parameters), parts, charge)
            sim.accept(message)
            entry.update(apiMessageId=message.msgid, accepted=True)
        entries.append(entry)
    accepted = sum(entry['accepted'] for entry in entries)
    answer = {'messages': entries, 'errorCode': None, 'error': None, 'errorDescription': None}
    return wire.as_json(answer, 202, note='{} of {} accepted'.format(accepted, len(entries)))


# Pushes

def status_push(sim: 'ClickatellSimulator', message: SimulatedMessage, code: int) -> Optional[Push]:
    """The status callback for `message` entering status `code` (legacy numbering, Platform's names)."""
    if not sim.status_url:
        return None
    data: CallbackData
    data = {'integrationName': sim.integration_name, 'messageId': message.msgid,
            'clientMessageId': message.client_message_id, 'to': message.to, 'from': message.sender,
            'statusCode': code, 'status': statuses.platform_name(code),
            'statusDescription': statuses.legacy_text(code), 'timestamp': _ms(message.time)}
    return _push(sim, 'status', sim.status_url, data, message.msgid)


def mo_push(sim: 'ClickatellSimulator', mo: Incoming) -> Push:
    """The reply callback for an incoming message. By POST the text is JSON: the text itself for
    UTF-8, its raw bytes percent-encoded for any other charset. By GET, its raw bytes in the query."""
    data: CallbackData
    data = {'integrationName': sim.integration_name,
            'messageId': mo.replying_to.msgid if mo.replying_to is not None else None,
            'replyMessageId': mo.msgid, 'fromNumber': mo.src, 'toNumber': mo.dst, 'timestamp': _ms(mo.time),
            'text': mo.raw, 'charset': mo.charset, 'udh': ''}
    if sim.callback_method == 'POST':
        data['text'] = mo.text if mo.charset.upper() == 'UTF-8' else quote_from_bytes(mo.raw, safe='')
    return _push(sim, 'mo', cast(str, sim.reply_url), data, mo.msgid)  # (inject_mo checked reply_url)


def _push(sim: 'ClickatellSimulator', kind: str, url: str, data: CallbackData, msgid: str) -> Push:
    if sim.callback_method == 'GET':
        pairs = [(name, value) for name, value in data.items() if value is not None]
        return Push(kind, 'platform', url, 'GET', 'form', pairs, msgid)
    return Push(kind, 'platform', url, 'POST', 'json', data, msgid)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)
