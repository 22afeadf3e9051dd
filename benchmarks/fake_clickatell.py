"""A Clickatell-compatible HTTP(S) server for loopback benchmarks.

It speaks the legacy "Developers' Central" HTTP API closely enough for a client to send, bulk-send,
query a message and read the balance, One API's ``POST /v1/message`` and the Platform's
``POST /messages`` (an ``Authorization`` key), and it counts what it accepted so a benchmark can check
that every message arrived exactly once. For the key-based APIs it can enforce a rate limit as a token
bucket (:meth:`FakeClickatellServer.set_rate`): One API refuses what exceeds it message by message with
code 43 in a 207 answer, or a whole request with HTTP 429 and ``Retry-After`` when no token is left; the
Platform refuses a request it cannot take whole with 429.

    with start_server(tls_context=ctx) as server:
        ...  # POST to server.url + '/http/sendmsg'
        assert server.recipients['27999000001'] == 1

It is for benchmarks and tests only: it listens on 127.0.0.1 and keeps every message id in memory.
"""
import collections
import http.server
import itertools
import json
import math
import secrets
import ssl
import threading
import time
import urllib.parse

#: Most recipients Clickatell accepts in one `to`, by HTTP method.
MAX_RECIPIENTS = {'POST': 600, 'GET': 300}

#: Plain-text answers the API gives for account- and request-level failures.
ERR_AUTH = 'ERR: 001, Authentication failed'
ERR_PARAMS = 'ERR: 101, Invalid or missing parameters'
ERR_UNKNOWN_ID = 'ERR: 103, Unknown API message ID'
ERR_DESTINATION = 'ERR: 105, Invalid destination address'
ERR_EMPTY = 'ERR: 107, Empty message'

#: Most messages (One API) or recipients (Platform) per request.
MAX_PER_KEY_REQUEST = 200


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
        path = urllib.parse.urlsplit(self.path).path
        if path in ('/v1/message', '/messages'):
            self._key_api(path, self._read_body())
            return
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

    # One API and the Platform

    def _key_api(self, path, raw):
        one = path == '/v1/message'
        command = 'v1/message' if one else 'messages'
        self.server.record_request(command)
        if self.headers.get('Authorization') != self.server.api_key:
            self.server.record_auth_failure()
            self._json(401, {'messages': [], 'error': {'code': 1, 'description': 'Invalid or missing integration '
                                                       'API key'}} if one else
                       {'messages': [], 'errorCode': 108, 'error': 'Invalid or missing integration API Key'})
            return
        try:
            document = json.loads(raw.decode('utf-8'))
        except ValueError:
            self._json(400, {'messages': [], 'error': {'code': 21, 'description': 'Payload data is malformed'}})
            return
        if one:
            self._one_api(document)
        else:
            self._platform(document)

    def _one_api(self, document):
        messages = document.get('messages') if isinstance(document, dict) else None
        if not isinstance(messages, list) or not messages:
            self._json(400, {'messages': [], 'error': {'code': 23, 'description': 'Invalid or missing parameter'}})
            return
        if len(messages) > MAX_PER_KEY_REQUEST:
            self.server.record_oversize()
            self._json(400, {'messages': [], 'error': {'code': 22, 'description': 'Too many messages'}})
            return
        valid = [_digits_only(m.get('to')) and isinstance(m.get('content'), str) and m['content'] != ''
                 for m in messages]
        granted, retry_after = self.server.take_tokens(sum(valid))
        if sum(valid) and not granted:
            self._json(429, {'messages': [], 'error': {'code': 43, 'description': 'Rate limit exceeded'}},
                       retry_after=retry_after)
            return
        ids = self.server.accept_messages([(m['to'], m['content']) for m, ok in zip(messages, valid) if ok][:granted])
        entries, accepted = [], iter(ids)
        for message, ok in zip(messages, valid):
            entry = {'to': message.get('to')}
            if 'clientMessageId' in message:
                entry['clientMessageId'] = message['clientMessageId']
            if not ok:
                entry.update(accepted=False, error={'code': 25, 'description': 'Invalid recipient'})
            elif granted > 0:
                entry.update(apiMessageId=next(accepted), accepted=True, error=None)
                granted -= 1
            else:
                entry.update(accepted=False, error={'code': 43, 'description': 'Rate limit exceeded'})
            entries.append(entry)
        everything = all(entry['accepted'] for entry in entries)
        self._json(202 if everything else 207, {'messages': entries, 'error': None})

    def _platform(self, document):
        to = document.get('to') if isinstance(document, dict) else None
        content = document.get('content') if isinstance(document, dict) else None
        if not isinstance(to, list) or not to or not isinstance(content, str) or not content:
            self._json(400, {'messages': [], 'errorCode': 101, 'error': 'Invalid or missing parameters'})
            return
        if len(to) > MAX_PER_KEY_REQUEST:
            self.server.record_oversize()
            self._json(400, {'messages': [], 'errorCode': 101, 'error': 'Too many recipients'})
            return
        valid = [_digits_only(number) for number in to]
        granted, retry_after = self.server.take_tokens(sum(valid), whole=True)
        if sum(valid) and not granted:
            self._json(429, {'messages': [], 'errorCode': None, 'error': 'Throttled'}, retry_after=retry_after)
            return
        ids = iter(self.server.accept_messages([(number, content) for number, ok in zip(to, valid) if ok]))
        entries = [{'apiMessageId': next(ids), 'accepted': True, 'to': number, 'errorCode': None, 'error': None,
                    'errorDescription': None} if ok else
                   {'apiMessageId': None, 'accepted': False, 'to': number, 'errorCode': 105,
                    'error': 'Invalid destination address', 'errorDescription': 'Invalid destination address'}
                   for number, ok in zip(to, valid)]
        self._json(202 if all(valid) else 207, {'messages': entries, 'errorCode': None, 'error': None,
                                                  'errorDescription': None})

    def _json(self, status, document, retry_after=None):
        body = json.dumps(document).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        if retry_after is not None:
            self.send_header('Retry-After', str(retry_after))
        self.end_headers()
        self.wfile.write(body)

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


