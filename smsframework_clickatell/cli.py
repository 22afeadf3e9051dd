"""The command line: ``python -m smsframework_clickatell`` (installed as ``smsframework-clickatell``).

* ``send``, ``balance`` and ``status`` talk to Clickatell (or anything at ``--api-url``, such as the
  simulator) with the account's credentials, from options or the environment;
* ``simulate`` runs the simulator until interrupted, printing each request it answers;
* ``demo`` runs the whole loop on this machine, without an account: the simulator, a Flask application
  with the receivers, a message sent, its delivery reports and a reply arriving through the gateway's hooks.

A user error or a failure prints one line on stderr, never a traceback, and exits with a code of its own
(:data:`EXIT_FAILED`, :data:`EXIT_USAGE`, :data:`EXIT_CONNECTION`). The password and the API key are never
printed: not in output, not in errors, not in ``--help``.
"""
import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import (IO, TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, NoReturn, Optional, Sequence,
                    Tuple, TypeVar, cast, overload)

from smsframework import (Gateway, MessageAccepted, MessageDelivered, MessageError, MessageExpired,
                          MessageStatus, OutgoingMessage, exc)

from . import const
from .phone import is_phone_number
from .transport.secrets import Masker, Secret

if TYPE_CHECKING:  # imported where used, so that --help and usage errors stay quick
    from .clients import Balance
    from .provider import ClickatellProvider

PROG = 'smsframework-clickatell'

#: Exit codes. 1: Clickatell refused or failed, or the command could not do its work.
EXIT_OK = 0
EXIT_FAILED = 1
#: A wrong command line, or missing credentials (argparse's own code for usage errors).
EXIT_USAGE = 2
#: Clickatell (or the address given) could not be reached, or the simulator could not listen.
EXIT_CONNECTION = 3
#: Interrupted with Ctrl-C during a command that does not run until interrupted (the shells' 128 + SIGINT).
EXIT_INTERRUPTED = 130

#: Credential → the environment variable it may come from.
ENVIRONMENT = {
    'api_key': 'CLICKATELL_API_KEY',
    'api_id': 'CLICKATELL_API_ID',
    'user': 'CLICKATELL_USER',
    'password': 'CLICKATELL_PASSWORD',
    'api_url': 'CLICKATELL_API_URL',
}
LEGACY = const.LEGACY_CREDENTIALS
#: What must never be printed.
SECRET_FIELDS = ('api_key', 'password')

API_NAMES = {'one': 'One API', 'platform': 'Platform', 'legacy': 'legacy HTTP API'}

#: The environment credentials are read from: ``os.environ``, or a mapping in its place.
Environ = Mapping[str, str]
#: A command: the parsed arguments, the environment and the console → the exit code.
Command = Callable[[argparse.Namespace, Environ, 'Console'], int]


class UsageError(Exception):
    """The command line is wrong: exit :data:`EXIT_USAGE` with this one line.

    :ivar where: the program and command it concerns (``smsframework-clickatell send``), or None
    """

    def __init__(self, message: str, where: Optional[str] = None) -> None:
        super().__init__(message)
        self.where = where


class CommandFailed(Exception):
    """The command could not do its work: exit `code` with this one line."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class Console:
    """Lines to stdout and stderr, flushed at once (so that progress shows as it happens, also through
    a pipe), and never failing on a character the terminal's encoding lacks (a reply may hold emoji)."""

    def __init__(self, out: Optional[IO[str]] = None, err: Optional[IO[str]] = None,
                 secrets: Iterable[str] = ()) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        # The provider keeps secrets out of its errors already; this is the last guard before a terminal,
        # with the provider's own masker (each secret also URL-encoded or JSON-escaped, as a whole token:
        # a short test key such as 'k' does not garble every word that holds the letter).
        self._masker = Masker(Secret(value) for value in secrets if value)
        self._lock = threading.Lock()

    def scrub(self, text: str) -> str:
        return self._masker.text(text)

    def say(self, line: object = '') -> None:
        self._write(self.out, line)

    def error(self, line: object, where: str = PROG) -> None:
        # One line: an error text from an answer may hold line breaks.
        self._write(self.err, '{}: error: {}'.format(where, ' '.join(str(line).split())))

    def _write(self, stream: IO[str], line: object) -> None:
        line = self.scrub(str(line))
        encoding = getattr(stream, 'encoding', None) or 'utf-8'
        line = line.encode(encoding, 'backslashreplace').decode(encoding)
        with self._lock:
            stream.write(line + '\n')
            stream.flush()


