"""The simulator's Platform API over raw HTTP: sending, balance, status, and every error."""
import re

import pytest
import requests

from smsframework_clickatell.simulator import ClickatellSimulator

from .conftest import API_KEY, CREDENTIALS

MSGID = re.compile(r'[0-9a-f]{32}\Z')
NO_ERROR = {'errorCode': None, 'error': None, 'errorDescription': None}
WRONG_KEY = {'messages': [], 'errorCode': 108, 'error': 'Invalid or missing integration API Key.'}


def post(sim, document, key=API_KEY, **kwargs):
    headers = {} if key is None else {'Authorization': key}
    return requests.post(sim.url + '/messages', json=document, headers=headers, timeout=5, **kwargs)


def get(sim, path, key=API_KEY, **params):
    headers = {} if key is None else {'Authorization': key}
    return requests.get(sim.url + path, params=params, headers=headers, timeout=5)


def test_send_to_several_recipients(sim):
    answer = post(sim, {'to': ['27999000001', '0799900002', '27999000003'], 'content': 'Привет',
                        'from': '27833001171', 'clientMessageId': 'order-17', 'validityPeriod': 60})
    assert answer.status_code == 202
    document = answer.json()
    entries = document.pop('messages')
    assert document == NO_ERROR
    assert [e['accepted'] for e in entries] == [True, False, True]
    assert entries[1] == {'apiMessageId': None, 'accepted': False, 'to': '0799900002', 'errorCode': 105,
                          'error': 'Invalid destination address.',
                          'errorDescription': 'The number is not in international format.'}
    for entry, message in zip([entries[0], entries[2]], sim.messages):
        assert MSGID.match(entry['apiMessageId'])
        assert dict(entry, apiMessageId=None) == dict(NO_ERROR, apiMessageId=None, accepted=True, to=message.to)
        assert (message.api, message.msgid, message.text, message.sender, message.client_message_id) == (
            'platform', entry['apiMessageId'], 'Привет', '27833001171', 'order-17')
        assert message.parameters == {'from': '27833001171', 'clientMessageId': 'order-17', 'validityPeriod': 60}
        assert (message.status, message.status_name) == (4, 'RECEIVED_BY_RECIPIENT')
    assert sim.credit == 98.0


@pytest.mark.parametrize('content, parts', [('a' * 160, 1), ('a' * 161, 2), ('Ж' * 70, 1), ('Ж' * 71, 2)])
def test_send_charges_per_part(sim, content, parts):
    post(sim, {'to': ['27999000001'], 'content': content})
    assert (sim.messages[0].parts, sim.credit) == (parts, 100.0 - parts)


def test_recipients_beyond_the_credit_are_refused(sim):
    sim.credit = 1
    entries = post(sim, {'to': ['27999000001', '27999000002'], 'content': 'hi'}).json()['messages']
    assert [(e['accepted'], e['errorCode']) for e in entries] == [(True, None), (False, 301)]
    assert entries[1]['error'] == 'No credit left.'


@pytest.mark.parametrize('key', [None, 'wrong', 'Bearer ' + API_KEY])
def test_a_wrong_key_is_refused_with_108(sim, key):
    answer = post(sim, {'to': ['27999000001'], 'content': 'hi'}, key=key)
    assert answer.status_code == 401
    document = answer.json()
    assert document.pop('errorDescription')
    assert document == WRONG_KEY
    assert sim.messages == []


def test_a_legacy_only_simulator_refuses_every_key():
    with ClickatellSimulator(**CREDENTIALS) as legacy_only:
        assert post(legacy_only, {'to': ['27999000001'], 'content': 'hi'}, key='anything').status_code == 401