def _digits_only(number):
    return isinstance(number, str) and number.isdigit() and number.isascii() and 7 <= len(number) <= 16


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
    `requests` (Counter: command -> count; ``v1/message`` and ``messages`` for the key-based APIs),
    `connections`, `tls_handshakes`, `auth_failures`, `oversize_requests`, `errors`, `rate_refused`
    (messages refused for the rate limit) and `rate_limited_requests` (whole requests refused with 429).
    """

    daemon_threads = True  # idle keep-alive connections must not keep the process alive
    # Many clients connecting at once (bulk sends over several connections) must not be refused.
    request_queue_size = 128

    def __init__(self, address=('127.0.0.1', 0), tls_context=None,
                 api_id='1', user='u', password='p', balance=12.5, api_key='k'):
        super().__init__(address, ClickatellHandler)
        self.tls_context = tls_context
        if tls_context is not None:
            # The handshake happens in each connection's thread (see ClickatellHandler.setup).
            self.socket = tls_context.wrap_socket(self.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self.credentials = {'api_id': api_id, 'user': user, 'password': password}
        self.api_key = api_key
        self.balance = balance
        self.rate = self.burst = None  # the key-based APIs' token bucket (set_rate), None: no limit
        self._tokens = 0.0
        self._refilled = time.monotonic()
        # Message ids: unique per server and cheap to make (one per message of a bulk answer).
        self._ids = ('{}{:016x}'.format(secrets.token_hex(8), n) for n in itertools.count())
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
            self.rate_refused = 0
            self.rate_limited_requests = 0

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
                'rate_refused': self.rate_refused,
                'rate_limited_requests': self.rate_limited_requests,
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

    def set_rate(self, rate, burst=None):
        """Limit the key-based APIs to `rate` messages a second (None: no limit), with a bucket of `burst`
        tokens (default: one second's worth), full from now."""
        with self._lock:
            self.rate = rate
            self.burst = None if rate is None else float(burst if burst is not None else rate)
            self._tokens = self.burst or 0.0
            self._refilled = time.monotonic()

    def take_tokens(self, wanted, whole=False):
        """Take up to `wanted` tokens (all or none when `whole`): (tokens granted, Retry-After seconds when
        none could be granted, else None)."""
        with self._lock:
            if self.rate is None:
                return wanted, None
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate)
            self._refilled = now
            granted = min(wanted, int(self._tokens))
            if whole and granted < wanted:
                granted = 0
            self._tokens -= granted
            self.rate_refused += wanted - granted
            if granted or not wanted:
                return granted, None
            self.rate_limited_requests += 1
            # Whole seconds, as the header has them: until the tokens for this request are there.
            missing = (wanted if whole else 1) - self._tokens
            return 0, max(1, math.ceil(missing / self.rate))

    def accept_messages(self, messages):
        """Accept (number, text) pairs: a message id each, in order."""
        with self._lock:
            ids = [next(self._ids) for _ in messages]
            for (number, text), msgid in zip(messages, ids):
                self._messages[msgid] = number
                self.recipients[number] += 1
                self.texts[text] += 1
        return ids

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

    `config` goes to :class:`FakeClickatellServer` (api_id, user, password, balance, api_key). The returned
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
