"""Helpers for the simulator's tests: a server that records what the simulator pushes, the real
Flask receivers served on loopback, and bounded waiting."""
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_to_bytes

from flask import Flask
from smsframework import Gateway
from werkzeug.serving import make_server

from smsframework_clickatell import ClickatellProvider

#: Seconds any wait in these tests may take before it fails.
WAIT = 5.0

#: A request the capture server received: the query string and body as raw bytes.
Captured = namedtuple('Captured', 'method path query headers body')


def wait_until(predicate, timeout=WAIT, what='the condition'):
    """Poll `predicate` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for {}'.format(what))
        time.sleep(0.005)


def raw_fields(raw):
    """Form or query fields as raw bytes (names as text): how to read a percent-encoded MO text."""
    fields = {}
    for piece in raw.split(b'&'):
        name, _, value = piece.partition(b'=')
        fields[unquote_to_bytes(name.replace(b'+', b' ')).decode('ascii')] = unquote_to_bytes(value.replace(b'+', b' '))
    return fields


def text_fields(raw):
    return dict(parse_qsl(raw.decode('ascii'), keep_blank_values=True))


class CaptureServer:
    """Records every request; answers each with the next of `statuses` (then 200). With `hold`
    set, requests wait for :meth:`release` before being answered."""

    def __init__(self, statuses=(), hold=False):
        self.statuses = list(statuses)
        self.requests = []
        self._condition = threading.Condition()
        self._released = threading.Event()
        if not hold:
            self._released.set()
        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self.url = 'http://127.0.0.1:{}'.format(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.01}, daemon=True)
        self._thread.start()

    def release(self):
        self._released.set()

    def close(self):
        self._released.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, count, timeout=WAIT):
        """The first `count` requests, once they have arrived."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError('expected {} request(s), got {}'.format(count, len(self.requests)))
                self._condition.wait(left)
            return list(self.requests[:count])

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def _record(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length)
                path, _, query = self.path.partition('?')
                with server._condition:
                    server.requests.append(Captured(self.command, path, query.encode('latin-1'),
                                                    dict(self.headers), body))
                    status = server.statuses.pop(0) if server.statuses else 200
                    server._condition.notify_all()
                server._released.wait(WAIT)
                self.send_response(status)
                self.send_header('Content-Length', '2')
                self.end_headers()
                self.wfile.write(b'OK')

            do_GET = do_POST = _record

            def log_message(self, *args):
                pass

        return Handler


class Receivers:
    """A gateway with a Clickatell provider for `api_url`, its receivers mounted in a Flask app served on
    127.0.0.1, and what its hooks got: `statuses`, `messages`."""

    def __init__(self, api_url, credentials, **options):
        self.gateway = Gateway()
        self.provider = self.gateway.add_provider('clickatell', ClickatellProvider, api_url=api_url, timeout=2,
                                                  **dict(credentials, **options))
        self.statuses, self.messages = [], []
        self.gateway.onStatus += self.statuses.append
        self.gateway.onReceive += self.messages.append
        app = Flask(__name__)
        self.gateway.receiver_blueprints_register(app, prefix='/sms/')
        self._server = make_server('127.0.0.1', 0, app, threaded=True)
        self.url = 'http://127.0.0.1:{}/sms/clickatell'.format(self._server.server_port)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()
        self.provider.close()

    def wait_statuses(self, count):
        wait_until(lambda: len(self.statuses) >= count, what='{} status report(s)'.format(count))
        return list(self.statuses)
