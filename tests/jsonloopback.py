"""A One API / Platform-like JSON server on 127.0.0.1, in a thread of the test process.

The JSON sibling of :mod:`.loopback` (whose server reads the legacy API's forms): same lifecycle, same
:data:`~.loopback.DROP` and :data:`~.loopback.HANG`, but every request (GET or POST) is recorded with its
method, path, query, headers and JSON body, and the script answers JSON.
"""
import json
import threading
from collections import Counter, namedtuple
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from .loopback import DROP, HANG, LoopbackServer, Reply

#: What the server saw: method, path (no query), query fields, headers (a dict), the JSON body (None
#: without one), and the client's port.
JsonRecorded = namedtuple('JsonRecorded', 'method path query headers body port')


def reply(document=None, status=200, headers=(), raw=None):
    """An answer: `document` as JSON, or `raw` text as it is."""
    body = raw if raw is not None else ('' if document is None else json.dumps(document))
    return Reply(status, body, tuple(headers))


def one_api(request):
    """The default script: accepts every One API message and gives it an id made from its recipient;
    a balance of 10.5 ZAR; every status query DEVICE_ACK."""
    if request.method == 'POST' and request.path.endswith('/v1/message'):
        messages = request.body['messages']
        return reply({'messages': [{'apiMessageId': 'id{}'.format(m['to']), 'accepted': True, 'to': m['to'],
                                    'error': None} for m in messages], 'error': None}, status=202)
    if request.method == 'POST' and request.path.endswith('/messages'):
        return reply({'messages': [{'apiMessageId': 'id{}'.format(to), 'accepted': True, 'to': to, 'errorCode': None,
                                    'error': None, 'errorDescription': None} for to in request.body['to']],
                      'errorCode': None, 'error': None, 'errorDescription': None}, status=202)
    if request.path.endswith('/public-client/balance'):
        return reply({'balance': 10.5, 'currency': 'ZAR'})
    if request.path.endswith('/public-client/message/status'):
        return reply({'messageId': request.query['messageId'], 'status': 'RECEIVED_BY_RECIPIENT', 'statusCode': 4})
    if '/v1/message/' in request.path:
        return reply({'sms': {'status': 'DEVICE_ACK', 'timestamp': 1516217711000}})
    return reply({'error': {'code': 41, 'description': 'Resource does not exist'}}, status=404)


def sequence(*replies, then=None):
    """A script that answers `replies` in turn for each path, then `then` (default: :func:`one_api`)."""
    counts = Counter()
    lock = threading.Lock()
    then = then or one_api

    def script(request):
        with lock:
            n = counts[request.path]
            counts[request.path] += 1
        answer = replies[n] if n < len(replies) else then
        return answer(request) if callable(answer) else answer
    return script


class JsonLoopbackServer(LoopbackServer):
    """Use as a context manager; `url` is its base URL, `requests` the :data:`JsonRecorded` it received."""

    def __init__(self, script=one_api, ssl_context=None):
        super().__init__(script, ssl_context)

    def count(self, path):
        """Requests whose path ends with `path`."""
        return sum(1 for r in self.requests if r.path.endswith(path))

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            disable_nagle_algorithm = True

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length)
                url = urlsplit(self.path)
                request = JsonRecorded(self.command, url.path, dict(parse_qsl(url.query)), dict(self.headers),
                                       json.loads(raw.decode('utf-8')) if raw else None, self.client_address[1])
                server._record(request)
                answer = server.script(request)
                if answer == DROP:
                    self.close_connection = True
                    return
                if answer == HANG:
                    server._release.wait(10)
                    self.close_connection = True
                    return
                data = answer.body.encode('utf-8')
                self.send_response(answer.status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args):  # quiet
                pass

        return Handler
