"""Flask receivers for what Clickatell pushes: incoming messages (``/im``) and delivery reports (``/status``).

The same two URLs serve every API generation; what a request means is read by the parser module of
the provider's generation (:data:`RECEIVERS`), while the answers, the body reading and the
authentication are the same for all. Clickatell retries a push that fails, so each answer decides
what becomes of the request:

* 200 ``OK``: the gateway's hook was called once for each message or status the push holds, and each
  returned; done.
* 500: a hook raised (logged with its traceback); Clickatell retries later, so nothing is lost.
* 400: the request cannot be read (a one-line reason, logged as a warning); no hook is called.
* 401: the provider has ``receiver_auth`` and the request lacks those credentials.
* 405: a method other than GET or POST (HEAD and OPTIONS included).
* 413: a body over :data:`MAX_BODY_SIZE`, whatever its transfer encoding.

No hook ever sees a request that did not get through every check, nor a truncated body.
"""
import logging
from typing import TYPE_CHECKING, Callable, Dict, Mapping, NamedTuple, Optional, Tuple, Union

from smsframework import IncomingMessage, MessageStatus

from .._optional import extra_imports

with extra_imports():
    from flask import Blueprint, request

from . import legacy, one, platform
from .body import BodyTooLarge, read_body
from .formats import FieldValue, Parsed, UnreadableRequest, request_fields, shown

if TYPE_CHECKING:
    from ..provider import ClickatellProvider

# The logger keeps the name it had in 0.0.x, so that logging configurations keep working.
log = logging.getLogger('smsframework_clickatell.receiver')

#: The largest body a receiver reads, in bytes. Clickatell's pushes take well under 2 KiB.
MAX_BODY_SIZE = 64 * 1024

#: The methods Clickatell pushes with.
METHODS = ('GET', 'POST')

_PLAIN_TEXT = 'text/plain; charset=utf-8'


#: A push's parser: ``parse(method, query, mimetype, body)`` (see :func:`.formats.request_fields` for the
#: parts) returns ``(items, ignored)``: the messages and statuses for the hooks, in order, and
#: ``{event type: count}`` of the events acknowledged unread; it raises :class:`~.formats.UnreadableRequest`.
Parse = Callable[[str, bytes, str, bytes], Parsed]

#: A response as the views return it: (body, HTTP status, headers).
Answer = Tuple[str, int, Dict[str, str]]


class Receiver(NamedTuple):
    """A receiver of one URL: `parse` turns a request into what it carries, `what` names it in log lines."""
    parse: Parse
    what: str


class Receivers(NamedTuple):
    """The receivers of the two URLs for one API generation."""
    im: Receiver
    status: Receiver


def _single(parse_fields: Callable[[Mapping[str, FieldValue]], Union[IncomingMessage, MessageStatus]]) -> Parse:
    """A receiver's `parse` for pushes that carry one item in fields (legacy and Platform)."""
    def parse(method: str, query: bytes, mimetype: str, body: bytes) -> Parsed:
        return [parse_fields(request_fields(method, query, mimetype, body))], {}
    return parse


_ONE_API_EVENTS = Receiver(one.parse_envelope, 'One API event')

#: The provider's API generation (its client's ``api``) → its receivers. A new generation is a parser
#: module and a row here; the answers, the body reading and the authentication stay as they are.
RECEIVERS = {
    'legacy': Receivers(im=Receiver(_single(legacy.parse_incoming_message), 'incoming message'),
                        status=Receiver(_single(legacy.parse_status), 'status report')),
    'platform': Receivers(im=Receiver(platform.parse_reply, 'Platform reply'),
                          status=Receiver(platform.parse_status, 'Platform status report')),
    # One API pushes the same envelope wherever it is set to go: both URLs take any event.
    'one': Receivers(im=_ONE_API_EVENTS, status=_ONE_API_EVENTS),
}

#: Which of the provider's hooks takes an item, by the item's class.
HOOKS: Tuple[Tuple[type, str], ...] = ((IncomingMessage, '_receive_message'), (MessageStatus, '_receive_status'))


def api_of(provider: 'ClickatellProvider') -> str:
    """The API generation of a provider: its wire client's ``api`` (``'legacy'`` for a client without one)."""
    api: str = getattr(provider.api, 'api', 'legacy')
    return api


