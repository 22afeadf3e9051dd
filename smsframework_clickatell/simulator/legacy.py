"""The legacy HTTP API ("Developers' Central", section 1 of the API notes): ``/http/<command>``.

Every command takes GET or POST (form-encoded, read as ISO-8859-1) with ``api_id``, ``user`` and
``password``, and answers plain text lines, ``ERR: NNN, text`` for an error, always with HTTP 200.
Delivery reports go only to messages sent with ``callback`` > 0, as the level says; they and incoming
messages are pushed as form fields, by the simulator's ``callback_method``.
"""
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List, Optional, Sequence, TYPE_CHECKING, Tuple, cast

from ..error import ERROR_CODES
from . import rules, statuses, wire
from .pusher import FormData, Push
from .state import PART_CHARGE, Incoming, SimulatedMessage, new_id

if TYPE_CHECKING:
    from .server import ClickatellSimulator

#: A command: ``handler(sim, fields, method)`` gives the answer's text, or raises :class:`Refusal`.
Command = Callable[['ClickatellSimulator', Dict[str, str], str], str]

#: A ``concat`` not given: the default of a new API connection.
DEFAULT_CONCAT = 3
#: Most recipients of one sendmsg, by method.
MAX_RECIPIENTS = {'GET': 300, 'POST': 600}
#: Parameters that are the account's credentials: checked, never stored.
CREDENTIALS = ('api_id', 'user', 'password')
#: Latest ``deliv_time``, in minutes.
MAX_DELIVERY_DELAY = 10080
#: MO timestamps are written in GMT+2, all year round.
MO_TIMEZONE = timezone(timedelta(hours=2))

_TEXTS: Dict[int, str] = {row[0]: row[1] for row in ERROR_CODES}
_CLIENT_ID = re.compile(r'[A-Za-z0-9]{1,32}\Z')
_WHOLE = re.compile(r'[0-9]{1,9}\Z')
_HEX = re.compile(r'[0-9A-Fa-f]*\Z')


