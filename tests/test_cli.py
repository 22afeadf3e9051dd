"""The command line, end to end over real sockets: each command against a running simulator for each
API (exit codes, output, errors on one line, no secret ever printed), ``simulate`` and ``demo`` as the
processes a user starts."""
import os
import queue
import signal
import socket
import subprocess
import sys
import threading

import pytest
import requests

from smsframework_clickatell import cli
from smsframework_clickatell.cli import EXIT_CONNECTION, EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from smsframework_clickatell.demo import Demo

APIS = ('one', 'platform', 'legacy')
ROOT = os.path.join(os.path.dirname(__file__), os.pardir)
#: Seconds a subprocess may take; each takes about one.
PROCESS_TIMEOUT = 30

#: Secrets that must never show, whatever the command: given by option or in the environment.
WRONG_PASSWORD = 'Wr0ng-pa55word'
WRONG_KEY = 'Wr0ng-k3y-value'
ENV_PASSWORD = 'Env-pa55word-9'
ENV_KEY = 'Env-k3y-value-9'
#: A key the provider refuses before any request (it cannot go in a header).
MALFORMED_KEY = 'Bad k3y with spaces'


@pytest.fixture
def run(capsys):
    """``code, out, err = run(argv, env=..., secrets=...)``: main() in this process; every call checks
    that no secret it was given, nor any of this module's, was printed."""
    def call(argv, env=None, secrets=()):
        code = main(argv, environ={} if env is None else env)
        out, err = capsys.readouterr()
        for secret in tuple(secrets) + (WRONG_PASSWORD, WRONG_KEY, ENV_PASSWORD, ENV_KEY, MALFORMED_KEY):
            assert secret not in out and secret not in err, 'a secret was printed'
        return code, out, err
    return call


def account(sim, api, **wrong):
    """The options of the commands that talk to Clickatell, for `sim` in `api`. The secrets go as
    ``--option=value``: the fixture's random ones may begin with "-", which argparse would take for an option."""
    if api == 'legacy':
        return ['--api', 'legacy', '--api-id', sim.api_id, '--user', sim.user,
                '--password=' + wrong.get('password', sim.password), '--api-url', sim.url]
    return ['--api', api, '--api-key=' + wrong.get('key', sim.api_key), '--api-url', sim.url]


def secrets_of(sim):
    return (sim.password, sim.api_key)


