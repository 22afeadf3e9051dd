"""ClickatellSimulator: a stand-in for Clickatell on loopback, for tests and demos."""
import codecs
import logging
import threading
from typing import Dict, Iterable, List, Optional, Protocol, Tuple, Union, cast

from . import legacy, one, platform, statuses
from .handler import SimulatorServer
from .pusher import DEFAULT_RETRY_DELAYS, DEFAULT_TIMEOUT, Push, Pusher, PushFailed
from .state import Account, Incoming, SimulatedMessage, digits, new_id

log = logging.getLogger('smsframework_clickatell.simulator')


class Generation(Protocol):
    """An API generation's pushes (a module: :mod:`.legacy`, :mod:`.platform`, :mod:`.one`)."""

    def status_push(self, sim: 'ClickatellSimulator', message: SimulatedMessage, code: int) -> Optional[Push]:
        """The delivery report for `message` entering status `code` (legacy), or None when none is due."""

    def mo_push(self, sim: 'ClickatellSimulator', mo: Incoming) -> Push:
        """The push of an incoming message."""


#: The API generations, by the names ``inject_mo`` takes.
GENERATIONS: Dict[str, Generation] = {'legacy': legacy, 'platform': platform, 'one': one}

#: Seconds between the server's checks for a stop request: how long stop() may wait for it. Short,
#: so that a test suite starting a simulator per test does not wait on it; idle, it costs nothing to speak of.
POLL_INTERVAL = 0.005

#: The charsets an incoming message may come in, as Clickatell writes them, and Python's codec for each.
MO_CHARSETS = {'ISO-8859-1': 'iso-8859-1', 'UTF-16BE': 'utf-16-be', 'UTF-8': 'utf-8'}


