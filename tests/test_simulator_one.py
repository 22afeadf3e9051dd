"""The simulator's One API over raw HTTP: sending, status queries, and every error."""
import json
import re
import time

import pytest
import requests

from .conftest import API_KEY

MSGID = re.compile(r'[0-9a-f]{32}\Z')
WRONG_KEY = {'messages': [], 'error': {'code': 1, 'description': 'Invalid or missing integration API key'}}


def send(sim, *messages, key=API_KEY):
    headers = {} if key is None else {'Authorization': key}
    return requests.post(sim.url + '/v1/message', json={'messages': list(messages)}, headers=headers, timeout=5)


def sms(to='27999000001', content='hi', **fields):
    return dict({'channel': 'sms', 'to': to, 'content': content}, **fields)


def test_all_accepted_is_202(sim):
    answer = send(sim, sms(content='Привет', clientMessageId='order-17', **{'from': '27833001171'}),
                  sms('27999000002', 'different text'))
    assert answer.status_code == 202
    document = answer.json()
    assert document['error'] is None
    first, second = document['messages']
    assert MSGID.match(first['apiMessageId']) and MSGID.match(second['apiMessageId'])
    assert dict(first, apiMessageId=None) == {'apiMessageId': None, 'accepted': True, 'to': '27999000001',
                                             'clientMessageId': 'order-17', 'error': None}
    assert [(m.api, m.msgid, m.to, m.text) for m in sim.messages] == [
        ('one', first['apiMessageId'], '27999000001', 'Привет'),
        ('one', second['apiMessageId'], '27999000002', 'different text')]
    assert sim.messages[0].parameters == {'channel': 'sms', 'clientMessageId': 'order-17', 'from': '27833001171'}
    assert (sim.messages[0].status, sim.messages[0].status_name) == (5, 'DEVICE_ACK')


def test_channel_defaults_to_sms(sim):
    assert send(sim, {'to': '27999000001', 'content': 'hi'}).status_code == 202


def test_some_refused_is_207_with_errors_per_message(sim):
    answer = send(sim, sms(), sms('0799900002'), sms(content=''))
    assert answer.status_code == 207
    entries = answer.json()['messages']
    assert [e['accepted'] for e in entries] == [True, False, False]
    assert entries[1] == {'apiMessageId': None, 'accepted': False, 'to': '0799900002', 'clientMessageId': None,
                          'error': {'code': 25, 'description': 'Invalid recipient'}}
    assert entries[2]['error'] == {'code': 23, 'description': 'Invalid or missing parameter'}
    assert len(sim.messages) == 1


@pytest.mark.parametrize('message, code, status', [
    (sms('0799900002'), 25, 400),
    (sms('27 999'), 25, 400),
    (sms(to=None), 23, 400),
    (sms(content=None), 23, 400),
    (sms(content=''), 23, 400),
    (sms(clientMessageId=17), 23, 400),
    (sms(**{'from': 'far too long a sender'}), 23, 400),
    (sms(channel='whatsapp'), 38, 400),
    (sms(content='a' * (35 * 153 + 1)), 100, 400),
    ('not an object', 23, 400),
])
def test_all_refused_answers_the_first_error_status(sim, message, code, status):
    answer = send(sim, message)
    assert answer.status_code == status
    [entry] = answer.json()['messages']
    assert (entry['accepted'], entry['error']['code']) == (False, code)
    assert sim.messages == []


def test_no_credit_is_402_with_code_20(sim):
    sim.credit = 1
    answer = send(sim, sms(), sms('27999000002'))
    assert answer.status_code == 207
    assert answer.json()['messages'][1]['error'] == {'code': 20, 'description': 'Insufficient account balance'}
    answer = send(sim, sms())
    assert answer.status_code == 402


@pytest.mark.parametrize('key', [None, 'wrong', 'Bearer ' + API_KEY])
def test_a_wrong_key_is_401_with_code_1(sim, key):
    answer = send(sim, sms(), key=key)
    assert (answer.status_code, answer.json()) == (401, WRONG_KEY)
    answer = requests.get(sim.url + '/v1/message/' + 'f' * 32, headers={'Authorization': 'wrong'}, timeout=5)
    assert (answer.status_code, answer.json()) == (401, WRONG_KEY)


@pytest.mark.parametrize('body, code', [
    (b'not json', 21),
    (b'[]', 21),
    (b'{}', 21),
    (b'{"messages": []}', 21),
    (b'{"messages": {"to": "27999000001"}}', 21),
    (json.dumps({'messages': [sms()] * 201}).encode(), 22),
])
def test_unreadable_requests_are_refused_whole(sim, body, code):
    answer = requests.post(sim.url + '/v1/message', data=body, timeout=5,
                           headers={'Authorization': API_KEY, 'Content-Type': 'application/json'})
    assert answer.status_code == 400
    assert answer.json()['messages'] == [] and answer.json()['error']['code'] == code
    assert sim.messages == []


def test_up_to_200_messages(sim):
    sim.credit = 1000
    answer = send(sim, *[sms('27999{:06d}'.format(n)) for n in range(200)])
    assert answer.status_code == 202 and len(sim.messages) == 200


@pytest.mark.parametrize('outcome, name', [
    (None, 'DEVICE_ACK'), ('expired', 'EXPIRED'), ('failed', 'DELIVERY_FAILURE')])
def test_message_status(sim, outcome, name):
    sim.set_outcome('27999000001', outcome)
    msgid = send(sim, sms()).json()['messages'][0]['apiMessageId']
    answer = requests.get(sim.url + '/v1/message/' + msgid, headers={'Authorization': API_KEY}, timeout=5)
    document = answer.json()
    assert answer.status_code == 200 and list(document) == ['sms']
    assert document['sms']['status'] == name
    assert abs(document['sms']['timestamp'] - sim.messages[0].time * 1000) < 1


def test_status_of_an_unknown_message_has_no_channel_key(sim):
    before = int(time.time() * 1000)
    answer = requests.get(sim.url + '/v1/message/' + 'f' * 32, headers={'Authorization': API_KEY}, timeout=5)
    document = answer.json()
    assert answer.status_code == 200 and list(document) == ['timestamp']
    assert before <= document['timestamp'] <= time.time() * 1000


def test_balance_works_with_the_same_key(sim):
    answer = requests.get(sim.url + '/public-client/balance', headers={'Authorization': API_KEY}, timeout=5)
    assert answer.json() == {'balance': 100.0, 'currency': 'ZAR'}


@pytest.mark.parametrize('method, path, code', [
    ('GET', '/v1/message', 42),
    ('DELETE', '/v1/message/abc', 42),
    ('GET', '/v1/nothing', 41),
])
def test_unknown_resources_and_methods(sim, method, path, code):
    answer = requests.request(method, sim.url + path, headers={'Authorization': API_KEY}, timeout=5)
    assert answer.status_code == 400 and answer.json()['error']['code'] == code


def test_a_request_beyond_the_rate_limit_is_refused_whole(sim):
    sim.rate_limit = 2
    answer = send(sim, sms(), sms('27999000002'), sms('27999000003'))
    assert (answer.status_code, answer.headers['Retry-After']) == (429, '1')
    assert answer.json() == {'messages': [], 'error': {'code': 43, 'description': 'Rate limit exceeded'}}
    assert sim.messages == []
    assert send(sim, sms(), sms('27999000002')).status_code == 202