def make_receiver_blueprint(provider: 'ClickatellProvider') -> Blueprint:
    """A new Blueprint with the receivers of `provider`, named after it.

    A new one each call, so that several Clickatell providers (several accounts) can be mounted in one
    application, each calling the gateway's hooks with its own name.

    :raises ValueError: the provider's API generation has no receivers here
    """
    api = api_of(provider)
    try:
        receivers = RECEIVERS[api]
    except KeyError:
        raise ValueError('no Clickatell receivers for api {!r}: there are receivers for {}'.format(
            api, ', '.join(map(repr, RECEIVERS)))) from None
    blueprint = Blueprint(provider.name.replace('.', '_'), __name__)

    def incoming_message_view() -> Answer:
        return receive(provider, receivers.im)

    def status_view() -> Answer:
        return receive(provider, receivers.status)

    # No automatic OPTIONS answer; HEAD still reaches the views (Werkzeug adds it to every GET rule),
    # which refuse it.
    for rule, endpoint, view in (('/im', 'im', incoming_message_view), ('/status', 'status', status_view)):
        blueprint.add_url_rule(rule, endpoint, view, methods=list(METHODS), provide_automatic_options=False)
    return blueprint


def receive(provider: 'ClickatellProvider', receiver: Receiver) -> Answer:
    """Answer the current request: check it, read it whole, and hand each item it carries to its hook.

    Every item is read before the first hook is called, so a request with one unreadable item calls
    none. The hooks are called in the order the request lists the items; the first that raises ends
    the request with 500, and Clickatell pushes the whole of it again.

    :param provider: the :class:`~smsframework_clickatell.ClickatellProvider`
    :param Receiver receiver: the URL's receiver
    :returns: a Flask response tuple
    """
    what = receiver.what
    if request.method not in METHODS:
        return _answer(405, 'method {} is not allowed: use GET or POST'.format(request.method),
                       {'Allow': ', '.join(METHODS)})
    credentials = provider.receiver_auth
    if credentials is not None and not credentials.check(request.headers.get('Authorization')):
        # Nothing from the header is logged: it may hold a password, right or nearly right.
        log.warning('Clickatell %s receiver of %r refused a request without the right credentials',
                    what, provider.name)
        return _answer(401, 'authentication required', {'WWW-Authenticate': credentials.challenge()})
    try:
        body = read_body(MAX_BODY_SIZE)
        items, ignored = receiver.parse(request.method, request.query_string, request.mimetype, body)
    except BodyTooLarge:
        log.warning('Clickatell %s receiver of %r refused a body over %d bytes', what, provider.name, MAX_BODY_SIZE)
        return _answer(413, 'the body is larger than {} bytes'.format(MAX_BODY_SIZE))
    except UnreadableRequest as e:
        log.warning('Clickatell %s receiver of %r rejected a request: %s', what, provider.name, e)
        return _answer(400, str(e))
    if ignored:
        # Acknowledged all the same: refusing would make Clickatell push them again and again.
        log.warning('Clickatell %s receiver of %r ignored events of types it does not know: %s',
                    what, provider.name, _listed(ignored))
    for item in items:
        hook = next(getattr(provider, name) for cls, name in HOOKS if isinstance(item, cls))
        try:
            hook(item)
        except Exception:
            # Clickatell retries a failed push: answering 500 keeps the message, swallowing it would lose it.
            log.exception('The gateway hook failed on a Clickatell %s for %r', what, provider.name)
            return _answer(500, 'the application failed to handle it')
    return 'OK', 200, {'Content-Type': _PLAIN_TEXT}


#: How many ignored event types a log line names.
_LISTED = 10


def _listed(counts: Dict[str, int]) -> str:
    names = ['{} ({})'.format(shown(kind), count) for kind, count in list(counts.items())[:_LISTED]]
    if len(counts) > _LISTED:
        names.append('and {} more'.format(len(counts) - _LISTED))
    return ', '.join(names)


def _answer(status: int, reason: str, headers: Optional[Dict[str, str]] = None) -> Answer:
    headers = dict(headers or {}, **{'Content-Type': _PLAIN_TEXT})
    return reason + '\n', status, headers
