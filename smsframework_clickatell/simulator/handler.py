"""The HTTP side: a standard-library threading server, its request handler, and the routing of each
request to the API that owns its path.

Nothing here logs a query string, a body or a header: a legacy GET carries the password in its query,
the newer APIs the key in a header. The log shows the method, the path, the status and a short note.
"""
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Protocol, Set, Tuple, Union, cast

from . import control, legacy, one, platform, wire

if TYPE_CHECKING:
    from .server import ClickatellSimulator

log = logging.getLogger('smsframework_clickatell.simulator')

#: The largest body read, in bytes; Clickatell's own limit is far lower, this only bounds memory.
MAX_BODY_SIZE = 1024 * 1024


class Service(Protocol):
    """An API the simulator serves (a module: :mod:`.legacy`, :mod:`.platform`, ...)."""

    ROUTES: List[wire.Route]

    def owns(self, path: str) -> bool:
        """Whether the path is the service's."""

    def refuse(self, status: int, reason: str) -> wire.Response:
        """The service's answer for a request it cannot route (404, 405)."""


#: The services, each owning its paths: the first that owns a path answers for it.
SERVICES: Tuple[Service, ...] = (control, legacy, platform, one)


def dispatch(sim: 'ClickatellSimulator', request: wire.Request) -> wire.Response:
    """The answer to a request: its route's, or the owning service's 404 or 405, or a plain 404."""
    for service in SERVICES:
        if not service.owns(request.path):
            continue
        for pattern, methods, handler in service.ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if request.method not in methods:
                return service.refuse(405, '{} takes {}'.format(request.path, ' or '.join(methods)))
            return handler(sim, request, *match.groups())
        return service.refuse(404, 'no such resource: {}'.format(request.path))
    return wire.text('Not found: {}\n'.format(request.path), 404)


class SimulatorServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows its simulator and can close every open connection on stop."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: Tuple[str, int], simulator: 'ClickatellSimulator') -> None:
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        self.simulator = simulator
        self._connections: Set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """End every kept-alive connection, so that no handler thread outlives the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the other side

    def handle_error(self, request: Union[socket.socket, Tuple[bytes, socket.socket]], client_address: object) -> None:
        # A client that goes away mid-answer is not the simulator's failure: no traceback on stderr.
        log.debug('Simulator connection from %s ended with an error', client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = 'HTTP/1.1'
    server_version = 'ClickatellSimulator'
    # Headers and body go out in two writes: without this, Nagle's algorithm holds the body until the
    # client's delayed ACK, 40 ms per request.
    disable_nagle_algorithm = True
    #: Seconds an idle kept-alive connection stays open.
    timeout = 60

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def _read_body(self) -> Tuple[Optional[bytes], Optional[wire.Response]]:
        """The body, or the refusal when it cannot be read."""
        if self.headers.get('Transfer-Encoding'):
            return None, wire.text('Length Required: send a Content-Length\n', 411)
        try:
            length = int(self.headers.get('Content-Length') or 0)
            if length < 0:
                raise ValueError(length)
        except ValueError:
            return None, wire.text('Bad Request: unreadable Content-Length\n', 400)
        if length > MAX_BODY_SIZE:
            return None, wire.text('Payload Too Large: at most {} bytes\n'.format(MAX_BODY_SIZE), 413)
        return self.rfile.read(length), None

    def _handle(self) -> None:
        raw = self.path.split('#', 1)[0]
        path, _, query = raw.partition('?')
        body, refusal = self._read_body()
        if refusal is not None:
            self.close_connection = True  # the unread body would be taken for the next request
            response = refusal
        else:
            body = cast(bytes, body)  # read, as there is no refusal
            request = wire.Request(self.command, path, query.encode('latin-1', 'replace'), self.headers, body)
            try:
                response = dispatch(self.server.simulator, request)
            except Exception:
                log.exception('Simulator failed on %s %s', self.command, path)
                response = wire.text('Internal Server Error: the simulator failed; see its log\n', 500)
        self._write(response)
        log.info('%s %s %d %s', self.command, path, response.status, response.note)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server answers 501 to a method without a do_ method; every method gets routed instead, so
        # that the API whose path it is refuses it in its own shape (405).
        if name.startswith('do_'):
            return self._handle
        raise AttributeError(name)

    def _write(self, response: wire.Response) -> None:
        self.send_response(response.status)
        self.send_header('Content-Type', response.content_type)
        self.send_header('Content-Length', str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # http.server's own lines quote the request line, which holds a legacy GET's password.
        pass
