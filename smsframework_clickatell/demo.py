"""``python -m smsframework_clickatell demo``: the whole loop on this machine, without an account.

A :class:`~smsframework_clickatell.simulator.ClickatellSimulator` stands in for Clickatell, and a Flask
application with the provider's receivers stands in for the user's own. A message goes out with a
status report; its delivery reports, then a reply, come back through ``gateway.onStatus`` and
``gateway.onReceive``, exactly as they would from Clickatell. Every wait is bounded; everything is
stopped before :meth:`Demo.run` returns.
"""
import importlib.util
import queue
import secrets
import threading
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, Literal, Optional, Tuple, Type, Union, overload

from smsframework import Gateway, IncomingMessage, MessageStatus, OutgoingMessage, exc

from .cli import EXIT_OK, API_NAMES, CommandFailed, Console, _provider, describe_balance, describe_status, is_final

if TYPE_CHECKING:  # imported where used: werkzeug comes with Flask, which is optional and run() checks for first
    from werkzeug.serving import WSGIRequestHandler

    from .provider import ClickatellProvider
    from .simulator import ClickatellSimulator

#: The numbers and texts of the story. 27 999 ... is a South African range no network hands out.
RECIPIENT = '+27 999 000 001'
OWN_NUMBER = '+27 833 001 171'
TEXT = 'Hello from smsframework-clickatell! Reply to this message.'
#: Not plain ASCII, to show that a reply's characters arrive intact.
REPLY = 'Got it, thanks! Grüße 👍'
REPLY_CHARSET = 'UTF-8'

#: The simulator's pushes: quick retries and a short time-out, so that a failure shows within the waits.
PUSH_RETRY_DELAYS = (0.1, 0.3)
PUSH_TIMEOUT = 2.0

#: What the gateway's hooks queue: ``('status', when, status)`` or ``('message', when, message)``.
_Event = Tuple[str, float, Union[MessageStatus, IncomingMessage]]


