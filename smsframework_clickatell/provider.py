"""The smsframework provider: turns smsframework messages into Clickatell calls, through the wire client
of the account's API generation."""
import logging
from typing import (TYPE_CHECKING, Any, ClassVar, Dict, Iterable, List, Mapping, Optional, Protocol, Tuple, TypeVar,
                    Union, cast)

from smsframework import Gateway, IProvider, MessageStatus, OutgoingMessage, exc
from urllib3.util.retry import Retry

from . import bulk, const
from .clients import CLIENTS, Balance
from .error import API_NAMES
from .transport import Secret, Timeout, Verify
from .receivers.auth import BasicCredentials
from .status import ClickatellMessageStatus  # noqa: F401  (kept importable from here, as in 1.0 previews)


if TYPE_CHECKING:
    from flask import Blueprint

log = logging.getLogger(__name__)

_M = TypeVar('_M', bound=OutgoingMessage)


class WireClient(Protocol):
    """What the provider needs of a wire client (:mod:`smsframework_clickatell.clients`): one per API."""

    #: The `api` option that selects the client: ``'one'``, ``'platform'`` or ``'legacy'``.
    api: str

    def close(self) -> None: ...

    def message_params(self, message: OutgoingMessage) -> bulk.Params: ...

    def send_message(self, params: bulk.Params) -> str: ...

    def bulk_planner(self) -> bulk.Planner: ...

    def get_balance(self) -> float: ...

    def get_balance_details(self) -> Balance: ...

    def query_status(self, msgid: str) -> MessageStatus: ...


class LegacyWireClient(WireClient, Protocol):
    """The legacy API's client, which also runs any command (:meth:`ClickatellProvider.api_request`)."""

    def request(self, command: str, params: Mapping[str, Any]) -> str: ...


class WireClientClass(Protocol):
    """A wire client's class, as :attr:`ClickatellProvider.clients` holds it: its constructor takes the
    API's credentials and the transport's options (`base_url`, `timeout`, `verify`, `retries`, `pool_size`)."""

    api: str

    def default_url(self, https: bool) -> str: ...

    def __call__(self, *args: Any, **kwargs: Any) -> WireClient: ...


