"""A Clickatell-compatible HTTP(S) server for loopback benchmarks.

It speaks the legacy "Developers' Central" HTTP API closely enough for a client to send, bulk-send,
query a message and read the balance, and it counts what it received so a benchmark can check that
every recipient arrived exactly once.

    with start_server(tls_context=ctx) as server:
        ...  # POST to server.url + '/http/sendmsg'
        assert server.recipients['27999000001'] == 1

It is for benchmarks and tests only: it listens on 127.0.0.1 and keeps every message id in memory.
"""
import collections
import http.server
import secrets
import ssl
import threading
import urllib.parse

#: Most recipients Clickatell accepts in one `to`, by HTTP method.
MAX_RECIPIENTS = {'POST': 600, 'GET': 300}

#: Plain-text answers the API gives for account- and request-level failures.
ERR_AUTH = 'ERR: 001, Authentication failed'
ERR_PARAMS = 'ERR: 101, Invalid or missing parameters'
ERR_UNKNOWN_ID = 'ERR: 103, Unknown API message ID'
ERR_DESTINATION = 'ERR: 105, Invalid destination address'
ERR_EMPTY = 'ERR: 107, Empty message'


class ClickatellHandler(http.server.BaseHTTPRequestHandler):
    """One connection; answers `/http/<command>` like Clickatell's legacy HTTP API."""

    # Keep-alive must work: the benchmark measures what connection reuse buys.
    protocol_version = 'HTTP/1.1'
    # Without it, headers and body go out as two small segments and Nagle's algorithm can hold the
    # second one back until the client's delayed ACK (tens of milliseconds): noise, not the library.
    disable_nagle_algorithm = True
    # Idle keep-alive connections end after this, so their threads do not pile up.
    timeout = 30

    def setup(self):
        super().setup()
        self.server.record_connection()
        if isinstance(self.connection, ssl.SSLSocket):
            # The listening socket does not handshake on accept (that would make one slow client
            # hold up every other one); do it here, in this connection's own thread.
            self.connection.do_handshake()
            self.server.record_tls_handshake()

    def log_message(self, format, *args):
        # Thousands of requests per run: a log line each would cost more than the request itself.
        pass

    def do_GET(self):
        query = urllib.parse.urlsplit(self.path).query
        self._dispatch('GET', _parse_form(query.encode('latin-1')))

    def do_POST(self):
        self._dispatch('POST', _parse_form(self._read_body()))

    def _read_body(self):
        """The whole request body, by Content-Length or chunked transfer coding."""
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            return _read_chunked(self.rfile)
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length)

    def _dispatch(self, method, params):
        path = urllib.parse.urlsplit(self.path).path
        command = path[len('/http/'):] if path.startswith('/http/') else None
        handler = {
            'sendmsg': self._sendmsg,
            'getbalance': self._getbalance,
            'querymsg': self._querymsg,
        }.get(command)
        if handler is None:
            self._answer(404, 'ERR: 404, Not found')
            return
        self.server.record_request(command)
        if not self.server.credentials_ok(params):
            self.server.record_auth_failure()
            self._answer(200, ERR_AUTH)  # Clickatell answers errors with HTTP 200 and an ERR line
            return
        self._answer(200, handler(method, params))

    def _sendmsg(self, method, params):
        to, text = params.get('to'), params.get('text')
        if to is None or text is None:
            return ERR_PARAMS
        if text == '':
            return ERR_EMPTY
        numbers = [n.strip() for n in to.split(',')]
        if len(numbers) > MAX_RECIPIENTS[method]:
            self.server.record_oversize()
            return ERR_PARAMS
        results = self.server.accept_recipients(numbers, text)
        if len(numbers) == 1:
            # A single recipient gets the short form, without "To:".
            msgid = results[0][1]
            return 'ID: ' + msgid if msgid else ERR_DESTINATION
        return '\n'.join(
            ('ID: {} To: {}'.format(msgid, number) if msgid
             else '{} To: {}'.format(ERR_DESTINATION, number))
            for number, msgid in results
        )

    def _getbalance(self, method, params):
        return 'Credit: {:.2f}'.format(self.server.balance)

    def _querymsg(self, method, params):
        msgid = params.get('apimsgid') or params.get('climsgid')
        if msgid and self.server.knows_message(msgid):
            return 'ID: {} Status: 004'.format(msgid)
        return ERR_UNKNOWN_ID

    def _answer(self, status, text):
        body = text.encode('latin-1')
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain; charset=ISO-8859-1')
        self.send_header('Content-Length', str(len(body)))
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(body)


def _parse_form(raw):
    """Decode a form body or query string as Clickatell does non-Unicode text: ISO-8859-1."""
    pairs = urllib.parse.parse_qsl(raw.decode('latin-1'), keep_blank_values=True,
                                   encoding='latin-1', errors='strict')
    return dict(pairs)


