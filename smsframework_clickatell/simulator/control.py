"""The simulator's own JSON API, for tools written in any language: ``/simulator/...``.

* ``GET /simulator/messages``: the messages sent so far, oldest first, as a JSON array.
* ``POST /simulator/mo`` with ``{"from", "to", "text", "charset", "api"}`` (``charset`` and ``api``
  optional): pushes an incoming message to the reply URL, as :meth:`ClickatellSimulator.inject_mo`
  does, and answers 200 ``{"delivered": true, "msgid", "http_status"}``; 502 with ``"delivered":
  false`` and the ``error`` when the application did not take it; 400 ``{"error"}`` for a request that
  cannot be done.
"""
import re
from typing import TYPE_CHECKING, Any, Dict, List, cast

from . import wire
from .pusher import PushFailed

if TYPE_CHECKING:
    from .server import ClickatellSimulator


def owns(path: str) -> bool:
    return path.startswith('/simulator/')


def refuse(status: int, reason: str) -> wire.Response:
    return wire.as_json({'error': reason}, status, note=reason)


def messages(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``GET /simulator/messages``."""
    listed = [message.as_dict() for message in sim.messages]
    return wire.as_json(listed, note='{} message(s)'.format(len(listed)))


def mo(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """``POST /simulator/mo``."""
    try:
        document = request.json()
    except ValueError:
        return refuse(400, 'the body must be a JSON object')
    if not isinstance(document, dict) or not all(
            isinstance(document.get(name), str) for name in ('from', 'to', 'text')):
        return refuse(400, '"from", "to" and "text" must be strings')
    # As given: inject_mo checks them.
    options: Dict[str, Any] = {name: document[name] for name in ('charset', 'api') if document.get(name) is not None}
    try:
        # All three are strings: checked above.
        push = sim.inject_mo(cast(str, document['from']), cast(str, document['to']), cast(str, document['text']),
                             **options)
    except PushFailed as failure:
        return wire.as_json({'delivered': False, 'msgid': failure.push.msgid, 'http_status': failure.push.http_status,
                             'error': str(failure)}, 502, note=str(failure))
    except (ValueError, TypeError, RuntimeError) as e:
        return refuse(400, str(e))
    return wire.as_json({'delivered': True, 'msgid': push.msgid, 'http_status': push.http_status},
                        note='MO {} pushed'.format(push.msgid))


ROUTES: List[wire.Route] = [
    (re.compile('/simulator/messages'), ('GET',), messages),
    (re.compile('/simulator/mo'), ('POST',), mo),
]