def one_error_line(err):
    """The single line of an error, checked to be one line of ours and no traceback."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert 'Traceback' not in err
    assert lines[0].startswith('smsframework-clickatell') and ': error: ' in lines[0], lines[0]
    return lines[0]


# send

#: Each API's name for the client's own message id.
CLIENT_ID = {'one': 'clientMessageId', 'platform': 'clientMessageId', 'legacy': 'cliMsgId'}


@pytest.mark.parametrize('api', APIS)
def test_send_prints_the_msgid(run, clickatell_simulator, api):
    sim = clickatell_simulator
    code, out, err = run(['send', '+27 999 000 001', 'Grüße, €5 😀', '--from', '27833001171', '--status-report',
                          '--param', '{}=order42'.format(CLIENT_ID[api])] + account(sim, api), secrets=secrets_of(sim))
    assert (code, err) == (EXIT_OK, '')
    [message] = sim.messages
    assert out == message.msgid + '\n'  # the id alone, for scripts
    assert (message.api, message.to, message.text, message.sender) == (api, '27999000001', 'Grüße, €5 😀', '27833001171')
    assert message.client_message_id == 'order42'
    if api == 'legacy':
        assert message.parameters['callback'] == '3'  # --status-report asked for reports


@pytest.mark.parametrize('api', APIS)
def test_send_refused_by_clickatell_is_one_line_and_exit_1(run, clickatell_simulator, api):
    sim = clickatell_simulator
    sim.credit = 0
    code, out, err = run(['send', '27999000001', 'hi'] + account(sim, api), secrets=secrets_of(sim))
    assert (code, out) == (EXIT_FAILED, '')
    line = one_error_line(err)
    assert ('301' in line) if api != 'one' else ('Insufficient account balance' in line)


# balance

@pytest.mark.parametrize('api, shown', [('one', '42.5 ZAR'), ('platform', '42.5 ZAR'), ('legacy', '42.5 credits')])
def test_balance_prints_amount_and_currency(run, clickatell_simulator, api, shown):
    sim = clickatell_simulator
    sim.credit = 42.5
    assert run(['balance'] + account(sim, api), secrets=secrets_of(sim)) == (EXIT_OK, shown + '\n', '')


# status

@pytest.mark.parametrize('api, delivered, expired', [
    ('one', '5 DEVICE_ACK: delivered', '20 EXPIRED: expired, not delivered'),
    ('platform', '4 RECEIVED_BY_RECIPIENT: delivered', '10 MESSAGE_EXPIRED: expired, not delivered'),
    ('legacy', '004 Received by recipient: delivered', '010 Message expired: expired, not delivered'),
])
def test_status_prints_code_name_and_meaning(run, clickatell_simulator, api, delivered, expired):
    sim = clickatell_simulator
    sim.set_outcome('27999000002', 'expired')
    for number, shown in (('27999000001', delivered), ('27999000002', expired)):
        _, msgid, _ = run(['send', number, 'hi'] + account(sim, api))
        code, out, err = run(['status', msgid.strip()] + account(sim, api), secrets=secrets_of(sim))
        assert (code, out, err) == (EXIT_OK, shown + '\n', '')


@pytest.mark.parametrize('api', APIS)
def test_status_of_an_unknown_message_is_exit_1(run, clickatell_simulator, api):
    sim = clickatell_simulator
    code, out, err = run(['status', 'f' * 32] + account(sim, api), secrets=secrets_of(sim))
    assert (code, out) == (EXIT_FAILED, '')
    assert 'f' * 32 in one_error_line(err) or '103' in err


# Credentials

@pytest.mark.parametrize('api', APIS)
def test_wrong_credentials_are_one_line_and_exit_1(run, clickatell_simulator, api):
    sim = clickatell_simulator
    for command in (['send', '27999000001', 'hi'], ['balance'], ['status', 'f' * 32]):
        code, out, err = run(command + account(sim, api, password=WRONG_PASSWORD, key=WRONG_KEY),
                             secrets=secrets_of(sim))
        assert (code, out) == (EXIT_FAILED, ''), command
        line = one_error_line(err)
        assert {'one': 'API key', 'platform': '108', 'legacy': '001'}[api] in line
    assert sim.messages == []


@pytest.mark.parametrize('api', APIS)
def test_credentials_from_the_environment(run, clickatell_simulator, api):
    sim = clickatell_simulator
    env = {'CLICKATELL_API_URL': sim.url}
    if api == 'legacy':
        env.update(CLICKATELL_API_ID=sim.api_id, CLICKATELL_USER=sim.user, CLICKATELL_PASSWORD=sim.password)
    else:
        env.update(CLICKATELL_API_KEY=sim.api_key)
    argv = ['send', '27999000001', 'hi'] + (['--api', 'platform'] if api == 'platform' else [])
    code, out, err = run(argv, env=env, secrets=secrets_of(sim))
    assert (code, err) == (EXIT_OK, '')
    assert [(m.api, m.msgid + '\n') for m in sim.messages] == [(api, out)]


def test_options_win_over_the_environment(run, clickatell_simulator):
    sim = clickatell_simulator
    env = {'CLICKATELL_API_KEY': ENV_KEY, 'CLICKATELL_API_URL': 'http://127.0.0.1:9'}
    assert run(['balance', '--api-key=' + sim.api_key, '--api-url', sim.url], env=env)[0] == EXIT_OK


@pytest.mark.parametrize('argv, env, says', [
    (['balance'], {}, 'no Clickatell credentials'),
    (['send', '27999000001', 'hi', '--api-id', '1', '--user', 'u'], {}, 'needs --password'),
    (['balance', '--api', 'one'], {'CLICKATELL_PASSWORD': ENV_PASSWORD}, 'API key'),
    (['balance', '--api-key', 'k', '--password', WRONG_PASSWORD], {}, 'not both'),
    (['balance'], {'CLICKATELL_API_KEY': ENV_KEY, 'CLICKATELL_API_ID': '1', 'CLICKATELL_USER': 'u',
                   'CLICKATELL_PASSWORD': ENV_PASSWORD}, 'choose one with --api'),
    (['balance', '--api-key', MALFORMED_KEY], {}, 'api_key must be'),
    (['status'], {}, 'required: MSGID'),
    (['send', 'not-a-number', 'hi', '--api-key', 'k'], {}, 'not a phone number'),
    (['send', '27999000001', 'hi', '--param', 'novalue', '--api-key', 'k'], {}, 'NAME=VALUE'),
    (['balance', '--timeout', '0', '--api-key', 'k'], {}, 'positive'),
    (['balance', '--pass', WRONG_PASSWORD], {}, 'unrecognized arguments: --pass and 1 word'),  # no abbreviations
    (['balance', '--passwrd={}'.format(WRONG_PASSWORD)], {}, 'unrecognized arguments: --passwrd'),
    (['send', '27999000001', 'hello', 'world', '--api-key', 'k'], {}, '1 word more than the command takes (a TEXT'),
    (['balance', '--api-key={}'.format(WRONG_KEY), '--bogus'], {}, 'unrecognized arguments: --bogus'),
    (['simulate'], {}, 'give the credentials'),
    (['simulate', '--api-id', '1', '--password', WRONG_PASSWORD], {}, '--user'),
    (['demo', '--api', 'sms'], {}, 'invalid choice'),
    ([], {}, 'required: COMMAND'),
    (['bogus'], {}, 'invalid choice'),
])
def test_usage_errors_are_one_line_and_exit_2(run, argv, env, says):
    code, out, err = run(argv, env=env)
    assert (code, out) == (EXIT_USAGE, '')
    line = one_error_line(err)
    assert says in line and '--help' in line


@pytest.mark.parametrize('command', [[], ['send'], ['balance'], ['status'], ['simulate'], ['demo']])
def test_help_on_every_command(run, monkeypatch, command):
    env = {'CLICKATELL_API_KEY': ENV_KEY, 'CLICKATELL_PASSWORD': ENV_PASSWORD}
    for name, value in env.items():  # in the real environment too: help must not show it as a default
        monkeypatch.setenv(name, value)
    code, out, err = run(command + ['--help'], env=env)
    assert (code, err) == (EXIT_OK, '')
    assert out.startswith('usage: smsframework-clickatell ' + ' '.join(command))


def test_an_unreachable_clickatell_is_exit_3(run):
    with socket.socket() as s:  # a port nothing listens on (bound, never listening)
        s.bind(('127.0.0.1', 0))
        url = 'http://127.0.0.1:{}'.format(s.getsockname()[1])
        code, out, err = run(['balance', '--api-key', WRONG_KEY, '--api-url', url, '--retries', '0', '--timeout', '2'])
    assert (code, out) == (EXIT_CONNECTION, '')
    one_error_line(err)


def test_the_console_script_is_installed():
    from importlib.metadata import entry_points
    found = entry_points()
    scripts = found.select(group='console_scripts') if hasattr(found, 'select') else found.get('console_scripts', ())
    assert {(e.name, e.value) for e in scripts} >= {('smsframework-clickatell', 'smsframework_clickatell.cli:main')}


# simulate

def start(argv):
    """The command line in a process of its own, and a queue of its output lines (read by a thread, so
    that every wait on the process is bounded)."""
    process = subprocess.Popen([sys.executable, '-m', 'smsframework_clickatell'] + argv, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding='utf-8',
                               env=dict(os.environ, PYTHONIOENCODING='utf-8'))
    lines = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)
    threading.Thread(target=read, daemon=True).start()
    return process, lines


def next_line(lines, timeout=PROCESS_TIMEOUT):
    line = lines.get(timeout=timeout)
    assert line is not None, 'the process ended'
    return line


@pytest.mark.skipif(sys.platform == 'win32', reason='SIGINT cannot be sent to a child process on Windows')
def test_simulate_prints_each_request_without_credentials_and_stops_on_ctrl_c(run):
    key, password = 'S1mulate-k3y', 'S1mulate-pa55'
    process, lines = start(['simulate', '--port', '0', '--api-key', key, '--api-id', '1', '--user', 'u',
                            '--password', password, '--credit', '7'])
    try:
        banner = next_line(lines)
        url = banner.split(' at ', 1)[1].split()[0]
        assert url.startswith('http://127.0.0.1:') and 'Ctrl-C' in banner
        pointer = next_line(lines)
        assert pointer.strip().endswith('--api-url ' + url)
        assert run(['balance', '--api-key', key, '--api-url', url], secrets=(key, password)) == (EXIT_OK, '7 ZAR\n', '')
        request = next_line(lines)
        # A legacy GET carries the password in its query string: never printed.
        assert requests.get(url + '/http/getbalance', params={'api_id': '1', 'user': 'u', 'password': password},
                            timeout=5).text == 'Credit: 7.00'
        legacy = next_line(lines)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=PROCESS_TIMEOUT) == 0
        out = ''.join(iter(lambda: lines.get(timeout=PROCESS_TIMEOUT), None))
        err = process.stderr.read()
    finally:
        process.kill()  # when a check failed, the process may still run
        process.wait()
        process.stdout.close()
        process.stderr.close()
    assert request.endswith(' GET /public-client/balance 200 balance 7\n')
    assert legacy.endswith(' GET /http/getbalance 200 Credit: 7.00\n')
    assert out == 'Stopped.\n' and err == ''  # stopped cleanly: no traceback
    for secret in (key, password):
        assert secret not in banner + pointer + request + legacy + out + err


def test_simulate_on_a_port_in_use_is_one_line_and_exit_3(run):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        code, out, err = run(['simulate', '--port', str(taken.getsockname()[1]), '--api-key', WRONG_KEY])
    assert (code, out) == (EXIT_CONNECTION, '')
    assert 'cannot listen on 127.0.0.1:' in one_error_line(err)


# demo

@pytest.mark.parametrize('api, delivered', [
    ('one', '5 DEVICE_ACK: delivered'),
    ('platform', '4 RECEIVED_BY_RECIPIENT: delivered'),
    ('legacy', '004 Received by recipient: delivered'),
])
def test_demo_shows_a_delivered_report_then_the_reply(api, delivered):
    process = subprocess.run([sys.executable, '-m', 'smsframework_clickatell', 'demo', '--api', api], cwd=ROOT,
                             capture_output=True, text=True, encoding='utf-8', timeout=PROCESS_TIMEOUT,
                             env=dict(os.environ, PYTHONIOENCODING='utf-8'))
    assert (process.returncode, process.stderr) == (0, '')
    out = process.stdout.splitlines()
    reports = [i for i, line in enumerate(out) if '<- gateway.onStatus: ' in line]
    replies = [i for i, line in enumerate(out) if '<- gateway.onReceive: ' in line]
    assert out[reports[-1]].endswith(delivered) and len(reports) == 2  # 003 (or its like), then delivered
    assert len(replies) == 1 and reports[-1] < replies[0]
    assert out[replies[0]].endswith("from 27999000001 to 27833001171: 'Got it, thanks! Grüße 👍' (UTF-8)")
    assert any('get_balance_details(): 99 ' in line for line in out)
    assert out[-2].split(None, 1)[1].startswith('Done')


class _DemoWithoutReports(Demo):
    """The demo with the status URL never given to the simulator: reports go nowhere, as when an
    application's receivers are not reachable."""

    def start(self, running):
        simulator, gateway, app_url = super().start(running)
        simulator.status_url = None
        return simulator, gateway, app_url


def test_demo_fails_in_time_when_a_report_does_not_arrive_and_stops_everything():
    before = set(threading.enumerate())
    with open(os.devnull, 'w') as devnull:
        demo = _DemoWithoutReports('legacy', 0.3, cli.Console(out=devnull, err=devnull))
        with pytest.raises(cli.CommandFailed, match=r'a delivery report did not arrive within 0\.3 s'):
            demo.run()
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()
            and t.name in ('demo-application', 'clickatell-simulator', 'clickatell-simulator-pusher')]
    assert left == []


def test_demo_without_flask_says_what_to_install():
    # A fresh interpreter where Flask cannot be imported, as without the receiver extra.
    script = ("import sys; sys.modules['flask'] = None\n"
              "from smsframework_clickatell.cli import main\n"
              "sys.exit(main(['demo']))\n")
    process = subprocess.run([sys.executable, '-c', script], cwd=ROOT, capture_output=True, text=True,
                             timeout=PROCESS_TIMEOUT)
    assert (process.returncode, process.stdout) == (EXIT_FAILED, '')
    assert one_error_line(process.stderr) == (
        "smsframework-clickatell: error: the demo needs Flask: pip install 'smsframework-clickatell[receiver]'")
