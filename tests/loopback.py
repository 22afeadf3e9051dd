"""A Clickatell-like HTTP(S) server on 127.0.0.1, in a thread of the test process.

Each request is recorded (command, form fields, the client's port) and answered as the server's
`script` says: a :class:`Reply`, :data:`DROP` (read the request, close the connection without a word),
:data:`HANG` (read the request, answer nothing until the server stops) or :class:`Held` (hold the
request until the server is released or stops, then give its reply). Connections are kept alive
(HTTP/1.1), as Clickatell's are, so connection reuse is real. The server counts the requests it holds at
once (``peak``), so a test can see that a client really overlaps its requests.
"""
import hashlib
import threading
from collections import Counter, namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from smsframework_clickatell.simulator.legacy import sendmsg_answer

from .wire import form_fields

#: What the server saw: the path's command (``sendmsg``), the form fields, and the client's port
#: (the same port means the same connection).
Recorded = namedtuple('Recorded', 'command fields port')

#: An answer: the HTTP status, the body and extra headers.
Reply = namedtuple('Reply', 'status body headers')
Reply.__new__.__defaults__ = (200, '', ())

DROP = 'drop'
HANG = 'hang'

#: Hold the request until :meth:`LoopbackServer.release` (or the server stops), then answer `reply`.
Held = namedtuple('Held', 'reply')


def answer(body, status=200, headers=()):
    return Reply(status, body, tuple(headers))


def fake_msgid(text, to):
    """The apiMsgId the default script gives a message: derived from what was sent, so a client can
    tell its own answers from another's."""
    return hashlib.sha1('{}|{}'.format(text, to).encode('utf-8')).hexdigest()[:32]


def clickatell(request):
    """The default script: answers as Clickatell does, from the request alone.

    sendmsg answers one line per recipient (``ID: x To: n``; just ``ID: x`` for one recipient); a
    recipient starting with 0 is refused with ERR 105. getbalance answers the client's port as credit.
    """
    if request.command == 'sendmsg':
        recipients = request.fields.get('to', '').split(',')
        text = request.fields.get('text', '')
        if len(recipients) == 1:
            return answer('ID: ' + fake_msgid(text, recipients[0]))
        return answer(sendmsg_answer([
            (number, 'ERR: 105, Invalid Destination Address' if number.startswith('0')
             else 'ID: ' + fake_msgid(text, number)) for number in recipients]))
    if request.command == 'getbalance':
        return answer('Credit: {}'.format(request.port))
    if request.command == 'querymsg':
        return answer('ID: {} Status: 004'.format(request.fields['apimsgid']))
    return answer('ERR: 101, Invalid or missing parameters', 200)


def rendezvous(parties=2, timeout=1.0, then=None):
    """A script that holds each of the first `parties` requests until all of them have arrived (or
    `timeout` seconds have passed), then answers as `then` does (default: the default script).

    A client that sends one request at a time cannot bring two together: its first request waits out the
    time-out alone, and the server's ``peak`` stays 1.
    """
    barrier = threading.Barrier(parties)
    arrived = Counter()
    lock = threading.Lock()
    then = then or clickatell

    def script(request):
        with lock:
            first = arrived['all'] < parties
            arrived['all'] += 1
        if first:
            try:
                barrier.wait(timeout)
            except threading.BrokenBarrierError:
                pass  # a lone request: answer it anyway, the test reads `peak`
        return then(request)
    return script


def sequence(*replies, then=None):
    """A script that answers `replies` in turn for each command, then `then` (default: the default
    script). A reply may be a callable taking the request."""
    counts = Counter()
    lock = threading.Lock()
    then = then or clickatell

    def script(request):
        with lock:
            n = counts[request.command]
            counts[request.command] += 1
        reply = replies[n] if n < len(replies) else then
        return reply(request) if callable(reply) else reply
    return script


class LoopbackServer:
    """Use as a context manager; `url` is its base URL, `requests` what it received.

    :param script: a function from :data:`Recorded` to a Reply, DROP or HANG
    :param ssl_context: a server-side SSLContext to serve HTTPS
    """

    def __init__(self, script=clickatell, ssl_context=None):
        self.script = script
        self.requests = []
        #: Requests being handled now, and the most at once.
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(('127.0.0.1', 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        scheme = 'http'
        if ssl_context is not None:
            self._httpd.socket = ssl_context.wrap_socket(self._httpd.socket, server_side=True)
            scheme = 'https'
        host, port = self._httpd.server_address[:2]
        self.url = '{}://{}:{}'.format(scheme, host, port)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05},
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def release(self):
        """Let the requests held by HANG (closed without an answer) and :class:`Held` (answered) go."""
        self._release.set()

    def count(self, command):
        return sum(1 for r in self.requests if r.command == command)

    def _record(self, request):
        with self._lock:
            self.requests.append(request)

    def handle(self, handler, request, content_type='text/plain'):
        """Record `request`, and answer it on `handler` as the script says (for the handlers of this
        server and of its subclasses)."""
        self._record(request)
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            self._reply(handler, self.script(request), content_type)
        finally:
            with self._lock:
                self.active -= 1

    def _reply(self, handler, reply, content_type):
        if reply == DROP:
            handler.close_connection = True
            return
        if reply == HANG:
            self._release.wait(10)
            handler.close_connection = True
            return
        if isinstance(reply, Held):
            self._release.wait(10)
            reply = reply.reply
        data = reply.body.encode('utf-8')
        handler.send_response(reply.status)
        handler.send_header('Content-Type', content_type)
        handler.send_header('Content-Length', str(len(data)))
        for name, value in reply.headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
            # until the client's delayed ACK, 40 ms per request.
            disable_nagle_algorithm = True

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                fields = form_fields(self.rfile.read(length))
                request = Recorded(self.path.rsplit('/', 1)[-1], fields, self.client_address[1])
                server.handle(self, request)

            def log_message(self, *args):  # quiet
                pass

        return Handler
