"""What the simulator pushes, recorded by a plain HTTP server: each API's shapes, the legacy callback
levels, retries, giving up, and pushing in the background."""
import json
import logging
import re

import pytest
import requests

from smsframework_clickatell.simulator import ClickatellSimulator, PushFailed

from .conftest import API_KEY, CREDENTIALS
from .simulation import raw_fields, text_fields

NUMBER = '27999000001'


def legacy_send(sim, **fields):
    data = dict(CREDENTIALS, to=NUMBER, text='hi')
    data.update(fields)
    answer = requests.post(sim.url + '/http/sendmsg', data=data, timeout=5).text
    return answer[len('ID: '):]


def platform_send(sim, **fields):
    document = dict({'to': [NUMBER], 'content': 'hi'}, **fields)
    answer = requests.post(sim.url + '/messages', json=document, headers={'Authorization': API_KEY}, timeout=5)
    return answer.json()['messages'][0]['apiMessageId']


def one_send(sim, **fields):
    document = {'messages': [dict({'channel': 'sms', 'to': NUMBER, 'content': 'hi'}, **fields)]}
    answer = requests.post(sim.url + '/v1/message', json=document, headers={'Authorization': API_KEY}, timeout=5)
    return answer.json()['messages'][0]['apiMessageId']


# Legacy

@pytest.mark.parametrize('level, outcome, codes', [
    (0, None, []),
    (1, None, ['003']),
    (2, None, ['004']),
    (3, None, ['003', '004']),
    (3, 'failed', ['003', '007']),
    (3, 'expired', ['003', '010']),
    (4, None, []),
    (4, 'failed', ['007']),
    (4, 'expired', []),
    (5, 'failed', ['003', '007']),
    (6, None, ['004']),
    (6, '005', ['005']),
    (7, '009', ['003', '009']),
])
def test_legacy_reports_follow_the_callback_level(sim, capture, level, outcome, codes):
    receiver = capture()
    sim.status_url = receiver.url + '/status'
    sim.set_outcome(NUMBER, outcome)
    legacy_send(sim, callback=str(level))
    sim.drain()
    assert [text_fields(r.body)['status'] for r in receiver.requests] == codes


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_legacy_report_fields(sim, capture, method):
    receiver = capture()
    sim.status_url, sim.callback_method = receiver.url + '/status?account=7', method
    msgid = legacy_send(sim, callback='2', cliMsgId='abc123', **{'from': '27833001171'}, text='a' * 161)
    [request] = receiver.wait_for(1)
    assert (request.method, request.path) == (method, '/status')
    if method == 'GET':
        assert request.body == b''
        query = request.query.decode('ascii')
        assert query.startswith('account=7&')
        fields = text_fields(query.split('&', 1)[1].encode('ascii'))
    else:
        assert request.headers['Content-Type'] == 'application/x-www-form-urlencoded'
        assert request.query == b'account=7'
        fields = text_fields(request.body)
    timestamp = fields.pop('timestamp')
    assert re.fullmatch(r'[0-9]{10}', timestamp)
    assert fields == {'api_id': CREDENTIALS['api_id'], 'apiMsgId': msgid, 'cliMsgId': 'abc123', 'to': NUMBER,
                      'from': '27833001171', 'status': '004', 'charge': '2.000000'}


def test_legacy_report_without_sender_or_client_id(sim, capture):
    receiver = capture()
    sim.status_url = receiver.url
    legacy_send(sim, callback='2')
    fields = text_fields(receiver.wait_for(1)[0].body)
    assert 'from' not in fields and fields['cliMsgId'] == ''


def test_deleting_a_scheduled_message_reports_006_to_error_levels(sim, capture):
    receiver = capture()
    sim.status_url = receiver.url
    msgid = legacy_send(sim, callback='4', deliv_time='60')
    requests.post(sim.url + '/http/delmsg', data=dict(CREDENTIALS, apimsgid=msgid), timeout=5)
    assert text_fields(receiver.wait_for(1)[0].body)['status'] == '006'


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('charset, text, raw', [
    ('ISO-8859-1', 'S\xecbbnda', b'S\xecbbnda'),
    ('UTF-16BE', 'Привет', 'Привет'.encode('utf-16-be')),
    ('UTF-8', 'Grüße €', 'Grüße €'.encode('utf-8')),
])
def test_legacy_mo_fields(sim, capture, method, charset, text, raw):
    receiver = capture()
    sim.reply_url, sim.callback_method = receiver.url + '/im', method
    push = sim.inject_mo('+27 999 000 001', '27833001171', text, charset=charset)
    [request] = receiver.requests
    fields = raw_fields(request.query if method == 'GET' else request.body)
    assert fields.pop('text') == raw
    timestamp = fields.pop('timestamp').decode('ascii')
    assert re.fullmatch(r'[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}', timestamp)
    assert fields == {'api_id': CREDENTIALS['api_id'].encode(), 'moMsgId': push.msgid.encode(),
                      'from': NUMBER.encode(), 'to': b'27833001171', 'charset': charset.encode(), 'udh': b''}