@pytest.mark.parametrize('body, code', [
    (b'not json', 101),
    (b'["a list"]', 101),
    (b'{"content": "hi"}', 101),
    (b'{"to": [], "content": "hi"}', 101),
    (b'{"to": [27999000001], "content": "hi"}', 101),
    (b'{"to": ["27999000001", "27999000001"], "content": "hi"}', 101),
    (b'{"to": ["27999000001"]}', 101),
    (b'{"to": ["27999000001"], "content": 5}', 101),
    (b'{"to": ["27999000001"], "content": ""}', 107),
    (b'{"to": ["27999000001"], "content": "hi", "from": "far too long a sender"}', 106),
    (b'{"to": ["27999000001"], "content": "hi", "clientMessageId": 17}', 101),
    (b'{"to": ["27999000001"], "content": "hi", "charset": "EBCDIC"}', 101),
    (b'\xff\xfe', 101),
])
def test_unreadable_requests_are_refused_whole(sim, body, code):
    answer = requests.post(sim.url + '/messages', data=body, timeout=5,
                           headers={'Authorization': API_KEY, 'Content-Type': 'application/json'})
    assert answer.status_code == 400
    document = answer.json()
    assert (document['messages'], document['errorCode']) == ([], code)
    assert document['error'] and document['errorDescription']
    assert sim.messages == []


def test_too_long_and_too_many(sim):
    sim.credit = 1000
    assert post(sim, {'to': ['27999000001'], 'content': 'a' * (35 * 153 + 1)}).json()['errorCode'] == 113
    numbers = ['27999{:06d}'.format(n) for n in range(201)]
    assert post(sim, {'to': numbers[:200], 'content': 'hi'}).status_code == 202
    assert post(sim, {'to': numbers, 'content': 'hi'}).json()['errorCode'] == 101


def test_send_by_get(sim):
    answer = get(sim, '/messages/http/send', key=None, apiKey=API_KEY, to='27999000001', content='Grüße €')
    assert answer.status_code == 202
    [entry] = answer.json()['messages']
    assert entry['accepted'] and sim.messages[0].text == 'Grüße €'
    assert sim.messages[0].parameters == {}  # the key is not kept
    assert get(sim, '/messages/http/send', key=None, apiKey='wrong', to='27999000001', content='hi').status_code == 401
    assert get(sim, '/messages/http/send', key=None, apiKey=API_KEY, to='27999000001').json()['errorCode'] == 101


def test_balance(sim):
    assert get(sim, '/public-client/balance').json() == {'balance': 100.0, 'currency': 'ZAR'}
    post(sim, {'to': ['27999000001'], 'content': 'hi'})
    assert get(sim, '/public-client/balance').json()['balance'] == 99.0
    answer = get(sim, '/public-client/balance', key='wrong')
    assert answer.status_code == 401 and answer.json()['errorCode'] == 108


@pytest.mark.parametrize('outcome, code, name, text', [
    (None, 4, 'RECEIVED_BY_RECIPIENT', 'Received by recipient'),
    ('failed', 7, 'ERROR_DELIVERING_MESSAGE', 'Error delivering message'),
    ('expired', 10, 'MESSAGE_EXPIRED', 'Message expired'),
])
def test_message_status(sim, outcome, code, name, text):
    sim.set_outcome('27999000001', outcome)
    msgid = post(sim, {'to': ['27999000001'], 'content': 'hi'}).json()['messages'][0]['apiMessageId']
    answer = get(sim, '/public-client/message/status', messageId=msgid)
    assert answer.json() == {'messageId': msgid, 'status': name, 'statusCode': code, 'statusDescription': text}


@pytest.mark.parametrize('params, key, status, code', [
    ({'messageId': 'f' * 32}, API_KEY, 404, 103),
    ({}, API_KEY, 400, 109),
    ({'messageId': 'f' * 32}, 'wrong', 401, 108),
])
def test_message_status_errors(sim, params, key, status, code):
    answer = get(sim, '/public-client/message/status', key=key, **params)
    assert (answer.status_code, answer.json()['errorCode']) == (status, code)


def test_message_status_knows_only_platform_messages(sim):
    document = {'messages': [{'to': '27999000001', 'content': 'hi'}]}
    one_id = requests.post(sim.url + '/v1/message', json=document, headers={'Authorization': API_KEY},
                           timeout=5).json()['messages'][0]['apiMessageId']
    assert get(sim, '/public-client/message/status', messageId=one_id).status_code == 404


@pytest.mark.parametrize('method, path, status', [
    ('GET', '/messages', 405),
    ('PUT', '/public-client/balance', 405),
    ('GET', '/public-client/nothing', 404),
])
def test_unknown_resources_and_methods(sim, method, path, status):
    answer = requests.request(method, sim.url + path, headers={'Authorization': API_KEY}, timeout=5)
    assert answer.status_code == status
    assert answer.json()['messages'] == [] and answer.json()['error']