# The parser

_N = TypeVar('_N')


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (argparse prints the whole usage before it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: "--pass X" must not be taken for --password, whose value errors keep out.
        kwargs.setdefault('allow_abbrev', False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError('{} (see {} --help)'.format(message, self.prog), self.prog)

    # The overloads are argparse's (as typeshed has them): the namespace given, or else a new Namespace.
    @overload
    def parse_args(self, args: Optional[Iterable[str]] = None, namespace: None = None) -> argparse.Namespace: ...

    @overload
    def parse_args(self, args: Optional[Iterable[str]], namespace: _N) -> _N: ...

    @overload
    def parse_args(self, *, namespace: _N) -> _N: ...

    def parse_args(self, args: Optional[Iterable[str]] = None, namespace: object = None) -> object:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            # argparse would quote every word it did not take: after a mistyped "--passwrd", the password.
            # The options are named; the other words only counted.
            options = [word.split('=', 1)[0] for word in extras if word.startswith('-')]
            others = len(extras) - len(options)
            words = '{} word{}'.format(others, '' if others == 1 else 's')
            if options:
                what = 'unrecognized arguments: ' + ' '.join(options) + (' and ' + words if others else '')
            else:
                what = '{} more than the command takes'.format(words)
            command = getattr(parsed, 'command', None)
            if command == 'send' and not options:
                what += ' (a TEXT of several words goes in quotes)'
            where = '{} {}'.format(self.prog, command) if command else self.prog
            raise UsageError('{} (see {} --help)'.format(what, where), where)
        return parsed


def _phone_number(text: str) -> str:
    if not is_phone_number(text):
        raise argparse.ArgumentTypeError('{!r} is not a phone number: give it in international format, '
                                         'such as +27999000001'.format(text[:40]))
    return text


def _param(text: str) -> Tuple[str, str]:
    name, equals, value = text.partition('=')
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError('a parameter is NAME=VALUE, not {!r}'.format(text[:40]))
    return name.strip(), value


_Number = TypeVar('_Number', int, float)


def _positive(kind: Callable[[str], _Number]) -> Callable[[str], _Number]:
    def parse(text: str) -> _Number:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError('{!r} is not a number'.format(text)) from None
        if not value > 0 or value == float('inf'):
            raise argparse.ArgumentTypeError('must be a positive number, not {!r}'.format(text))
        return value
    return parse


def _not_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError('{!r} is not a whole number'.format(text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError('must not be negative, not {}'.format(value))
    return value


def _port(text: str) -> int:
    value = _not_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError('a port is 0 to 65535, not {}'.format(value))
    return value


def _account_options() -> argparse.ArgumentParser:
    """The options of the commands that talk to Clickatell. No default comes from the environment here:
    argparse would show it in ``--help``; :func:`provider_options` reads the environment instead."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group('Clickatell account (each option may come from its environment variable)')
    group.add_argument('--api', choices=('one', 'platform', 'legacy'),
                       help="the account's API: 'one' (One API, accounts opened today), 'platform' (a Platform "
                            "SMS integration, also with an API key) or 'legacy' (the HTTP API of older accounts); "
                            'default: one with an API key, legacy with --api-id/--user/--password')
    group.add_argument('--api-key', metavar='KEY', help='the API key of One API or of a Platform integration '
                                                        '[$CLICKATELL_API_KEY] (--api-key=KEY when it begins with -)')
    group.add_argument('--api-id', metavar='ID', help="the legacy HTTP API's api_id [$CLICKATELL_API_ID]")
    group.add_argument('--user', help="the legacy account's user name [$CLICKATELL_USER]")
    group.add_argument('--password', help="the legacy account's password [$CLICKATELL_PASSWORD]; prefer the "
                                          'variable: an option is visible to other users in the process list '
                                          '(--password=PASSWORD when it begins with -)')
    group.add_argument('--api-url', metavar='URL', help="a base URL instead of Clickatell's, such as a simulator's "
                                                        '(http://127.0.0.1:8800) [$CLICKATELL_API_URL]')
    group.add_argument('--timeout', metavar='SECONDS', type=_positive(float),
                       help='the most seconds to connect, and for each answer (default: 5 to connect, 30 '
                            'for the answer)')
    group.add_argument('--retries', metavar='N', type=_not_negative_int,
                       help='retries of a failed request (default 3; a send is retried only when the '
                            'connection could not be made, so it is never sent twice)')
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description='Send SMS through Clickatell, read the balance and message '
                                            'statuses, run a local Clickatell simulator, or a demo.',
                     epilog='Exit codes: 0 done, 1 Clickatell refused or the command failed, 2 usage error, '
                            '3 Clickatell unreachable. "{} COMMAND --help" describes each command.'.format(PROG))
    # An ArgumentParser as typeshed wants the parents' class to be the subparsers' own (argparse takes any).
    commands: 'argparse._SubParsersAction[argparse.ArgumentParser]' = parser.add_subparsers(
        dest='command', metavar='COMMAND', parser_class=_Parser)
    commands.required = True
    account = _account_options()

    send = commands.add_parser('send', parents=[account], help='send an SMS; prints its message id',
                               description='Send an SMS and print the message id Clickatell gave it.')
    send.add_argument('to', metavar='TO', type=_phone_number, help='the recipient, such as +27999000001')
    send.add_argument('text', metavar='TEXT', help='the text (any characters; long texts go in several parts)')
    send.add_argument('--from', dest='sender', metavar='SENDER',
                      help='the sender: your number, or an approved alphanumeric sender ID')
    send.add_argument('--status-report', action='store_true',
                      help='ask for delivery reports, pushed to the status URL set up at Clickatell')
    send.add_argument('--param', dest='params', metavar='NAME=VALUE', type=_param, action='append', default=[],
                      help="any parameter of the API's send call, as text (repeatable): "
                           '--param clientMessageId=order42')
    send.set_defaults(run=run_send)

    balance = commands.add_parser('balance', parents=[account], help="print the account's balance",
                                  description="Print the account's balance and its currency ('credits' when "
                                              'the API names none).')
    balance.set_defaults(run=run_balance)

    status = commands.add_parser('status', parents=[account], help="print a message's status",
                                 description="Ask Clickatell for a message's status; prints its code, its "
                                             'name and what it means.')
    status.add_argument('msgid', metavar='MSGID', help='the message id that send printed')
    status.set_defaults(run=run_status)

    simulate = commands.add_parser(
        'simulate', help='run a local Clickatell simulator until interrupted',
        description='Run a Clickatell simulator (legacy HTTP API, Platform and One API) on this machine '
                    'until Ctrl-C, printing each request. Give it the credentials your application uses '
                    '(or set the CLICKATELL_* variables), and point the application at its URL.')
    simulate.add_argument('--host', default='127.0.0.1', help='the address to listen on (default 127.0.0.1)')
    simulate.add_argument('--port', type=_port, default=8800, help='the port (default 8800; 0 for a free one)')
    simulate.add_argument('--api-id', metavar='ID', help='the legacy API id it takes [$CLICKATELL_API_ID]')
    simulate.add_argument('--user', help='the legacy user name it takes [$CLICKATELL_USER]')
    simulate.add_argument('--password', help='the legacy password it takes [$CLICKATELL_PASSWORD]')
    simulate.add_argument('--api-key', metavar='KEY', help='the API key it takes, for Platform and One API '
                                                           '[$CLICKATELL_API_KEY]')
    simulate.add_argument('--credit', type=float, default=100.0,
                          help="the account's credit (default 100; each SMS part costs 1)")
    simulate.add_argument('--status-url', metavar='URL', help='where to push delivery reports')
    simulate.add_argument('--reply-url', metavar='URL', help='where to push incoming messages')
    simulate.add_argument('--callback-method', choices=('GET', 'POST'), default='POST',
                          help='how legacy and Platform pushes go (default POST; One API always posts JSON)')
    simulate.set_defaults(run=run_simulate)

    demo = commands.add_parser(
        'demo', help='send, receive and follow a message on this machine, without an account',
        description='Start a Clickatell simulator and a Flask application with the receivers, both on '
                    'loopback; send a message with a status report, show its delivery reports and a '
                    'reply as they reach gateway.onStatus and gateway.onReceive, and the balance.')
    demo.add_argument('--api', choices=('one', 'platform', 'legacy'), default='one',
                      help='the API to speak (default one: what a new account has)')
    demo.add_argument('--wait', metavar='SECONDS', type=_positive(float), default=5.0,
                      help='the most seconds to wait for each report or reply (default 5)')
    demo.set_defaults(run=run_demo)
    return parser


# Credentials

def provider_options(args: argparse.Namespace, environ: Environ) -> Dict[str, object]:
    """The provider's keyword arguments from the options, or else the environment.

    The API is the one `--api` names; without it, the one whose credentials the command line gives, or
    else the environment (an API key: One API; api_id, user and password: legacy).

    :raises UsageError: no credentials, credentials of two APIs with no `--api` to choose, or some of the
        legacy ones missing (the message names them, never their values)
    """
    given: Dict[str, Optional[str]] = {name: getattr(args, name) for name in ('api_key',) + LEGACY}
    found = {name: value if value else environ.get(ENVIRONMENT[name]) or None for name, value in given.items()}
    api: Optional[str] = args.api
    if api is None:
        on_command_line = [name for name, value in given.items() if value]
        if 'api_key' in on_command_line and set(on_command_line) & set(LEGACY):
            raise UsageError('give --api-key (One API, Platform) or --api-id/--user/--password (legacy), not both')
        if on_command_line:
            api = 'one' if 'api_key' in on_command_line else 'legacy'
        elif found['api_key'] and any(found[name] for name in LEGACY):
            raise UsageError('the environment has credentials of two APIs: choose one with --api one, '
                             'platform or legacy')
        elif found['api_key']:
            api = 'one'
        elif any(found[name] for name in LEGACY):
            api = 'legacy'
        else:
            raise UsageError('no Clickatell credentials: give --api-key (or set CLICKATELL_API_KEY), or '
                             '--api-id, --user and --password (or CLICKATELL_API_ID, CLICKATELL_USER and '
                             'CLICKATELL_PASSWORD)')
    if api == 'legacy':
        missing = [name for name in LEGACY if not found[name]]
        if missing:
            raise UsageError('the legacy HTTP API needs {} (options or {})'.format(
                ', '.join('--' + name.replace('_', '-') for name in missing),
                ', '.join(ENVIRONMENT[name] for name in missing)))
        options: Dict[str, object] = {name: found[name] for name in LEGACY}
        options['https'] = True  # the provider's default is plain HTTP, for 0.0.x; never send a password so
    else:
        if not found['api_key']:
            raise UsageError('{} needs an API key: --api-key or CLICKATELL_API_KEY'.format(API_NAMES[api]))
        options = {'api_key': found['api_key']}
    options['api'] = api
    api_url: Optional[str] = args.api_url or environ.get(ENVIRONMENT['api_url'])
    if api_url:
        options['api_url'] = api_url
    if args.timeout is not None:
        options['timeout'] = args.timeout
    if args.retries is not None:
        options['retries'] = args.retries
    return options


def secrets_of(args: argparse.Namespace, environ: Environ) -> List[str]:
    """The strings that must never be printed: the password and key given, by option or environment."""
    values: List[Optional[str]] = [getattr(args, name, None) for name in SECRET_FIELDS]
    values += [environ.get(ENVIRONMENT[name]) for name in SECRET_FIELDS]
    return [value for value in values if value]


def make_gateway(args: argparse.Namespace, environ: Environ) -> Gateway:
    """A gateway with one provider, ``clickatell``, built from the command line.

    :raises UsageError: missing or conflicting credentials, or an option the provider refuses
    """
    from .provider import ClickatellProvider  # here, so that --help and usage errors stay quick
    options = provider_options(args, environ)
    gateway = Gateway()
    try:
        gateway.add_provider('clickatell', ClickatellProvider, **options)
    except (ValueError, TypeError) as e:  # a malformed key or URL: the message says which, never the value
        raise UsageError(str(e)) from None
    return gateway


# What a status means

def meaning(status: MessageStatus) -> str:
    """What a status means for the message, in words (the smsframework class it is an instance of)."""
    if isinstance(status, MessageDelivered):
        return 'delivered'
    if isinstance(status, MessageExpired):  # before MessageAccepted: smsframework makes it one
        return 'expired, not delivered'
    if isinstance(status, MessageError):
        return 'failed, not delivered'
    if isinstance(status, MessageAccepted):
        return 'accepted, not delivered yet'
    return 'unknown'


def is_final(status: MessageStatus) -> bool:
    """Whether no later status is to come: delivered, expired or failed."""
    return isinstance(status, (MessageDelivered, MessageExpired, MessageError))


def describe_status(status: MessageStatus, api: str) -> str:
    """``'004 Received by recipient: delivered'``; ``'5 DEVICE_ACK: delivered'`` for One API."""
    from .status import ONE_API_STATUS_CODES
    code = getattr(status, 'status_code', None)
    name = getattr(status, 'status', None) or 'UNKNOWN'
    if code is None and api == 'one':
        # One API's status query names the status without its number; the table has it.
        code = {row_name: row_code for row_code, row_name, _ in ONE_API_STATUS_CODES}.get(name)
    if code is None:
        shown = '?'
    elif api == 'legacy':
        shown = '{:03d}'.format(code)  # as Clickatell writes it
    else:
        shown = str(code)
    return '{} {}: {}'.format(shown, name, meaning(status))


def describe_balance(balance: 'Balance') -> str:
    amount = '{:.4f}'.format(balance.amount).rstrip('0').rstrip('.')
    return '{} {}'.format(amount, balance.currency or 'credits')


# Commands: each takes the parsed arguments, the environment and the console, and returns the exit code

def _provider(gateway: Gateway) -> 'ClickatellProvider':
    """The gateway's ``clickatell`` provider: a ClickatellProvider in the gateways of :func:`make_gateway` and
    of the demo."""
    return cast('ClickatellProvider', gateway.get_provider('clickatell'))


def run_send(args: argparse.Namespace, environ: Environ, console: Console) -> int:
    gateway = make_gateway(args, environ)
    message = OutgoingMessage(args.to, args.text, src=args.sender)
    if args.status_report:
        message.options(status_report=True)
    if args.params:
        message.params(**dict(args.params))
    try:
        gateway.send(message)
    finally:
        _provider(gateway).close()
    console.say(message.msgid)  # alone, so that scripts can take it: MSGID=$(... send ...)
    return EXIT_OK


def run_balance(args: argparse.Namespace, environ: Environ, console: Console) -> int:
    provider = _provider(make_gateway(args, environ))
    try:
        console.say(describe_balance(provider.get_balance_details()))
    finally:
        provider.close()
    return EXIT_OK


def run_status(args: argparse.Namespace, environ: Environ, console: Console) -> int:
    provider = _provider(make_gateway(args, environ))
    try:
        status = provider.query_status(args.msgid)
    finally:
        provider.close()
    console.say(describe_status(status, provider.api.api))
    return EXIT_OK


class _ConsoleLogHandler(logging.Handler):
    """The simulator's log lines (one per request, and failed pushes) on the console, with the time."""

    def __init__(self, console: Console) -> None:
        super().__init__(logging.INFO)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stamp = time.strftime('%H:%M:%S', time.localtime(record.created))
            mark = ' !' if record.levelno >= logging.WARNING else ''
            self.console.say('{}{} {}'.format(stamp, mark, record.getMessage()))
        except Exception:
            self.handleError(record)


def simulator_credentials(args: argparse.Namespace, environ: Environ) -> Dict[str, Optional[str]]:
    """The simulator's credentials from the options, or else the environment.

    :raises UsageError: none, or some of the legacy ones but not all
    """
    found: Dict[str, Optional[str]] = {name: getattr(args, name) or environ.get(ENVIRONMENT[name]) or None
                                       for name in ('api_key',) + LEGACY}
    legacy = [name for name in LEGACY if found[name]]
    if legacy and len(legacy) < len(LEGACY):
        missing = [name for name in LEGACY if not found[name]]
        raise UsageError('the legacy HTTP API needs {} as well'.format(
            ', '.join('--' + name.replace('_', '-') for name in missing)))
    if not legacy and not found['api_key']:
        raise UsageError('give the credentials the simulator takes: --api-key (Platform, One API) and/or '
                         '--api-id, --user and --password (legacy), or set the CLICKATELL_* variables')
    return found


def run_simulate(args: argparse.Namespace, environ: Environ, console: Console) -> int:
    from .simulator import ClickatellSimulator
    credentials = simulator_credentials(args, environ)
    try:
        simulator = ClickatellSimulator(credit=args.credit, status_url=args.status_url, reply_url=args.reply_url,
                                        host=args.host, port=args.port, callback_method=args.callback_method,
                                        api_id=credentials['api_id'], user=credentials['user'],
                                        password=credentials['password'], api_key=credentials['api_key'])
    except ValueError as e:
        raise UsageError(str(e)) from None
    # The simulator logs each request in one line, without query, body or headers (which hold the
    # credentials): that log is what is printed.
    logger = logging.getLogger('smsframework_clickatell.simulator')
    handler = _ConsoleLogHandler(console)
    saved = logger.level, logger.propagate
    try:
        simulator.start()
    except OSError as e:
        raise CommandFailed('cannot listen on {}:{}: {}'.format(args.host, args.port, e.strerror or e),
                            EXIT_CONNECTION) from None
    try:
        # Attached once started: the banner below says where it listens, its own log line would repeat it.
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        apis = (['legacy HTTP API'] if credentials['api_id'] else []) + (
            ['Platform', 'One API'] if credentials['api_key'] else [])
        console.say('Clickatell simulator at {} ({}); Ctrl-C to stop.'.format(simulator.url, ', '.join(apis)))
        console.say('Point your application or this command at it: --api-url {}'.format(simulator.url))
        _wait_for_interrupt()
    finally:
        simulator.stop()
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
    console.say('Stopped.')
    return EXIT_OK


def _wait_for_interrupt() -> None:
    """Return on Ctrl-C (SIGINT) or, in the main thread, SIGTERM (how service managers stop a process)."""
    stop = threading.Event()
    previous = None
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        # Short sleeps: a signal interrupts time.sleep everywhere, but Event.wait not on Windows.
        while not stop.is_set():
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def run_demo(args: argparse.Namespace, environ: Environ, console: Console) -> int:
    from .demo import Demo
    return Demo(args.api, args.wait, console).run()


# Entry point

def main(argv: Optional[Iterable[str]] = None, environ: Optional[Environ] = None) -> int:
    """Run the command line.

    :param argv: the arguments (default: ``sys.argv[1:]``)
    :param environ: the environment to read credentials from (default: ``os.environ``)
    :returns: the exit code
    """
    environ = os.environ if environ is None else environ
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        Console(secrets=_secrets_in_argv(argv, environ)).error(e, e.where or PROG)
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else EXIT_OK
    console = Console(secrets=secrets_of(args, environ))
    run: Command = args.run
    try:
        return run(args, environ, console)
    except UsageError as e:
        where = e.where or '{} {}'.format(PROG, args.command)
        console.error('{} (see {} --help)'.format(e, where), where)
        return EXIT_USAGE
    except CommandFailed as e:
        console.error(e)
        return e.code
    except exc.ConnectionError as e:  # before ProviderError, of which it is one
        console.error(e)
        return EXIT_CONNECTION
    except exc.ProviderError as e:
        console.error(e)
        return EXIT_FAILED
    except KeyboardInterrupt:
        console.error('interrupted')
        return EXIT_INTERRUPTED


def _secrets_in_argv(argv: Sequence[str], environ: Environ) -> List[str]:
    """The values of --password and --api-key in a command line argparse refused, to keep out of its error."""
    found: List[Optional[str]] = [environ.get(ENVIRONMENT[name]) for name in SECRET_FIELDS]
    for i, word in enumerate(argv):
        for option in ('--password', '--api-key'):
            if word == option and i + 1 < len(argv):
                found.append(argv[i + 1])
            elif word.startswith(option + '='):
                found.append(word.partition('=')[2])
    return [value for value in found if value]