class Refusal(Exception):
    """An ``ERR:`` answer for the whole request."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def error_line(code: int, to: Optional[str] = None) -> str:
    """``ERR: 105, Invalid destination address``, with `` To: n`` for one of several recipients."""
    line = 'ERR: {:03d}, {}'.format(code, _TEXTS.get(code, 'Unknown error'))
    return line if to is None else '{} To: {}'.format(line, to)


def owns(path: str) -> bool:
    return path.startswith('/http/')


def refuse(status: int, reason: str) -> wire.Response:
    """A request the API cannot route (unknown command, wrong method)."""
    return wire.text(reason, status)


def _command(handler: Command) -> wire.Handler:
    """Authenticate, then run `handler(sim, fields)`; a :class:`Refusal` becomes its ERR line."""
    def run(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
        fields = request.form()
        try:
            authenticate(sim, fields)
            return wire.text(handler(sim, fields, request.method))
        except Refusal as refusal:
            return wire.text(error_line(refusal.code))
    run.__doc__ = handler.__doc__
    return run


def authenticate(sim: 'ClickatellSimulator', fields: Dict[str, str]) -> None:
    """:raises Refusal: 108 for a missing or unknown api_id (or no legacy account at all), 001 for
    a wrong user or password"""
    if not rules.same_secret(fields.get('api_id'), sim.api_id):
        raise Refusal(108)
    if not (rules.same_secret(fields.get('user'), sim.user)
            and rules.same_secret(fields.get('password'), sim.password)):
        raise Refusal(1)


# Commands

def sendmsg(sim: 'ClickatellSimulator', fields: Dict[str, str], method: str) -> str:
    """``sendmsg``: one ``ID:`` (or ``ERR:``) line per recipient, ``To:`` named when there are several."""
    recipients = [n.strip() for n in fields.get('to', '').split(',')]
    if not any(recipients):
        raise Refusal(101)
    if len(recipients) > MAX_RECIPIENTS.get(method, MAX_RECIPIENTS['POST']):
        raise Refusal(101)
    text, unicode = _text(fields)
    concat = _whole(fields, 'concat', DEFAULT_CONCAT, 1, None, 101)
    _whole(fields, 'callback', 0, 0, 7, 101)  # checked here, read when a status is due
    delay = _whole(fields, 'deliv_time', 0, 0, MAX_DELIVERY_DELAY, 120)
    sender = fields.get('from') or None
    if sender is not None and not rules.valid_sender(sender):
        raise Refusal(106)
    client_id = fields.get('cliMsgId') or None
    if client_id is not None and not _CLIENT_ID.match(client_id):
        raise Refusal(101)
    parts = rules.legacy_parts(text, unicode)
    if parts > min(concat, rules.MAX_PARTS):
        raise Refusal(113)

    valid = [n for n in recipients if rules.valid_number(n)]
    charge = parts * PART_CHARGE
    if valid and not sim.account.charge(charge * len(valid)):
        raise Refusal(301)  # nothing sent, nothing charged
    parameters = {k: v for k, v in fields.items() if k not in CREDENTIALS + ('to', 'text')}
    scheduled = delay > 0 or bool(fields.get('scheduled_time'))
    lines: List[Tuple[str, str]] = []
    for number in recipients:
        if not rules.valid_number(number):
            lines.append((number, error_line(105)))
            continue
        message = SimulatedMessage('legacy', new_id(), number, text, sender, client_id, dict(parameters),
                                   parts, charge)
        sim.accept(message, scheduled=scheduled)
        lines.append((number, 'ID: ' + message.msgid))
    return sendmsg_answer(lines)


def sendmsg_answer(lines: Sequence[Tuple[str, str]]) -> str:
    """A ``sendmsg`` answer from each recipient's ``(number, line)``, the line ``ID: x`` or ``ERR: c, text``:
    the line alone for one recipient, each line followed by `` To: number`` for several."""
    if len(lines) == 1:
        return lines[0][1]
    return '\n'.join('{} To: {}'.format(line, number) for number, line in lines)


def getbalance(sim: 'ClickatellSimulator', fields: Dict[str, str], method: str) -> str:
    """``getbalance``: ``Credit: 12.50``."""
    return 'Credit: {:.2f}'.format(sim.account.credit)


def querymsg(sim: 'ClickatellSimulator', fields: Dict[str, str], method: str) -> str:
    """``querymsg``: ``ID: x Status: 004``; 103/104 for an unknown id, 109 for none."""
    message = _find(sim, fields)
    return 'ID: {} Status: {:03d}'.format(message.msgid, message.code)


def delmsg(sim: 'ClickatellSimulator', fields: Dict[str, str], method: str) -> str:
    """``delmsg``: stops a message still waiting for its delivery time (status 006); a message already
    on its way keeps its status. Either way the answer is ``ID: x Status: NNN``, and the charge stays."""
    message = _find(sim, fields)
    if message.code == statuses.SCHEDULED:
        sim.move(message, statuses.CANCELLED)
    return 'ID: {} Status: {:03d}'.format(message.msgid, message.code)


def getmsgcharge(sim: 'ClickatellSimulator', fields: Dict[str, str], method: str) -> str:
    """``getmsgcharge``: ``apiMsgId: x charge: 1 status: 004``."""
    message = _find(sim, fields)
    return 'apiMsgId: {} charge: {:g} status: {:03d}'.format(message.msgid, message.charge, message.code)


ROUTES: List[wire.Route] = [
    (re.compile('/http/' + handler.__name__), ('GET', 'POST'), _command(handler))
    for handler in (sendmsg, getbalance, querymsg, delmsg, getmsgcharge)
]


def _find(sim: 'ClickatellSimulator', fields: Dict[str, str]) -> SimulatedMessage:
    if fields.get('apimsgid'):
        message = sim.account.find('legacy', msgid=fields['apimsgid'].strip())
        code = 103
    elif fields.get('climsgid'):
        message = sim.account.find('legacy', client_message_id=fields['climsgid'].strip())
        code = 104
    else:
        raise Refusal(109)
    if message is None:
        raise Refusal(code)
    return message


def _text(fields: Dict[str, str]) -> Tuple[str, bool]:
    """The message's text, decoded; and whether it came as UCS-2 hex.

    :raises Refusal: 107 for no text, 116 for ``unicode=1`` text that is not UTF-16BE hex
    """
    raw = fields.get('text', '')
    unicode = fields.get('unicode', '0').strip() == '1'
    if unicode:
        if len(raw) % 4 or not _HEX.match(raw):
            raise Refusal(116)
        try:
            raw = bytes.fromhex(raw).decode('utf-16-be')
        except UnicodeDecodeError:  # a lone surrogate
            raise Refusal(116) from None
    if not raw:
        raise Refusal(107)
    return raw, unicode


def _whole(fields: Dict[str, str], name: str, default: int, low: int, high: Optional[int], code: int) -> int:
    """A whole-number parameter within [low, high] (high None: no limit).

    :raises Refusal: `code` when it is not
    """
    value = fields.get(name, '').strip()
    if not value:
        return default
    if not _WHOLE.match(value) or int(value) < low or (high is not None and int(value) > high):
        raise Refusal(code)
    return int(value)


# Pushes

def wants_report(level: int, code: int) -> bool:
    """Whether a ``callback`` level asks for a status: bit 1 intermediate (003), bit 2 final, bit 4 errors."""
    return bool((level & 1 and code == statuses.DELIVERED_TO_GATEWAY)
                or (level & 2 and code in statuses.FINAL)
                or (level & 4 and code in statuses.ERRORS))


def status_push(sim: 'ClickatellSimulator', message: SimulatedMessage, code: int) -> Optional[Push]:
    """The delivery report for `message` entering status `code`, or None when none is due."""
    level = int(message.parameters.get('callback') or 0)
    if not sim.status_url or not wants_report(level, code):
        return None
    data: List[Tuple[str, str]] = [('api_id', sim.api_id or ''), ('apiMsgId', message.msgid), ('cliMsgId', message.client_message_id or ''),
            ('timestamp', str(int(time.time()))), ('to', message.to)]
    if message.sender:
        data.append(('from', message.sender))
    data += [('status', '{:03d}'.format(code)), ('charge', '{:f}'.format(message.charge))]
    return Push('status', 'legacy', sim.status_url, sim.callback_method, 'form', data, message.msgid)


def mo_push(sim: 'ClickatellSimulator', mo: Incoming) -> Push:
    """An incoming message push (an :class:`~.state.Incoming`): the text as its raw bytes in its
    charset, percent-encoded; the time in GMT+2."""
    data: FormData = [('api_id', sim.api_id or ''), ('moMsgId', mo.msgid), ('from', mo.src), ('to', mo.dst),
            ('timestamp', datetime.fromtimestamp(mo.time, MO_TIMEZONE).strftime('%Y-%m-%d %H:%M:%S')),
            ('charset', mo.charset), ('udh', ''), ('text', mo.raw)]
    # (reply_url is set: inject_mo checked it)
    return Push('mo', 'legacy', cast(str, sim.reply_url), sim.callback_method, 'form', data, mo.msgid)
