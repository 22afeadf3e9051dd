"""Every call is bounded as a whole: a deadline on each attempt's answer (not a per-read idle time), a cap
on the answer's size, and time-outs that are finite. Against loopback servers that misbehave."""
import socket
import threading

import pytest
from smsframework import OutgoingMessage

from smsframework_clickatell import ClickatellProvider, const
from smsframework_clickatell.error import ClickatellAnswerTooLarge, ClickatellTimeout

from .conftest import CREDENTIALS, make_provider
from .loopback import HANG, answer


class RawServer:
    """Answers every request with the raw bytes `answer_bytes`, `chunk` bytes every `interval` seconds,
    then closes the connection; counts the bytes it got out."""

    def __init__(self, answer_bytes, interval=0.05, chunk=1):
        self.answer, self.interval, self.chunk = answer_bytes, interval, chunk
        self.sent = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.url = 'http://127.0.0.1:{}'.format(self._listener.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection):
        with connection:
            connection.recv(65536)
            for start in range(0, len(self.answer), self.chunk):
                if self.interval and self._stop.wait(self.interval):
                    return
                piece = self.answer[start:start + self.chunk]
                try:
                    connection.sendall(piece)
                except OSError:
                    return  # the client gave up: what was sent is counted
                self.sent += len(piece)

    def close(self):
        self._stop.set()
        self._listener.close()


@pytest.fixture
def raw_server():
    servers = []

    def start(answer_bytes, **options):
        server = RawServer(answer_bytes, **options)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.close()


# 40 bytes of headers and body, one every 50 ms: 2 s in all, far beyond the 0.5 s read time-out, while
# each socket read waits only 50 ms, well within it.
BALANCE = b'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nCredit: 12.50'
SENT = b'HTTP/1.1 200 OK\r\nContent-Length: 36\r\n\r\nID: 996f364775e24b8432f45d77da8eca47'


@pytest.mark.parametrize('call, answer_bytes', [
    (lambda provider: provider.get_balance(), BALANCE),
    (lambda provider: provider.send(OutgoingMessage('27999000001', 'Hi')), SENT),
], ids=['get_balance', 'send'])
def test_a_trickling_peer_is_cut_off_at_the_read_deadline(raw_server, call, answer_bytes):
    server = raw_server(answer_bytes)
    provider = make_provider(server.url, timeout=(1, 0.5), retries=0)
    with pytest.raises(ClickatellTimeout, match='within 0.5 s'):
        call(provider)
    assert server.sent < len(answer_bytes)  # the whole answer never got through: the deadline ended it


def test_a_read_only_call_that_times_out_raises_clickatell_timeout_after_its_retries(loopback):
    server = loopback(lambda request: HANG)
    provider = make_provider(server.url, timeout=(1, 0.2), retries=1)
    with pytest.raises(ClickatellTimeout):
        provider.get_balance()
    assert server.count('getbalance') == 2


@pytest.mark.parametrize('head', [
    b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n' % (const.MAX_ANSWER_SIZE + 5),
    b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n',
], ids=['content-length', 'close-delimited'])
def test_an_answer_over_the_cap_is_refused_without_reading_it_all(raw_server, head):
    body = b'ID: ' + b'a' * (const.MAX_ANSWER_SIZE + 1)
    server = raw_server(head + body + b'a' * 4 * const.MAX_ANSWER_SIZE, interval=0, chunk=64 * 1024)
    provider = make_provider(server.url, retries=0)
    with pytest.raises(ClickatellAnswerTooLarge, match='more than 1048576 bytes'):
        provider.send(OutgoingMessage('27999000001', 'Hi'))


def test_an_answer_at_the_cap_is_read(loopback):
    body = 'Credit: ' + '1' * (const.MAX_ANSWER_SIZE - len('Credit: ') - 3) + '.50'
    server = loopback(lambda request: answer(body))
    assert make_provider(server.url).get_balance() == float(body[len('Credit: '):])


@pytest.mark.parametrize('timeout', [float('inf'), float('nan'), (5, float('inf')), (float('nan'), 5), -1, 0])
def test_a_timeout_that_is_not_positive_and_finite_is_refused_at_construction(gateway, timeout):
    with pytest.raises(ValueError, match='positive and finite'):
        ClickatellProvider(gateway, 'c', timeout=timeout, **CREDENTIALS)


def test_a_refused_connection_is_a_connection_error_not_a_timeout(gateway):
    from smsframework_clickatell.error import ClickatellConnectionError
    from .conftest import closed_port_url
    provider = make_provider(closed_port_url(), retries=1)
    with pytest.raises(ClickatellConnectionError, match='Cannot reach Clickatell') as raised:
        provider.get_balance()
    assert not isinstance(raised.value, ClickatellTimeout)