class Demo:
    """One run of the demo.

    :param str api: ``'one'``, ``'platform'`` or ``'legacy'``
    :param float wait: the most seconds to wait for each report or reply
    :param console: the :class:`~smsframework_clickatell.cli.Console` to print on
    """

    def __init__(self, api: str, wait: float, console: Console) -> None:
        self.api = api
        self.wait = wait
        self.console = console
        self.events: 'queue.Queue[_Event]' = queue.Queue()
        self.started: Optional[float] = None

    def run(self) -> int:
        """:returns: the exit code
        :raises CommandFailed: Flask missing, or something did not arrive in time
        """
        # The receiver extra, checked before anything starts.
        if importlib.util.find_spec('flask') is None:
            raise CommandFailed("the demo needs Flask: pip install 'smsframework-clickatell[receiver]'")
        self.started = time.monotonic()
        self.step('Clickatell demo, {}: a simulated Clickatell and a Flask application with the receivers, '
                  'on this machine'.format(API_NAMES[self.api]))
        with ExitStack() as running:
            simulator, gateway, app_url = self.start(running)
            self.step('Clickatell simulator at {}'.format(simulator.url))
            self.step('your application at {} (delivery reports to /status, replies to /im)'.format(app_url))
            provider = _provider(gateway)

            message = OutgoingMessage(RECIPIENT, TEXT, src=OWN_NUMBER).options(status_report=True)
            self.step('-> gateway.send(): {!r} to {}, with a status report'.format(TEXT, RECIPIENT))
            gateway.send(message)
            self.step('   Clickatell accepted it: msgid {}'.format(message.msgid))

            final = self.follow_reports(message.msgid)
            if not final.delivered:
                raise CommandFailed('the message was not delivered: {}'.format(describe_status(final, self.api)))
            asked = provider.query_status(final.msgid)  # message.msgid, as a str
            self.step('   provider.query_status() agrees: {}'.format(describe_status(asked, self.api)))

            self.step('-> the recipient replies {!r} (the simulator pushes it to /im)'.format(REPLY))
            try:
                simulator.inject_mo(RECIPIENT, OWN_NUMBER, REPLY, charset=REPLY_CHARSET, api=self.api)
            except Exception as e:  # PushFailed: the application did not answer 2xx
                raise CommandFailed('the reply did not reach the application: {}'.format(e)) from None
            reply, arrived = self.next_event('message', 'the reply')
            self.step('<- gateway.onReceive: from {} to {}: {!r} ({})'.format(
                reply.src, reply.dst, reply.body, reply.meta.get('charset') or REPLY_CHARSET), arrived)
            if reply.body != REPLY:
                raise CommandFailed('the reply arrived altered: {!r}'.format(reply.body))

            self.show_balance(provider)
        self.step('Done: sent, delivered, replied to; everything stopped.')
        self.console.say('With an account, give ClickatellProvider its credentials, without api_url: see the README.')
        return EXIT_OK

    def start(self, running: ExitStack) -> Tuple['ClickatellSimulator', Gateway, str]:
        """Start the simulator and the application, each stopped when `running` closes.

        :returns: (the simulator, the application's gateway, the application's receiver URL)
        """
        from flask import Flask
        from werkzeug.serving import make_server

        from .provider import ClickatellProvider
        from .simulator import ClickatellSimulator

        # Throwaway credentials, never printed: the provider must present them as it would to Clickatell.
        if self.api == 'legacy':
            credentials = {'api_id': str(secrets.randbelow(9000000) + 1000000), 'user': 'demo',
                           'password': secrets.token_urlsafe(12)}
        else:
            credentials = {'api_key': secrets.token_urlsafe(24)}
        simulator = ClickatellSimulator(push_retry_delays=PUSH_RETRY_DELAYS, push_timeout=PUSH_TIMEOUT,
                                        api_id=credentials.get('api_id'), user=credentials.get('user'),
                                        password=credentials.get('password'), api_key=credentials.get('api_key'))
        simulator.start()
        running.callback(simulator.stop)

        gateway = Gateway()
        gateway.add_provider('clickatell', ClickatellProvider, api=self.api, api_url=simulator.url,
                             timeout=PUSH_TIMEOUT, retries=0, **credentials)
        running.callback(_provider(gateway).close)
        # The hooks run in the application's request threads: they only queue what they get, and the
        # main thread prints it, in order.
        gateway.onStatus += lambda status: self.events.put(('status', time.monotonic(), status))
        gateway.onReceive += lambda message: self.events.put(('message', time.monotonic(), message))

        app = Flask('smsframework_clickatell_demo')
        gateway.receiver_blueprints_register(app, prefix='/sms/')
        server = make_server('127.0.0.1', 0, app, threaded=True, request_handler=_quiet_request_handler())
        # A short poll interval: shutdown() waits for the serving loop to notice it.
        thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05},
                                  name='demo-application', daemon=True)
        thread.start()
        running.callback(server.server_close)
        running.callback(server.shutdown)
        app_url = 'http://127.0.0.1:{}/sms/clickatell'.format(server.server_port)
        simulator.status_url = app_url + '/status'
        simulator.reply_url = app_url + '/im'
        return simulator, gateway, app_url

    def follow_reports(self, msgid: Optional[str]) -> MessageStatus:
        """Print each delivery report of `msgid` as it reaches onStatus, until a final one.

        :returns: the final status
        """
        while True:
            status, arrived = self.next_event('status', 'a delivery report')
            if status.msgid != msgid:
                continue
            self.step('<- gateway.onStatus: {}'.format(describe_status(status, self.api)), arrived)
            if is_final(status):
                return status

    @overload
    def next_event(self, kind: Literal['status'], what: str) -> Tuple[MessageStatus, float]: ...

    @overload
    def next_event(self, kind: Literal['message'], what: str) -> Tuple[IncomingMessage, float]: ...

    def next_event(self, kind: str, what: str) -> Tuple[Union[MessageStatus, IncomingMessage], float]:
        """The next thing a hook got, of `kind`, within the wait.

        :returns: (the item, when it arrived)
        :raises CommandFailed: nothing in time
        """
        deadline = time.monotonic() + self.wait
        while True:
            left = deadline - time.monotonic()
            try:
                got, arrived, item = self.events.get(timeout=max(left, 0))
            except queue.Empty:
                raise CommandFailed('{} did not arrive within {:g} s'.format(what, self.wait)) from None
            if got == kind:
                return item, arrived

    def show_balance(self, provider: 'ClickatellProvider') -> None:
        try:
            balance = provider.get_balance_details()
        except exc.UnsupportedError:
            # Real One API keys may not read it: Clickatell documents no balance call for One API.
            self.step('   this API has no balance to show')
            return
        self.step('   provider.get_balance_details(): {} (one SMS part charged)'.format(describe_balance(balance)))

    def step(self, text: str, when: Optional[float] = None) -> None:
        """A line of progress, with the seconds since the start."""
        assert self.started is not None, 'run() sets it before any step'
        elapsed = (time.monotonic() if when is None else when) - self.started
        self.console.say('{:5.2f}s  {}'.format(elapsed, text))


def _quiet_request_handler() -> Type['WSGIRequestHandler']:
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass  # werkzeug would print a line per push on stderr, over the demo's own lines
    return Quiet