# Platform

@pytest.mark.parametrize('outcome, final', [(None, (4, 'RECEIVED_BY_RECIPIENT', 'Received by recipient')),
                                            ('failed', (7, 'ERROR_DELIVERING_MESSAGE', 'Error delivering message')),
                                            ('expired', (10, 'MESSAGE_EXPIRED', 'Message expired'))])
def test_platform_status_callbacks_by_post_are_json(sim, capture, outcome, final):
    receiver = capture()
    sim.status_url = receiver.url + '/status'
    sim.set_outcome(NUMBER, outcome)
    msgid = platform_send(sim, clientMessageId='order-17', **{'from': '27833001171'})
    documents = [json.loads(r.body) for r in receiver.wait_for(2)]
    assert all(r.headers['Content-Type'] == 'application/json' for r in receiver.requests)
    for document, (code, name, text) in zip(documents, [(3, 'DELIVERED_TO_GATEWAY', 'Delivered to gateway'), final]):
        assert re.fullmatch(r'[0-9]{13}', str(document.pop('timestamp')))
        assert document == {'integrationName': sim.integration_name, 'messageId': msgid,
                            'clientMessageId': 'order-17', 'to': NUMBER, 'from': '27833001171',
                            'statusCode': code, 'status': name, 'statusDescription': text}


def test_platform_status_callbacks_by_get_are_query_parameters(sim, capture):
    receiver = capture()
    sim.status_url, sim.callback_method = receiver.url + '/status', 'GET'
    msgid = platform_send(sim)
    fields = [text_fields(r.query) for r in receiver.wait_for(2)]
    assert [(f['messageId'], f['statusCode'], f['status']) for f in fields] == [
        (msgid, '3', 'DELIVERED_TO_GATEWAY'), (msgid, '4', 'RECEIVED_BY_RECIPIENT')]
    assert 'clientMessageId' not in fields[0]  # none given: left out, not sent empty


@pytest.mark.parametrize('charset, text, sent', [
    ('UTF-8', 'Grüße €', 'Grüße €'),
    ('ISO-8859-1', 'Grüße', 'Gr%FC%DFe'),
    ('UTF-16BE', 'Привет', '%04%1F%04%40%048%042%045%04B'),
])
def test_platform_reply_callbacks_by_post(sim, capture, charset, text, sent):
    receiver = capture()
    sim.reply_url = receiver.url + '/reply'
    related = platform_send(sim)
    push = sim.inject_mo(NUMBER, '27833001171', text, charset=charset, api='platform')
    document = json.loads(receiver.requests[0].body)
    assert re.fullmatch(r'[0-9]{13}', str(document.pop('timestamp')))
    assert document == {'integrationName': sim.integration_name, 'messageId': related,
                        'replyMessageId': push.msgid, 'fromNumber': NUMBER, 'toNumber': '27833001171',
                        'text': sent, 'charset': charset, 'udh': ''}


def test_platform_reply_by_get_carries_the_raw_bytes(sim, capture):
    receiver = capture()
    sim.reply_url, sim.callback_method = receiver.url + '/reply', 'GET'
    sim.inject_mo(NUMBER, '27833001171', 'Привет', charset='UTF-16BE', api='platform')
    fields = raw_fields(receiver.requests[0].query)
    assert fields['text'] == 'Привет'.encode('utf-16-be')
    assert 'messageId' not in fields  # it replies to no message sent


# One API

@pytest.mark.parametrize('outcome, final', [(None, (5, 'DEVICE_ACK')), ('expired', (20, 'EXPIRED')),
                                            ('failed', (23, 'DELIVERY_FAILURE')), (9, (100, 'ROUTING_ERROR'))])
def test_one_api_status_envelopes(sim, capture, outcome, final):
    receiver = capture()
    sim.status_url, sim.callback_method = receiver.url + '/events', 'GET'  # One API posts all the same
    sim.set_outcome(NUMBER, outcome)
    msgid = one_send(sim, clientMessageId='order-17')
    requests_ = receiver.wait_for(2)
    assert [r.method for r in requests_] == ['POST', 'POST']
    events = []
    for request in requests_:
        document = json.loads(request.body)
        assert (document['integrationId'], document['integrationName']) == (sim.integration_id, sim.integration_name)
        [event] = document['event']['messageStatusUpdate']
        assert re.fullmatch(r'[0-9]{13}', str(event.pop('timestamp')))
        events.append(event)
    assert events == [
        {'channel': 'sms', 'messageId': msgid, 'clientMessageId': 'order-17', 'statusCode': code, 'status': name}
        for code, name in [(4, 'SENT_TO_SUPPLIER'), final]]


@pytest.mark.parametrize('charset, text', [
    ('UTF-8', 'Grüße € 😀'), ('ISO-8859-1', 'Grüße'), ('UTF-16BE', 'Привет')])
