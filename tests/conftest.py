import socket

import pytest
import responses
from flask import Flask
from smsframework import Gateway
from urllib3.util.retry import Retry

from smsframework_clickatell import ClickatellProvider

from .loopback import LoopbackServer

API_URL = 'https://clickatell.test'
CREDENTIALS = {'api_id': '3456789', 'user': 'alice', 'password': 'S3cr3t-pa55'}
#: The key of a One API set-up or Platform integration, for providers of the newer APIs.
API_KEY = 'k3y-0f-th3-integration'
#: The callback user name and password set in Clickatell's console, for `receiver_auth`.
RECEIVER_AUTH = ('clickatell-callback', 'R3ceiver-pa55')


@pytest.fixture
def gateway():
    return Gateway()


@pytest.fixture
def provider(gateway):
    return gateway.add_provider('clickatell', ClickatellProvider, api_url=API_URL, timeout=2, **CREDENTIALS)


def make_provider(url, gateway=None, **options):
    """A provider for a loopback server; a short time-out unless `options` say otherwise."""
    options.setdefault('timeout', 2)
    return ClickatellProvider(gateway or Gateway(), 'clickatell', api_url=url, **CREDENTIALS, **options)


def raw_exchange(host, port, request, timeout=5, close_after=False):
    """Send the raw bytes `request` and read the whole answer, until the server closes the connection.

    :param close_after: shut our side down once the request is sent (the end of a body without a length)
    """
    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(request)
        if close_after:
            connection.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = connection.recv(65536)
            if not data:
                return b''.join(chunks)
            chunks.append(data)


def closed_port_url():
    """The URL of a loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return 'http://127.0.0.1:{}'.format(s.getsockname()[1])


def fast_retries(count):
    """`count` retries of every kind the policies allow, without backoff, so tests stay fast."""
    return Retry(total=count, connect=count, read=count, status=count, other=0,
                 status_forcelist=(500, 502, 503, 504), backoff_factor=0)


@pytest.fixture
def loopback():
    """Starts a LoopbackServer with the given script: ``server = loopback(script)``; stopped after the test."""
    servers = []

    def start(*args, server_class=LoopbackServer, **kwargs):
        server = server_class(*args, **kwargs).__enter__()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def mocked():
    """`responses` active, every registered answer required to be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


class HookRecorder:
    """Records what the gateway's hooks receive; `fail` makes them raise."""

    def __init__(self, gateway):
        self.messages, self.statuses, self.fail = [], [], None
        #: Every message and status, in the order the hooks got them.
        self.calls = []
        gateway.onReceive += self._on_receive
        gateway.onStatus += self._on_status

    def _on_receive(self, message):
        self.messages.append(message)
        self.calls.append(message)
        if self.fail:
            raise self.fail

    def _on_status(self, status):
        self.statuses.append(status)
        self.calls.append(status)
        if self.fail:
            raise self.fail


@pytest.fixture
def hooks(gateway):
    return HookRecorder(gateway)


@pytest.fixture
def client(gateway, provider):
    app = Flask(__name__)
    gateway.receiver_blueprints_register(app, prefix='/sms/')
    return app.test_client()


def receiving_app(**options):
    """A Flask test client with a 'clickatell' provider's receivers under /sms/, and its hook recorder.

    For tests that cannot use fixtures (hypothesis) or need provider options.
    """
    gateway = Gateway()
    gateway.add_provider('clickatell', ClickatellProvider, api_url=API_URL, **dict(CREDENTIALS, **options))
    hooks = HookRecorder(gateway)
    app = Flask(__name__)
    gateway.receiver_blueprints_register(app, prefix='/sms/')
    return app.test_client(), hooks


def generation_app(api, **options):
    """As :func:`receiving_app`, for a provider with an API key of generation `api` (``'platform'``, ``'one'``)."""
    gateway = Gateway()
    gateway.add_provider('clickatell', ClickatellProvider, api_key=API_KEY, api=api, api_url=API_URL, **options)
    hooks = HookRecorder(gateway)
    app = Flask(__name__)
    gateway.receiver_blueprints_register(app, prefix='/sms/')
    return app.test_client(), hooks


@pytest.fixture
def clock(monkeypatch):
    """Receivers stamp a push that carries no time with `pushes.NOW`."""
    from smsframework_clickatell import clock
    from .pushes import NOW
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    return NOW


# The simulator's tests

#: The key of the Platform and One APIs in the simulator's tests.
API_KEY = 'Zt8-key-3f9a0c'


@pytest.fixture
def sim():
    """A running simulator with credentials for every API and quick push retries."""
    from smsframework_clickatell.simulator import ClickatellSimulator
    with ClickatellSimulator(api_key=API_KEY, push_retry_delays=(0.01, 0.01), push_timeout=2,
                             **CREDENTIALS) as simulator:
        yield simulator


@pytest.fixture
def capture():
    """Starts a CaptureServer: ``server = capture(statuses=..., hold=...)``; closed after the test."""
    from .simulation import CaptureServer
    servers = []

    def start(**kwargs):
        servers.append(CaptureServer(**kwargs))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


@pytest.fixture
def receivers(sim):
    """The real receivers of a provider pointed at `sim`, served on loopback; `sim` pushes to them."""
    from .simulation import Receivers
    served = Receivers(sim.url, CREDENTIALS)
    sim.status_url, sim.reply_url = served.url + '/status', served.url + '/im'
    yield served
    served.close()


class FakeClock:
    """The rate-limit rules' clock (:mod:`smsframework_clickatell.transport.ratelimit`), made of time that
    moves only when the code under test waits; every wait is recorded, none is waited for."""

    def __init__(self):
        self.time = 1000.0
        self.waits = []

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.time += seconds

    def wait(self, condition, seconds):
        self.waits.append(seconds)
        self.time += seconds
        condition.wait(0)  # let the other threads in, as a real wait would

    def jitter(self):
        return 0.5


@pytest.fixture
def fake_clock(monkeypatch):
    """Backoffs after rate-limit refusals are recorded in ``fake_clock.waits`` instead of waited for."""
    from smsframework_clickatell.transport import ratelimit
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, 'clock', fake)
    return fake