class ClickatellProvider(IProvider):
    """Clickatell provider for smsframework.

    Give the credentials of your account's API (see the README's "Which credentials do I have?"):
    ``api_key`` for One API (accounts opened today) or, with ``api='platform'``, for a Platform SMS
    integration; ``api_id``, ``user`` and ``password`` for the legacy HTTP API. The README's option
    table says what every option does; they work the same for every API.

    :param gateway: the :class:`smsframework.Gateway`
    :param str name: the provider's name in the gateway
    :param api_id: the legacy HTTP API's id
    :param str user: the legacy account's user name
    :param str password: the legacy account's password
    :param bool https: legacy API over HTTPS (default False, as in 0.0.x; True is advised)
    :param str api_key: the API key of a One API set-up or of a Platform integration
    :param str api: ``'one'``, ``'platform'`` or ``'legacy'``; by default ``'one'`` with an `api_key`,
        ``'legacy'`` with `api_id`/`user`/`password`
    :param str api_url: base URL to use instead of Clickatell's (a simulator, a proxy), used as it is
    :param timeout: seconds, or a (connect, read) tuple (default (5, 30))
    :param verify: TLS certificate verification: True, the path of a CA bundle, or False
    :param retries: the most retries of a call (default 3), or a :class:`urllib3.util.Retry`
    :param int pool_size: connections kept open for reuse (default 10)
    :param receiver_auth: a ``(user, password)`` pair the receivers require as HTTP Basic authentication
    :raises ValueError: missing credentials, credentials of two APIs, credentials the chosen `api` does
        not take, an unknown `api`, or an option of the wrong value (the message names what to give)
    :raises TypeError: an option of the wrong type
    """

    #: `api` option → wire client class. A subclass may add or replace generations here.
    clients: ClassVar[Mapping[str, WireClientClass]] = CLIENTS

    api: WireClient
    receiver_auth: Optional[BasicCredentials]

    def __init__(self, gateway: Gateway, name: str, api_id: Union[str, int, None] = None, user: Optional[str] = None,
                 password: Union[str, Secret, None] = None, https: bool = False, *,
                 api_key: Union[str, Secret, None] = None, api: Optional[str] = None, api_url: Optional[str] = None,
                 timeout: Timeout = const.DEFAULT_TIMEOUT, verify: Verify = True,
                 retries: Union[int, Retry] = const.DEFAULT_RETRIES, pool_size: int = const.DEFAULT_POOL_SIZE,
                 receiver_auth: Union[None, BasicCredentials, Tuple[str, str], List[str]] = None) -> None:
        # Credentials become Secrets at once: from here on, no frame local (which error trackers record
        # with a traceback) holds one in the clear.
        password = None if password is None else Secret(password)
        if not isinstance(api_key, (str, Secret, type(None))):
            # Secret() would take str(b'...') for the key, and send that.
            raise TypeError('api_key must be a string, not {}'.format(type(api_key).__name__))
        api_key = None if api_key is None else Secret(api_key)
        super().__init__(gateway, name)
        legacy = {key: value for key, value in zip(const.LEGACY_CREDENTIALS, (api_id, user, password))
                  if value is not None}
        client_class = self._client_class(api, api_key, legacy)
        credentials = legacy if client_class.api == 'legacy' else {'api_key': api_key}
        base_url = api_url or client_class.default_url(https)
        self.api = client_class(**credentials, base_url=base_url, timeout=timeout, verify=verify,
                                retries=retries, pool_size=pool_size)
        self.receiver_auth = BasicCredentials.from_option(receiver_auth)

    def _client_class(self, api: Optional[str], api_key: Optional[Secret],
                      legacy: Mapping[str, object]) -> WireClientClass:
        if api is not None and api not in self.clients:
            raise ValueError('api must be one of {}, not {!r}'.format(
                ', '.join(repr(name) for name in self.clients), api))
        if api_key is not None and legacy:
            raise ValueError('give either api_key (One API or Platform) or api_id, user and password '
                             '(legacy HTTP API), not both')
        if api_key is None and not legacy:
            raise ValueError('Clickatell credentials are missing: give api_key=... (One API; with '
                             "api='platform' for a Platform integration) or api_id=..., user=... and "
                             'password=... (legacy HTTP API)')
        if api is None:
            api = 'legacy' if legacy else 'one'
        if api == 'legacy' and api_key is not None:
            raise ValueError("api='legacy' takes api_id, user and password, not api_key: an API key "
                             "belongs to One API (api='one') or a Platform integration (api='platform')")
        if api != 'legacy' and legacy:
            raise ValueError('api={!r} takes api_key, not api_id, user or password (those are the '
                             "legacy HTTP API's: api='legacy')".format(api))
        if api == 'legacy':
            missing = [key for key in const.LEGACY_CREDENTIALS if key not in legacy]
            if missing:
                raise ValueError('the legacy HTTP API needs api_id, user and password: {} missing'.format(
                    ', '.join(missing)))
        return self.clients[api]

    def __repr__(self) -> str:
        return '<{} {!r} {!r}>'.format(type(self).__name__, getattr(self, 'name', None), getattr(self, 'api', None))

    def close(self) -> None:
        """Close the pooled connections to Clickatell."""
        self.api.close()

    # Sending

    def send(self, message: _M) -> _M:
        """Send an :class:`smsframework.OutgoingMessage`; sets its `msgid` to Clickatell's apiMsgId
        (legacy) or apiMessageId (One API, Platform).

        :returns: the message
        :raises ClickatellProviderError: Clickatell refused it (the class for the code, e.g. E301,
            which is also an :class:`smsframework.exc.CreditError`; for One API and the Platform a
            :class:`~smsframework_clickatell.error.ClickatellApiError` subclass); also raised before
            sending (E113) for a legacy text longer than 35 parts
        :raises ClickatellParameterError: a message that cannot be sent as given (nothing is sent)
        :raises smsframework.exc.ConnectionError: Clickatell could not be reached or did not answer in time
        :raises smsframework.exc.MessageSendError: an HTTP error status (ServerError for 5xx)
        :raises smsframework.exc.ProviderError: an answer that cannot be understood
        """
        message.msgid = self.api.send_message(self.sendmsg_params(message))
        return message

    def send_bulk(self, messages: Iterable[_M], *, workers: int = const.BULK_WORKERS,
                  time_limit: float = const.BULK_TIME_LIMIT) -> List[_M]:
        """Send many :class:`smsframework.OutgoingMessage` objects in few requests, each message updated in
        place with its `msgid` or ``meta['error']``; ``gateway.onSend`` fires for each sent one. The
        README's "send_bulk" section is the full description: how each API packs messages (legacy: one
        text to up to 600 recipients; Platform: up to 200; One API: up to 200 messages of any texts),
        rate limits, the time limit, failures and interrupts.

        :param messages: OutgoingMessage objects (any iterable); one listed twice is sent once
        :param int workers: the most requests at once (halved while a rate limit refuses)
        :param float time_limit: seconds after which no request starts (messages refused for the rate
            limit then keep their refusal as ``meta['error']``)
        :returns: `messages`, as a list
        :raises: what :meth:`send` raises, for a failure that concerns the account or the service rather
            than a message: requests not yet started are not sent, the failed request's messages get it
            as ``meta['error']``, every other message keeps its result and its onSend. An exception from
            an onSend handler propagates, as from ``Gateway.send``.
        :raises BaseException: whatever interrupts the calling thread meanwhile (a signal handler,
            ``KeyboardInterrupt``), once every message is updated: the messages of the requests in flight
            get a ClickatellResponseError saying they may or may not have been sent, those never started
            are left untouched, and onSend has fired for the sent ones
        :raises TypeError: a message whose body is not a string (before anything is sent)
        :raises ValueError: `workers` or `time_limit` out of range (before anything is sent)
        """
        if not isinstance(messages, list):
            messages = list(messages)
        unique = list({id(message): message for message in messages}.values())
        for message in unique:
            message.provider = self.name
            message.msgid = None
            if not isinstance(message.meta, dict):
                message.meta = {}
            message.meta.pop('error', None)  # left from an earlier attempt

        planner = self.api.bulk_planner()
        batches, refused = planner.plan(unique)
        for message, error in refused:
            cast(Dict[str, Any], message.meta)['error'] = error  # a dict: the loop above made it one
        try:
            failure = bulk.run(batches, planner, workers, time_limit)
        except BaseException:
            # Interrupted (a signal handler, a time limit): every message is already updated (see
            # bulk.run). Let the application hear of the sent ones, as it would have, then let the
            # interrupt go on; a hook's failure now must not replace the interrupt.
            try:
                self._on_send_each(unique)
            except Exception:  # noqa: BLE001
                log.exception('An onSend handler failed while send_bulk was being interrupted')
            raise
        self._on_send_each(unique)
        if failure is not None:
            raise failure
        return messages

    def _on_send_each(self, messages: Iterable[OutgoingMessage]) -> None:
        # Hooks run in the caller's thread once every message is updated, so that a failing hook
        # cannot leave a sent message without its msgid.
        for message in messages:
            if message.msgid is not None:
                self.gateway.onSend(message)

    def sendmsg_params(self, message: OutgoingMessage) -> bulk.Params:
        """The wire parameters for a message (no credentials): what the client sends for it.

        :raises: as the client's ``message_params`` (a parameter that cannot be sent, a text too long)
        """
        return self.api.message_params(message)

    # Public API

    def get_balance(self) -> float:
        """The credit left on the account.

        :rtype: float
        :raises: as :meth:`send`
        """
        return self.api.get_balance()

    #: The 0.0.x name of :meth:`get_balance`.
    getbalance = get_balance

    def get_balance_details(self) -> Balance:
        """The balance and its currency: a :class:`~smsframework_clickatell.clients.Balance` ``(amount,
        currency)``; the legacy API names no currency (None).

        :raises: as :meth:`get_balance`
        """
        return self.api.get_balance_details()

    def query_status(self, msgid: str) -> MessageStatus:
        """Ask Clickatell for a message's status: for when status callbacks are not set up, or one was
        lost. The gateway's onStatus is not fired: the status is returned.

        Legacy (``querymsg``; Clickatell knows messages for about six days): the
        :class:`ClickatellMessageStatus` for its code (``S004``, a :class:`smsframework.MessageDelivered`,
        for "004"), `rtime` now (naive UTC), ``meta['status']`` the code. Platform: the same classes, by
        ``statusCode`` or status name. One API: a :class:`~smsframework_clickatell.status.OneApiStatus`
        in One API's numbering, `rtime` the time of its last change.

        :param str msgid: the message's id, as `send` set it
        :raises smsframework_clickatell.error.E103: legacy: Clickatell does not know the id (One API:
            a :class:`~smsframework_clickatell.error.ClickatellApiRequestError`)
        :raises ClickatellParameterError: One API, Platform: an id that is not one (nothing is sent)
        :raises: otherwise as :meth:`send`
        """
        status = self.api.query_status(msgid)
        status.provider = self.name
        return status

    def api_request(self, command: str, **params: Any) -> str:
        """Run any Clickatell HTTP API command with the account's credentials.

        :param str command: ``querymsg``, ``getmsgcharge``, ``delmsg``, ...
        :param params: the command's parameters
        :returns: Clickatell's answer, as text
        :raises smsframework.exc.UnsupportedError: the provider uses a key-based API (these commands are
            the legacy API's)
        :raises: as :meth:`send`; a single-line ``ERR:`` answer raises its ClickatellProviderError
        """
        if self.api.api != 'legacy':
            raise exc.UnsupportedError('api_request runs commands of the legacy HTTP API; this provider uses '
                                       '{}'.format(API_NAMES[self.api.api]))
        # The legacy API's client: the check above.
        return cast(LegacyWireClient, self.api).request(command, params)

    # Receiving

    def make_receiver_blueprint(self) -> 'Blueprint':
        """A new Flask Blueprint with this provider's receivers, ``/im`` and ``/status``.

        Needs the ``receiver`` extra (Flask, defusedxml), or an ImportError says so:
        ``pip install 'smsframework-clickatell[receiver]'``.
        """
        from .receivers import make_receiver_blueprint  # Flask is optional: import it only here
        return make_receiver_blueprint(self)