def test_one_api_mo_envelopes(sim, capture, charset, text):
    receiver = capture()
    sim.reply_url = receiver.url + '/events'
    related = one_send(sim, clientMessageId='order-17')
    platform_send(sim)  # later, but over another API: not what the reply relates to
    push = sim.inject_mo(NUMBER, '27833001171', text, charset=charset, api='one')
    document = json.loads(receiver.requests[0].body)
    [event] = document['event']['moText']
    assert re.fullmatch(r'[0-9]{13}', str(event.pop('timestamp')))
    assert event == {'channel': 'sms', 'messageId': push.msgid, 'relatedMessageId': related,
                     'relatedClientMessageId': 'order-17', 'from': NUMBER, 'to': '27833001171',
                     'content': text, 'charset': charset}


@pytest.mark.parametrize('credentials, api', [
    ({'api_key': 'k'}, 'one'),
    (dict(CREDENTIALS, api_key='k'), 'legacy'),
    (CREDENTIALS, 'legacy'),
])
def test_inject_mo_defaults_to_one_api_for_a_key_only_simulator(capture, credentials, api):
    receiver = capture()
    with ClickatellSimulator(reply_url=receiver.url, **credentials) as sim:
        assert sim.inject_mo(NUMBER, '27833001171', 'hi').api == api


# Delivery

def test_a_failed_push_is_retried(capture):
    receiver = capture(statuses=[500, 503])
    with ClickatellSimulator(status_url=receiver.url, push_retry_delays=(0, 0, 0), **CREDENTIALS) as sim:
        legacy_send(sim, callback='2')
        sim.drain()
        [push] = sim.pushes
    assert (push.delivered, push.attempts, push.http_status, push.error) == (True, 3, 200, None)
    assert len(receiver.requests) == 3


@pytest.mark.parametrize('statuses, error', [
    ([500] * 4, 'HTTP 500'),
    ([302] * 4, 'HTTP 302'),  # a redirect is not followed
])
def test_a_push_is_given_up_after_its_retries_and_logged(capture, caplog, statuses, error):
    receiver = capture(statuses=statuses)
    url = receiver.url.replace('http://', 'http://cb:s3cret@') + '/status?token=t0ken'
    with ClickatellSimulator(status_url=url, push_retry_delays=(0, 0, 0), **CREDENTIALS) as sim:
        with caplog.at_level(logging.WARNING, 'smsframework_clickatell.simulator'):
            legacy_send(sim, callback='2')
            sim.drain()
        [push] = sim.pushes
    assert (push.delivered, push.attempts, push.error) == (False, 4, error)
    assert len(receiver.requests) == 4
    assert receiver.requests[0].headers['Authorization'] == 'Basic Y2I6czNjcmV0'  # cb:s3cret
    [record] = [r for r in caplog.records if r.name == 'smsframework_clickatell.simulator']
    assert record.getMessage() == 'status push to {}/status failed after 4 attempt(s): {}'.format(receiver.url, error)
    assert 's3cret' not in caplog.text and 't0ken' not in caplog.text


def test_an_unreachable_url_is_given_up(capture):
    receiver = capture()
    receiver.close()  # nothing listens there any more
    with ClickatellSimulator(reply_url=receiver.url, push_retry_delays=(0,), **CREDENTIALS) as sim:
        with pytest.raises(PushFailed) as e:
            sim.inject_mo(NUMBER, '27833001171', 'hi')
    assert e.value.push.attempts == 2 and e.value.push.http_status is None
    assert 'Connection refused' in e.value.push.error
    assert str(e.value).startswith('mo push to {} failed after 2 attempt(s): '.format(receiver.url))


def test_sending_answers_before_the_reports_are_pushed(sim, capture):
    receiver = capture(hold=True)  # answers nothing until released
    sim.status_url = receiver.url
    msgid = legacy_send(sim, callback='3')  # answered although the push hangs
    assert re.fullmatch('[0-9a-f]{32}', msgid)
    receiver.wait_for(1)
    with pytest.raises(TimeoutError):
        sim.drain(timeout=0.05)
    receiver.release()
    sim.drain()
    assert [text_fields(r.body)['status'] for r in receiver.requests] == ['003', '004']


def test_reports_keep_their_order(sim, capture):
    receiver = capture()
    sim.status_url = receiver.url
    msgids = [legacy_send(sim, callback='3') for _ in range(10)]
    sim.drain()
    pushed = [(f['apiMsgId'], f['status']) for f in (text_fields(r.body) for r in receiver.requests)]
    assert pushed == [(msgid, code) for msgid in msgids for code in ('003', '004')]


def test_stopping_drops_the_pushes_not_made(capture, caplog):
    receiver = capture(hold=True)
    sim = ClickatellSimulator(status_url=receiver.url, push_timeout=0.2, **CREDENTIALS).start()
    legacy_send(sim, callback='3')
    receiver.wait_for(1)
    with caplog.at_level(logging.WARNING, 'smsframework_clickatell.simulator'):
        sim.stop()
    assert 'Simulator stopped with 1 push(es) not made' in caplog.text
    receiver.release()
    with sim:  # started again: what was dropped stays dropped
        sim.drain()
    assert len(receiver.requests) == 1