class ClickatellSimulator:
    """A Clickatell that runs on loopback: it speaks the legacy HTTP API (with `api_id`, `user` and
    `password`) and the Platform and One APIs (with `api_key`), keeps the messages sent, charges credit,
    and pushes delivery reports and incoming messages to the application's URLs.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with ClickatellSimulator(api_key='k', status_url='http://127.0.0.1:5000/sms/clickatell/status') as sim:
            provider_url = sim.url

    :param api_id: the legacy API's id; with `user` and `password` (all three or none)
    :param user: the legacy account's user name
    :param password: the legacy account's password
    :param api_key: the key of the Platform and One APIs (one key serves both)
    :param float credit: the account's credit; each SMS part costs 1
    :param status_url: where delivery reports go (None: nowhere); may be set later as ``sim.status_url``.
        A user and password in the URL are sent as HTTP Basic authentication.
    :param reply_url: where incoming messages go; may be set later as ``sim.reply_url``
    :param str host: the address to listen on
    :param int port: the port (0: any free one)
    :param str callback_method: ``'POST'`` (default) or ``'GET'``: how legacy and Platform pushes go
        (One API pushes are always POST JSON)
    :param push_retry_delays: seconds before each retry of a failed push (default three retries,
        0.1, 0.3 and 1 s); ``()`` for none
    :param float push_timeout: seconds each push may take
    :raises ValueError: credentials for neither API, or some of the legacy ones but not all; an unknown
        `callback_method`; a negative retry delay
    """

    def __init__(self, *, api_id: Union[str, int, None] = None, user: Optional[str] = None,
                 password: Optional[str] = None, api_key: Optional[str] = None, credit: float = 100.0,
                 status_url: Optional[str] = None, reply_url: Optional[str] = None, host: str = '127.0.0.1',
                 port: int = 0, callback_method: str = 'POST',
                 push_retry_delays: Iterable[float] = DEFAULT_RETRY_DELAYS, push_timeout: float = DEFAULT_TIMEOUT) -> None:
        legacy_credentials = (api_id, user, password)
        if any(value is not None for value in legacy_credentials) and None in legacy_credentials:
            raise ValueError('the legacy API needs api_id, user and password together')
        if api_id is None and api_key is None:
            raise ValueError('give api_id, user and password (legacy API), or api_key (Platform and One '
                             'API), or both')
        self.callback_method = callback_method
        self._api_id = None if api_id is None else str(api_id)
        self._user = None if user is None else str(user)
        self._password = None if password is None else str(password)
        self._api_key = None if api_key is None else str(api_key)
        self.account = Account(credit)
        self.status_url = status_url
        self.reply_url = reply_url
        self.integration_id = new_id()
        self.integration_name = 'Clickatell simulator'
        self._address = (host, port)
        self._pusher = Pusher(push_retry_delays, push_timeout)
        self._server: Optional[SimulatorServer] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        apis = [name for name, on in (('legacy', self._api_id), ('platform/one', self._api_key)) if on]
        return '<ClickatellSimulator {} {}>'.format(self.url or 'stopped', '+'.join(apis))

    # Credentials, read-only: they are what a provider under test is built from.

    @property
    def api_id(self) -> Optional[str]:
        return self._api_id

    @property
    def user(self) -> Optional[str]:
        return self._user

    @property
    def password(self) -> Optional[str]:
        return self._password

    @property
    def api_key(self) -> Optional[str]:
        return self._api_key

    @property
    def callback_method(self) -> str:
        """``'POST'`` or ``'GET'``: how legacy and Platform pushes go (may be set)."""
        return self._callback_method

    @callback_method.setter
    def callback_method(self, method: str) -> None:
        if method not in ('GET', 'POST'):
            raise ValueError("callback_method must be 'GET' or 'POST', not {!r}".format(method))
        self._callback_method = method

    # Running

    @property
    def url(self) -> Optional[str]:
        """The base URL (``http://127.0.0.1:PORT``) to give the provider as `api_url`; None until started."""
        if self._server is None:
            return None
        # An AF_INET or AF_INET6 address: its host is text (typeshed also allows bytes).
        host, port = cast(Tuple[str, int], self._server.server_address[:2])
        return 'http://{}:{}'.format('[{}]'.format(host) if ':' in host else host, port)

    def start(self) -> 'ClickatellSimulator':
        """Listen and serve in a background thread, and start the pusher.

        :returns: self
        :raises OSError: the address cannot be bound
        :raises RuntimeError: already running
        """
        with self._lock:
            if self._server is not None:
                raise RuntimeError('the simulator is already running')
            server = SimulatorServer(self._address, self)
            self._pusher.start()
            self._thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': POLL_INTERVAL},
                                            name='clickatell-simulator', daemon=True)
            self._server = server
            self._thread.start()
        log.info('Clickatell simulator listening on %s', self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections, and stop the pusher (pushes not yet made are dropped).
        Stopping a stopped simulator does nothing."""
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            server.shutdown()
            server.close_connections()
            server.server_close()
            if self._thread is not None:  # (started with the server)
                self._thread.join(5)
            self._pusher.stop()

    def __enter__(self) -> 'ClickatellSimulator':
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # What happened

    @property
    def credit(self) -> float:
        """The credit left (may be set)."""
        return self.account.credit

    @credit.setter
    def credit(self, value: float) -> None:
        self.account.credit = value

    @property
    def rate_limit(self) -> Optional[float]:
        """Most messages per second the Platform and One APIs take (None, the default: no limit). Beyond
        it a request is refused whole: One API code 43, Platform errorCode null; both HTTP 429 with
        ``Retry-After: 1``. The legacy API is not limited."""
        return self.account.rate_limit

    @rate_limit.setter
    def rate_limit(self, value: Optional[float]) -> None:
        self.account.rate_limit = value

    @property
    def messages(self) -> List[SimulatedMessage]:
        """The messages accepted, oldest first (:class:`~.state.SimulatedMessage` copies)."""
        return self.account.messages()

    @property
    def pushes(self) -> List[Push]:
        """The pushes made or given up so far, oldest first (:class:`~.pusher.Push`)."""
        return self._pusher.made()

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until every delivery report due has been pushed (or given up after its retries).

        :raises TimeoutError: `timeout` seconds passed first
        """
        if not self._pusher.drain(timeout):
            raise TimeoutError('pushes still pending after {} s'.format(timeout))

    # Steering

    def set_outcome(self, number: Union[str, int], status: Union[int, str, None]) -> None:
        """Choose the final status of the messages sent to `number` from now on (default: delivered).

        :param number: the recipient (only its digits count: ``'+27 999 000 001'`` is ``27999000001``)
        :param status: a legacy status code, as an int or as Clickatell writes it (``7``, ``'007'``), or
            one of ``'delivered'`` (004), ``'expired'`` (010) and ``'failed'`` (007); None to go back to
            delivered. The Platform API reports the same code; One API its own number for it
            (delivered 5 DEVICE_ACK, expired 20 EXPIRED, failed 23 DELIVERY_FAILURE).
        :raises ValueError: an unknown status
        """
        self.account.set_outcome(number, None if status is None else statuses.outcome_code(status))

    def inject_mo(self, src: str, dst: str, text: str, charset: str = 'ISO-8859-1', api: Optional[str] = None) -> Push:
        """Push an incoming message to `reply_url` as Clickatell does for the API generation, and wait
        for the application's answer (retrying as configured).

        :param str src: the sender's number
        :param str dst: the number it was sent to (yours)
        :param str text: the text
        :param str charset: ``'ISO-8859-1'``, ``'UTF-16BE'`` or ``'UTF-8'``: the bytes the text goes in
        :param api: ``'legacy'``, ``'platform'`` or ``'one'``; default One API when the simulator has
            only a key, legacy otherwise
        :returns: the :class:`~.pusher.Push`, delivered
        :raises PushFailed: the application did not answer 2xx, after every retry
        :raises RuntimeError: no `reply_url`
        :raises ValueError: an unknown `api` or `charset`, an API without credentials here, numbers that
            are not phone numbers, or a text the charset cannot carry
        """
        name = api or ('one' if self._api_id is None else 'legacy')
        generation = GENERATIONS.get(name)
        if generation is None:
            raise ValueError("api must be 'legacy', 'platform' or 'one', not {!r}".format(api))
        if (self._api_id if generation is legacy else self._api_key) is None:
            raise ValueError('the simulator has no credentials for the {} API'.format(name))
        if not self.reply_url:
            raise RuntimeError('set reply_url to push incoming messages')
        if not (digits(src) and digits(dst)):
            raise ValueError('src and dst must be phone numbers')
        key = str(charset).upper()
        if key not in MO_CHARSETS:
            raise ValueError('charset must be one of {}, not {!r}'.format(', '.join(MO_CHARSETS), charset))
        try:
            raw = codecs.encode(text, MO_CHARSETS[key])
        except UnicodeEncodeError:
            raise ValueError('the text has characters {} cannot carry'.format(key)) from None
        mo = Incoming(new_id(), digits(src), digits(dst), text, raw, key, self.account.last_sent_to(src, name))
        push = self._pusher.deliver(generation.mo_push(self, mo))
        if not push.delivered:
            raise PushFailed(push)
        return push

    # For the API modules

    def accept(self, message: SimulatedMessage, scheduled: bool = False) -> None:
        """Record a message the API accepted, and set it on its way: at once to the final status chosen
        for its number (through 003, "delivered to gateway"), its reports queued for the pusher. A
        message `scheduled` for later waits in status 011 until deleted."""
        if scheduled:
            self.account.add(message, statuses.SCHEDULED)
            return
        self.account.add(message, statuses.QUEUED)
        for code in statuses.progression(self.account.outcome(message.to)):
            self.move(message, code)

    def move(self, message: SimulatedMessage, code: int) -> None:
        """Move a message to a status (legacy code) and queue the report it calls for, if any."""
        self.account.update(message, code)
        push = GENERATIONS[message.api].status_push(self, message, code)
        if push is not None:
            self._pusher.submit(push)
