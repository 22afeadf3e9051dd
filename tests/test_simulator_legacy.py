"""The simulator's legacy HTTP API over raw HTTP: every command, every error it answers."""
import re
from urllib.parse import urlencode

import pytest
import requests

from .conftest import CREDENTIALS

MSGID = re.compile(r'[0-9a-f]{32}\Z')
LONG_GSM = 'x' * (3 * 153 + 1)  # four parts


def call(sim, command, method='POST', **fields):
    """Run a command with the simulator's credentials (overridable); the answer's text."""
    params = dict(CREDENTIALS, **fields)
    params = {k: v for k, v in params.items() if v is not None}
    url = '{}/http/{}'.format(sim.url, command)
    encoded = urlencode(params, encoding='iso-8859-1')  # as Clickatell reads it
    if method == 'GET':
        response = requests.get(url + '?' + encoded, timeout=5)
    else:
        response = requests.post(url, data=encoded, timeout=5,
                                 headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 200
    return response.text


def send(sim, **fields):
    fields.setdefault('to', '27999000001')
    fields.setdefault('text', 'hello')
    return call(sim, 'sendmsg', **fields)


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_sendmsg_to_one_recipient_answers_its_id_and_records_the_message(sim, method):
    answer = call(sim, 'sendmsg', method, to='27999000001', text='Grüße', **{'from': 'Shop', 'cliMsgId': 'order42'},
                  callback='3')
    msgid = answer[len('ID: '):]
    assert answer.startswith('ID: ') and MSGID.match(msgid)
    [message] = sim.messages
    assert (message.api, message.msgid, message.to, message.text, message.sender, message.client_message_id) == (
        'legacy', msgid, '27999000001', 'Grüße', 'Shop', 'order42')
    assert (message.parts, message.charge, message.status, message.status_name) == (1, 1.0, 4, 'Received by recipient')
    assert message.parameters == {'from': 'Shop', 'cliMsgId': 'order42', 'callback': '3'}  # no credentials






@pytest.mark.parametrize('fields, answer', [
    ({'password': 'wrong'}, 'ERR: 001, Authentication failed'),
    ({'user': 'mallory'}, 'ERR: 001, Authentication failed'),
    ({'password': None}, 'ERR: 001, Authentication failed'),
    ({'api_id': '999'}, 'ERR: 108, Invalid or missing API ID'),
    ({'api_id': None}, 'ERR: 108, Invalid or missing API ID'),
    ({'to': '0799900001'}, 'ERR: 105, Invalid destination address'),
    ({'to': '2799x00001'}, 'ERR: 105, Invalid destination address'),
    ({'to': ''}, 'ERR: 101, Invalid or missing parameters'),
    ({'text': ''}, 'ERR: 107, Empty message'),
    ({'text': '004', 'unicode': '1'}, 'ERR: 116, Invalid Unicode data'),
    ({'text': '00zz', 'unicode': '1'}, 'ERR: 116, Invalid Unicode data'),
    ({'text': 'D800', 'unicode': '1'}, 'ERR: 116, Invalid Unicode data'),
    ({'text': LONG_GSM}, 'ERR: 113, Maximum message parts exceeded'),
    ({'text': 'a' * 161, 'concat': '1'}, 'ERR: 113, Maximum message parts exceeded'),
    ({'text': '0416' * 71, 'unicode': '1', 'concat': '1'}, 'ERR: 113, Maximum message parts exceeded'),
    ({'text': 'a' * (35 * 153 + 1), 'concat': '40'}, 'ERR: 113, Maximum message parts exceeded'),
    ({'concat': 'two'}, 'ERR: 101, Invalid or missing parameters'),
    ({'concat': '0'}, 'ERR: 101, Invalid or missing parameters'),
    ({'callback': '8'}, 'ERR: 101, Invalid or missing parameters'),
    ({'cliMsgId': 'not/alnum'}, 'ERR: 101, Invalid or missing parameters'),
    ({'deliv_time': '10081'}, 'ERR: 120, Invalid delivery time'),
    ({'from': 'A sender too long'}, 'ERR: 106, Invalid source address'),
])
def test_sendmsg_errors(sim, fields, answer):
    assert send(sim, **fields) == answer
    assert sim.messages == []
    assert sim.credit == 100.0


@pytest.mark.parametrize('fields', [
    {'text': LONG_GSM, 'concat': '4'},
    {'text': 'a' * 161},  # two parts: within the default concat of 3
    {'text': '0416' * 70, 'unicode': '1', 'concat': '1'},
    {'from': '27833001171'},
    {'from': '+27833001171'},
    {'to': '+27999000001'},
])
def test_sendmsg_accepts(sim, fields):
    assert send(sim, **fields).startswith('ID: ')


def test_sendmsg_to_several_recipients_answers_a_line_each(sim):
    answer = send(sim, to='27999000001,0799900002, 27999000003').splitlines()
    assert len(answer) == 3
    assert re.fullmatch(r'ID: [0-9a-f]{32} To: 27999000001', answer[0])
    assert answer[1] == 'ERR: 105, Invalid destination address To: 0799900002'
    assert re.fullmatch(r'ID: [0-9a-f]{32} To: 27999000003', answer[2])
    assert [m.to for m in sim.messages] == ['27999000001', '27999000003']
    assert [m.msgid for m in sim.messages] == [line.split()[1] for line in (answer[0], answer[2])]
    assert sim.credit == 98.0


@pytest.mark.parametrize('method, limit', [('GET', 300), ('POST', 600)])
def test_sendmsg_takes_at_most_300_recipients_by_get_and_600_by_post(sim, method, limit):
    sim.credit = 1000
    numbers = ['27999{:06d}'.format(n) for n in range(limit + 1)]
    assert call(sim, 'sendmsg', method, to=','.join(numbers[:limit]), text='hi').count('ID: ') == limit
    assert call(sim, 'sendmsg', method, to=','.join(numbers), text='hi') == 'ERR: 101, Invalid or missing parameters'


@pytest.mark.parametrize('fields, text', [
    ({'text': '041F0440043804320435044200200021', 'unicode': '1'}, 'Привет !'),
    ({'text': 'D83DDE00', 'unicode': '1'}, '\U0001F600'),
    ({'text': 'S\xecbbnda'}, 'S\xecbbnda'),
])
def test_sendmsg_stores_the_text_decoded(sim, fields, text):
    send(sim, **fields)
    assert sim.messages[0].text == text


@pytest.mark.parametrize('fields, parts', [
    ({'text': 'a' * 160}, 1),
    ({'text': 'a' * 161}, 2),
    ({'text': '[' * 80}, 1),   # GSM extension characters take two septets each
    ({'text': '[' * 81}, 2),
    ({'text': '0416' * 70, 'unicode': '1'}, 1),
    ({'text': '0416' * 71, 'unicode': '1'}, 2),
    ({'text': '0416' * 201, 'unicode': '1'}, 3),
])
def test_sendmsg_charges_a_credit_per_part(sim, fields, parts):
    send(sim, **fields)
    assert (sim.messages[0].parts, sim.messages[0].charge) == (parts, float(parts))
    assert sim.credit == 100.0 - parts


def test_sendmsg_without_enough_credit_sends_nothing_and_charges_nothing(sim):
    sim.credit = 2.0
    assert send(sim, to='27999000001,27999000002,27999000003') == 'ERR: 301, No credit left'
    assert (sim.messages, sim.credit) == ([], 2.0)
    assert send(sim, to='27999000001,27999000002').count('ID: ') == 2
    assert send(sim) == 'ERR: 301, No credit left'
    assert sim.credit == 0.0


def test_getbalance(sim):
    assert call(sim, 'getbalance') == 'Credit: 100.00'
    send(sim, text='a' * 161)
    sim.credit = 12.5
    assert call(sim, 'getbalance', 'GET') == 'Credit: 12.50'


@pytest.mark.parametrize('outcome, status', [(None, '004'), ('failed', '007'), ('expired', '010'), (5, '005'),
                                             ('009', '009')])
def test_querymsg_answers_the_final_status(sim, outcome, status):
    sim.set_outcome('+27 999 000 001', outcome)
    msgid = send(sim, cliMsgId='abc123')[len('ID: '):]
    assert call(sim, 'querymsg', apimsgid=msgid) == 'ID: {} Status: {}'.format(msgid, status)
    assert call(sim, 'querymsg', climsgid='abc123') == 'ID: {} Status: {}'.format(msgid, status)


@pytest.mark.parametrize('command', ['querymsg', 'delmsg', 'getmsgcharge'])
@pytest.mark.parametrize('fields, answer', [
    ({'apimsgid': 'f' * 32}, 'ERR: 103, Unknown API message ID'),
    ({'climsgid': 'nosuch'}, 'ERR: 104, Unknown client message ID'),
    ({}, 'ERR: 109, Missing message ID'),
])
def test_message_commands_refuse_unknown_ids(sim, command, fields, answer):
    send(sim, cliMsgId='abc123')
    assert call(sim, command, **fields) == answer


def test_message_commands_know_only_legacy_messages(sim):
    platform_id = requests.post(sim.url + '/messages', json={'to': ['27999000001'], 'content': 'hi'},
                                headers={'Authorization': sim.api_key}, timeout=5).json()['messages'][0]['apiMessageId']
    assert call(sim, 'querymsg', apimsgid=platform_id) == 'ERR: 103, Unknown API message ID'


def test_delmsg_stops_a_message_waiting_for_its_delivery_time(sim):
    later = send(sim, deliv_time='30')[len('ID: '):]
    scheduled = send(sim, scheduled_time='4102444800')[len('ID: '):]
    now = send(sim)[len('ID: '):]
    assert call(sim, 'querymsg', apimsgid=later) == 'ID: {} Status: 011'.format(later)
    assert call(sim, 'delmsg', apimsgid=later) == 'ID: {} Status: 006'.format(later)
    assert call(sim, 'delmsg', apimsgid=scheduled) == 'ID: {} Status: 006'.format(scheduled)
    assert call(sim, 'querymsg', apimsgid=later) == 'ID: {} Status: 006'.format(later)
    assert call(sim, 'delmsg', apimsgid=now) == 'ID: {} Status: 004'.format(now)  # already delivered


def test_getmsgcharge(sim):
    msgid = send(sim, text='a' * 161)[len('ID: '):]
    assert call(sim, 'getmsgcharge', apimsgid=msgid) == 'apiMsgId: {} charge: 2 status: 004'.format(msgid)


@pytest.mark.parametrize('command', ['sendmsg', 'getbalance', 'querymsg', 'delmsg', 'getmsgcharge'])
@pytest.mark.parametrize('fields, answer', [
    ({'password': 'wrong'}, 'ERR: 001, Authentication failed'),
    ({'api_id': '1'}, 'ERR: 108, Invalid or missing API ID'),
])
def test_every_command_checks_the_credentials(sim, command, fields, answer):
    assert call(sim, command, to='27999000001', text='hi', apimsgid='x', **fields) == answer
    assert sim.messages == []


def test_a_simulator_with_only_a_key_answers_108_to_every_legacy_call():
    from smsframework_clickatell.simulator import ClickatellSimulator
    with ClickatellSimulator(api_key='k') as keyed:
        assert call(keyed, 'getbalance') == 'ERR: 108, Invalid or missing API ID'


@pytest.mark.parametrize('method, path, status', [
    ('POST', '/http/nosuchcommand', 404),
    ('PUT', '/http/sendmsg', 405),
    ('DELETE', '/http/getbalance', 405),
])
def test_unknown_commands_and_methods(sim, method, path, status):
    response = requests.request(method, sim.url + path, data=CREDENTIALS, timeout=5)
    assert response.status_code == status
    assert response.headers['Content-Type'].startswith('text/plain')


def test_the_rate_limit_does_not_apply_to_the_legacy_api(sim):
    sim.rate_limit = 0
    assert send(sim).startswith('ID: ')


def test_set_outcome_none_goes_back_to_delivered(sim):
    sim.set_outcome('27999000001', 'failed')
    sim.set_outcome('+27 999 000 001', None)
    send(sim)
    assert sim.messages[0].status == 4


def test_messages_are_a_snapshot(sim):
    msgid = send(sim, deliv_time='30')[len('ID: '):]
    before = sim.messages
    call(sim, 'delmsg', apimsgid=msgid)
    assert (before[0].status, sim.messages[0].status) == (11, 6)
    before[0].parameters['deliv_time'] = 'changed'
    assert sim.messages[0].parameters['deliv_time'] == '30'