def _read_chunked(rfile):
    """Read a body sent with `Transfer-Encoding: chunked` (requests does, for generator bodies)."""
    body = bytearray()
    while True:
        size = int(rfile.readline().split(b';', 1)[0].strip(), 16)
        if size == 0:
            # Skip trailers up to the blank line that ends the message.
            while rfile.readline() not in (b'\r\n', b'\n', b''):
                pass
            return bytes(body)
        body += rfile.read(size)
        rfile.readline()  # the CRLF after each chunk


class FakeClickatellServer(http.server.ThreadingHTTPServer):
    """A threading HTTP(S) server that answers like Clickatell and counts what it received.

    Counters (read them through :meth:`stats` or the attributes, reset with :meth:`reset`):
    `recipients` (Counter: number -> times accepted), `texts` (Counter: decoded text -> recipients),
    `requests` (Counter: command -> count),
    `connections`, `tls_handshakes`, `auth_failures`, `oversize_requests`, `errors`.
    """

    daemon_threads = True  # idle keep-alive connections must not keep the process alive
    # Many clients connecting at once (bulk sends over several connections) must not be refused.
    request_queue_size = 128

    def __init__(self, address=('127.0.0.1', 0), tls_context=None,
                 api_id='1', user='u', password='p', balance=12.5):
        super().__init__(address, ClickatellHandler)
        self.tls_context = tls_context
        if tls_context is not None:
            # The handshake happens in each connection's thread (see ClickatellHandler.setup).
            self.socket = tls_context.wrap_socket(self.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self.credentials = {'api_id': api_id, 'user': user, 'password': password}
        self.balance = balance
        self._lock = threading.Lock()
        self._thread = None
        self._messages = {}  # msgid -> number, for querymsg
        self.reset()

    # --- address ---------------------------------------------------------------------------

    @property
    def port(self):
        return self.server_address[1]

    @property
    def url(self):
        """The base URL (what a client's `api_url` is); requests go to `{url}/http/<command>`."""
        scheme = 'https' if self.tls_context is not None else 'http'
        return '{}://127.0.0.1:{}'.format(scheme, self.port)

    # --- counters --------------------------------------------------------------------------

    def reset(self):
        """Forget every counter (message ids stay known, so querymsg keeps working)."""
        with self._lock:
            self.recipients = collections.Counter()
            self.texts = collections.Counter()
            self.requests = collections.Counter()
            self.connections = 0
            self.tls_handshakes = 0
            self.auth_failures = 0
            self.oversize_requests = 0
            self.errors = 0

    def stats(self):
        """A consistent snapshot of the counters, as a dict."""
        with self._lock:
            return {
                'messages': sum(self.recipients.values()),
                'distinct_recipients': len(self.recipients),
                'duplicates': sum(c - 1 for c in self.recipients.values() if c > 1),
                'requests': dict(self.requests),
                'connections': self.connections,
                'tls_handshakes': self.tls_handshakes,
                'auth_failures': self.auth_failures,
                'oversize_requests': self.oversize_requests,
                'errors': self.errors,
            }

    def record_connection(self):
        with self._lock:
            self.connections += 1

    def record_tls_handshake(self):
        with self._lock:
            self.tls_handshakes += 1

    def record_request(self, command):
        with self._lock:
            self.requests[command] += 1

    def record_auth_failure(self):
        with self._lock:
            self.auth_failures += 1

    def record_oversize(self):
        with self._lock:
            self.oversize_requests += 1

    # --- API state -------------------------------------------------------------------------

    def credentials_ok(self, params):
        return all(params.get(k) == v for k, v in self.credentials.items())

    def accept_recipients(self, numbers, text):
        """Give each valid number a fresh 32-hex id; returns [(number, msgid or None)]."""
        results = []
        with self._lock:
            for number in numbers:
                if number.isdigit() and 7 <= len(number) <= 16:
                    msgid = secrets.token_hex(16)
                    self._messages[msgid] = number
                    self.recipients[number] += 1
                    self.texts[text] += 1
                    results.append((number, msgid))
                else:
                    results.append((number, None))
        return results

    def knows_message(self, msgid):
        with self._lock:
            return msgid in self._messages

    # --- life cycle ------------------------------------------------------------------------

    def handle_error(self, request, client_address):
        # A client that hangs up mid-handshake is normal in a benchmark: count it, print nothing.
        with self._lock:
            self.errors += 1

    def start(self):
        """Serve in a background daemon thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={'poll_interval': 0.1},
                                        name='fake-clickatell', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and close the listening socket (open keep-alive threads die with it)."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_server(tls_context=None, **config):
    """Start a fake Clickatell on 127.0.0.1, an ephemeral port, in a background thread.

    `config` goes to :class:`FakeClickatellServer` (api_id, user, password, balance). The returned
    server is also a context manager that stops it.
    """
    return FakeClickatellServer(tls_context=tls_context, **config).start()


if __name__ == '__main__':
    # Manual use: python benchmarks/fake_clickatell.py, then curl the printed URL.
    import time
    with start_server() as srv:
        print('fake Clickatell on', srv.url, '(api_id=1 user=u password=p); Ctrl-C stops')
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(srv.stats())
