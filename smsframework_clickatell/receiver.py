"""Flask receivers for what Clickatell pushes: incoming messages (``/im``) and delivery reports (``/status``).

Clickatell retries a push that fails, so each answer decides what becomes of the request:

* 200 ``OK``: the gateway's hook was called once and returned; done.
* 500: the hook raised (logged with its traceback); Clickatell retries later, so nothing is lost.
* 400: the request cannot be read (a one-line reason, logged as a warning); the hook is not called.
* 401: the provider has ``receiver_auth`` and the request lacks those credentials.
* 405: a method other than GET or POST (HEAD and OPTIONS included).
* 413: a body over :data:`MAX_BODY_SIZE`, whatever its transfer encoding.

The hook never sees a request that did not get through every check, nor a truncated body.
"""
import logging

from ._optional import extra_imports

with extra_imports():
    from flask import Blueprint, request

from .inbound import parse_incoming_message, parse_status
from .receiver_body import BodyTooLarge, read_body
from .receiver_formats import UnreadableRequest, request_fields

log = logging.getLogger(__name__)

#: The largest body a receiver reads, in bytes. Clickatell's pushes take well under 2 KiB.
MAX_BODY_SIZE = 64 * 1024

#: The methods Clickatell pushes with.
METHODS = ('GET', 'POST')

_PLAIN_TEXT = 'text/plain; charset=utf-8'


def make_receiver_blueprint(provider):
    """A new Blueprint with the receivers of `provider`, named after it.

    A new one each call, so that several Clickatell providers (several accounts) can be mounted in one
    application, each calling the gateway's hooks with its own name.
    """
    blueprint = Blueprint(provider.name.replace('.', '_'), __name__)

    def incoming_message_view():
        return receive(provider, parse_incoming_message, provider._receive_message, 'incoming message')

    def status_view():
        return receive(provider, parse_status, provider._receive_status, 'status report')

    # No automatic OPTIONS answer; HEAD still reaches the views (Werkzeug adds it to every GET rule),
    # which refuse it.
    for rule, endpoint, view in (('/im', 'im', incoming_message_view), ('/status', 'status', status_view)):
        blueprint.add_url_rule(rule, endpoint, view, methods=list(METHODS), provide_automatic_options=False)
    return blueprint


def receive(provider, parse, hook, what):
    """Answer the current request: check it, read it, and hand what it carries to `hook`.

    :param provider: the :class:`~smsframework_clickatell.ClickatellProvider`
    :param parse: turns the request's fields into the message or status
    :param hook: the provider's hook for it
    :param str what: how log lines name it
    :returns: a Flask response tuple
    """
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
        item = parse(request_fields(request.method, request.query_string, request.mimetype, body))
    except BodyTooLarge:
        log.warning('Clickatell %s receiver of %r refused a body over %d bytes', what, provider.name, MAX_BODY_SIZE)
        return _answer(413, 'the body is larger than {} bytes'.format(MAX_BODY_SIZE))
    except UnreadableRequest as e:
        log.warning('Clickatell %s receiver of %r rejected a request: %s', what, provider.name, e)
        return _answer(400, str(e))
    try:
        hook(item)
    except Exception:
        # Clickatell retries a failed push: answering 500 keeps the message, swallowing it would lose it.
        log.exception('The gateway hook failed on a Clickatell %s for %r', what, provider.name)
        return _answer(500, 'the application failed to handle it')
    return 'OK', 200, {'Content-Type': _PLAIN_TEXT}


def _answer(status, reason, headers=None):
    headers = dict(headers or {}, **{'Content-Type': _PLAIN_TEXT})
    return reason + '\n', status, headers
