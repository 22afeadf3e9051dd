"""The README's examples run as written (against a mocked Clickatell), and show what they return.

An example line ``expression  # -> value`` (or a line ``# -> value`` after it) is checked: the
expression must equal the value.
"""
import ast
import json
import os
import re

import responses

from smsframework_clickatell.simulator.legacy import sendmsg_answer

from .wire import form

README = os.path.join(os.path.dirname(__file__), os.pardir, 'README.md')
MSGID = '996f364775e24b8432f45d77da8eca47'
ANSWERS = {
    'getbalance': 'Credit: 10.6',
}
def sendmsg(request):
    """Clickatell's answer: one ID for one recipient, a line per recipient for several."""
    recipients = form(request)['to'].split(',')
    if len(recipients) == 1:
        return 200, {}, 'ID: ' + MSGID
    return 200, {}, sendmsg_answer([(to, 'ID: {:032x}'.format(n)) for n, to in enumerate(recipients)])


KEY_MSGID = '77fb29ee9a2b4b6fa3e5c8d1e0f3a2b1'
PLATFORM = 'https://platform.clickatell.com'


def one_api_send(request):
    """One API's answer: every message accepted (one id for a request of one)."""
    messages = json.loads(request.body)['messages']
    ids = [KEY_MSGID] if len(messages) == 1 else ['{:032x}'.format(n) for n in range(len(messages))]
    return 202, {}, json.dumps({'messages': [{'apiMessageId': msgid, 'accepted': True, 'to': m['to'], 'error': None}
                                             for msgid, m in zip(ids, messages)], 'error': None})


def platform_send(request):
    recipients = json.loads(request.body)['to']
    return 202, {}, json.dumps({'messages': [{'apiMessageId': '{:032x}'.format(n), 'accepted': True, 'to': to}
                                             for n, to in enumerate(recipients)], 'error': None})


def querymsg(request):
    return 200, {}, 'ID: {} Status: 004'.format(form(request)['apimsgid'])


_SHOWN = re.compile(r'^(?P<expr>.*?)\s*# -> (?P<value>.+)$')


def python_blocks():
    with open(README, encoding='utf-8') as f:
        return re.findall(r'^```python\n(.*?)^```', f.read(), flags=re.M | re.S)


def with_checks(block):
    """The block with every ``# -> value`` turned into an assertion on the expression it follows."""
    lines = block.splitlines()
    for i, line in enumerate(lines):
        shown = _SHOWN.match(line)
        if not shown:
            continue
        expr = shown.group('expr').strip() or lines[i - 1].strip()
        value = shown.group('value').strip()
        ast.literal_eval(value)  # the README shows literal values only
        indent = line[:len(line) - len(line.lstrip())]  # a check inside a block stays inside it
        lines[i] = indent + 'assert ({}) == ({}), {!r}'.format(expr, value, expr)
        if not shown.group('expr').strip():
            lines[i - 1] = ''
    return '\n'.join(lines)


def test_readme_has_checked_examples():
    blocks = python_blocks()
    assert len(blocks) >= 5
    assert sum(block.count('# -> ') for block in blocks) >= 3


def run_fixture_tests(namespace, seen):
    """Run the README's new ``test_*(clickatell_simulator)`` functions, as pytest would."""
    from smsframework_clickatell.simulator import ClickatellSimulator
    for name, function in list(namespace.items()):
        if name.startswith('test_') and callable(function) and name not in seen:
            seen.add(name)
            with ClickatellSimulator(api_id='1', user='u', password='p', api_key='k') as simulator:
                function(clickatell_simulator=simulator)


def test_readme_examples_run_in_order():
    namespace = {'__name__': 'readme'}
    seen = set()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru('http://127.0.0.1')  # the simulator's examples talk to it on loopback
        mock.add_callback(responses.POST, re.compile(r'https?://api\.clickatell\.com/http/sendmsg'), sendmsg)
        mock.add_callback(responses.POST, re.compile(r'https?://api\.clickatell\.com/http/querymsg'), querymsg)
        mock.add_callback(responses.POST, PLATFORM + '/v1/message', one_api_send)
        mock.add_callback(responses.POST, PLATFORM + '/messages', platform_send)
        mock.add(responses.GET, PLATFORM + '/public-client/balance', json={'balance': 1267.92865, 'currency': 'ZAR'})
        mock.add(responses.GET, re.compile(re.escape(PLATFORM) + r'/v1/message/\w+'),
                 json={'sms': {'status': 'DEVICE_ACK', 'timestamp': 1516217711000}})
        mock.add(responses.GET, PLATFORM + '/public-client/message/status',
                 json={'status': 'RECEIVED_BY_RECIPIENT', 'statusCode': 4})
        for command, answer in ANSWERS.items():
            mock.add(responses.POST, re.compile(r'https?://api\.clickatell\.com/http/' + command), body=answer)
        for number, block in enumerate(python_blocks(), 1):
            code = compile(with_checks(block), 'README.md python block {}'.format(number), 'exec')
            try:
                exec(code, namespace)
                run_fixture_tests(namespace, seen)
            except Exception as e:
                raise AssertionError('README python block {} failed: {!r}\n{}'.format(number, e, block)) from e
