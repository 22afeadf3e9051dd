"""The receivers under real WSGI servers, fed raw malformed chunked bodies over a socket.

Each server has its own exception for a body it cannot deliver (gunicorn's are neither OSError nor
ValueError); whichever it is, the answer is 400 and the hook is not called.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from .conftest import raw_exchange

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = 'tests.wsgi_app:app'
#: How long a server may take to start, and a request to be answered.
START_TIMEOUT = 20
REQUEST_TIMEOUT = 5

PUSH = b'from=1&text=hi'  # 14 bytes: "e" in hex

SERVERS = ('gunicorn', 'werkzeug', 'waitress')

# (what is wrong, the chunked body, whether the client then stops sending): every server refuses these.
MALFORMED = [
    ('chunk size not hex', b'zz\r\n' + PUSH + b'\r\n0\r\n\r\n', False),
    ('negative chunk size', b'-5\r\n' + PUSH + b'\r\n0\r\n\r\n', False),
    ('chunk size smaller than its data', b'3\r\n' + PUSH + b'\r\n0\r\n\r\n', False),
    ('cut short', b'ff\r\n' + PUSH, True),
]
# Whether these are malformed depends on the server and its version (gunicorn 27 refuses both, 21 takes
# the first; waitress takes the second): refused or delivered whole, never a 500.
DEBATABLE = [
    ('chunk extension with a control character', b'e;x=\x01\r\n' + PUSH + b'\r\n0\r\n\r\n'),
    ('trailer line without a colon', b'e\r\n' + PUSH + b'\r\n0\r\nno colon\r\n\r\n'),
]


class Gunicorn:
    """gunicorn (one sync worker) in a subprocess on a port of its choosing; always stopped."""

    def __init__(self, log_path):
        self.log_path = log_path

    def __enter__(self):
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                [sys.executable, '-m', 'gunicorn', '--bind', '127.0.0.1:0', '--workers', '1',
                 '--worker-class', 'sync', '--graceful-timeout', '1', '--chdir', ROOT, APP],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            self.port = self._port()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _port(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail('gunicorn exited: ' + self.log())
            found = re.search(r'Listening at: http://127\.0\.0\.1:(\d+)', self.log())
            if found:
                return int(found.group(1))
            time.sleep(0.05)
        pytest.fail('gunicorn did not start in {} s: {}'.format(START_TIMEOUT, self.log()))

    def log(self):
        with open(self.log_path, encoding='utf-8', errors='replace') as log:
            return log.read()

    def __exit__(self, *exc_info):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class InProcess:
    """A server of the test process, serving from a thread."""

    def __init__(self, make):
        self.make = make

    def __enter__(self):
        from .wsgi_app import app
        self.server, self.port, serve, self.stop = self.make(app)
        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()
        self.thread.join(10)


def werkzeug_server(app):
    from werkzeug.serving import make_server
    server = make_server('127.0.0.1', 0, app, threaded=True)
    return server, server.server_port, server.serve_forever, server.shutdown


def waitress_server(app):
    import waitress
    server = waitress.create_server(app, host='127.0.0.1', port=0)
    return server, server.effective_port, server.run, server.close


def exchange(port, request, close_after=False):
    """Send raw `request`, read until the server closes; the status code (None when the server closed
    without an answer) and the text."""
    answer = raw_exchange('127.0.0.1', port, request, REQUEST_TIMEOUT, close_after)
    head, _, text = answer.partition(b'\r\n\r\n')
    return (int(head.split()[1]) if head else None), text.decode('utf-8', 'replace')


def post_chunked(port, path, body, close_after=False):
    """POST a raw chunked `body`; the client stops sending after it when `close_after`."""
    return exchange(port, b'POST ' + path + b' HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n'
                    b'Content-Type: application/x-www-form-urlencoded\r\n'
                    b'Transfer-Encoding: chunked\r\n\r\n' + body, close_after)


def hook_calls(port):
    status, text = exchange(port, b'GET /hook-calls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
    assert status == 200, text
    return int(text)


needs_fork = pytest.mark.skipif(not hasattr(os, 'fork'), reason='gunicorn runs only where there is fork()')


def on(name, *values, id=None):
    """Test parameters for server `name` (gunicorn's skipped where there is no fork())."""
    return pytest.param(name, *values, marks=[needs_fork] if name == 'gunicorn' else [], id=id)


@pytest.fixture(scope='module')
def gunicorn(tmp_path_factory):
    with Gunicorn(tmp_path_factory.mktemp('gunicorn') / 'log') as running:
        yield running


@pytest.fixture(scope='module')
def werkzeug():
    with InProcess(werkzeug_server) as running:
        yield running


@pytest.fixture(scope='module')
def waitress():
    with InProcess(waitress_server) as running:
        yield running


@pytest.fixture
def server(request):
    """The server `request.param` names, running the receivers: each starts once per module, whatever
    order the tests run in."""
    running = request.getfixturevalue(request.param)
    running.name = request.param
    return running


@pytest.mark.parametrize('server', [on(name, id=name) for name in SERVERS], indirect=True)
def test_a_wellformed_chunked_push_is_read(server):
    """The control: the server delivers a chunked body to the receiver, which calls the hook."""
    before = hook_calls(server.port)
    assert post_chunked(server.port, b'/sms/clickatell/im', b'e\r\n' + PUSH + b'\r\n0\r\n\r\n') == (200, 'OK')
    assert hook_calls(server.port) == before + 1


@pytest.mark.parametrize('server, body, close_after', [
    on(name, body, close_after, id='{}-{}'.format(name, what))
    for what, body, close_after in MALFORMED for name in SERVERS
], indirect=['server'])
def test_a_malformed_chunked_body_is_answered_400_and_never_reaches_the_hook(server, body, close_after):
    before = hook_calls(server.port)
    status, text = post_chunked(server.port, b'/sms/clickatell/im', body, close_after)
    if server.name == 'waitress' and close_after:
        # waitress reads the whole body before it calls the application: a client that stops sending
        # mid-body gets no answer, and the application never runs.
        assert status is None
    else:
        assert status == 400, text
    assert hook_calls(server.port) == before


@pytest.mark.parametrize('server, body', [
    on(name, body, id='{}-{}'.format(name, what)) for what, body in DEBATABLE for name in SERVERS
], indirect=['server'])
def test_a_doubtful_chunked_body_is_refused_or_read_whole_never_a_500(server, body):
    before = hook_calls(server.port)
    status, text = post_chunked(server.port, b'/sms/clickatell/im', body)
    assert (status, hook_calls(server.port) - before) in [(400, 0), (200, 1)], text
