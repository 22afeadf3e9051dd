"""The simulator as a server: its life cycle, bad input, thread safety, its logs, its control API,
and the checks of its Python methods."""
import json
import logging
import socket
import threading

import pytest
import requests

from smsframework_clickatell.simulator import ClickatellSimulator

from .conftest import API_KEY, CREDENTIALS, raw_exchange
from .simulation import wait_until


def raw_request(sim, data):
    """Send raw bytes; the status line and the whole answer (the server closes after a bad request)."""
    host, port = sim.url[len('http://'):].split(':')
    answer = raw_exchange(host, int(port), data)
    return answer.split(b'\r\n', 1)[0], answer


def balance(sim):
    return requests.post(sim.url + '/http/getbalance', data=CREDENTIALS, timeout=5).text


# Life cycle

def test_start_stop_and_url():
    sim = ClickatellSimulator(api_key='k')
    assert sim.url is None
    with sim:
        assert sim.url.startswith('http://127.0.0.1:')
        with pytest.raises(RuntimeError):
            sim.start()
        url = sim.url
    assert sim.url is None
    sim.stop()  # again: nothing to do
    with pytest.raises(requests.ConnectionError):
        requests.get(url + '/simulator/messages', timeout=2)


def test_a_given_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    with ClickatellSimulator(api_key='k', port=port) as sim:
        assert sim.url == 'http://127.0.0.1:{}'.format(port)


def test_stop_closes_kept_alive_connections():
    before = set(threading.enumerate())
    with ClickatellSimulator(**CREDENTIALS) as sim:
        session = requests.Session()
        session.post(sim.url + '/http/getbalance', data=CREDENTIALS, timeout=5)  # a connection left open
    # Without closing it, its handler thread would wait for the next request for a minute.
    wait_until(lambda: not [t for t in threading.enumerate() if t not in before and t.is_alive()],
               what='the handler threads to end')
    session.close()


def test_credentials_are_readable_and_not_in_the_repr():
    sim = ClickatellSimulator(api_id=12345, user='alice', password='S3cret', api_key='K3y')
    assert (sim.api_id, sim.user, sim.password, sim.api_key) == ('12345', 'alice', 'S3cret', 'K3y')
    assert 'S3cret' not in repr(sim) and 'K3y' not in repr(sim)
    with pytest.raises(AttributeError):
        sim.api_key = 'other'


@pytest.mark.parametrize('options', [
    {},
    {'api_id': '1'},
    {'api_id': '1', 'user': 'u'},
    {'user': 'u', 'password': 'p', 'api_key': 'k'},
    {'api_key': 'k', 'callback_method': 'PUT'},
    {'api_key': 'k', 'push_retry_delays': (0.1, -1)},
])
def test_constructor_refuses(options):
    with pytest.raises(ValueError):
        ClickatellSimulator(**options)


def test_callback_method_set_later_is_checked(sim):
    sim.callback_method = 'GET'
    with pytest.raises(ValueError):
        sim.callback_method = 'PUT'
    assert sim.callback_method == 'GET'


# Bad input

@pytest.mark.parametrize('data, status', [
    (b'GET /http/getbalance HTTP/1.1\r\nX: ' + b'a' * 70000 + b'\r\n\r\n', b'431'),
    (b'GET /http/getbalance HTTP/1.1\r\n' + b'X: 1\r\n' * 200 + b'\r\n', b'431'),
    (b'BREW /v1/message HTTP/1.1\r\nConnection: close\r\n\r\n', b'400'),  # One API's "method not supported"
    (b'BREW /http/sendmsg HTTP/1.1\r\nConnection: close\r\n\r\n', b'405'),
    (b'GET /http/getbalance HTTP/1.1\r\nContent-Length: many\r\n\r\n', b'400'),
    (b'POST /http/getbalance HTTP/1.1\r\nContent-Length: -4\r\n\r\n', b'400'),
    (b'POST /http/sendmsg HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n', b'413'),
    (b'POST /messages HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', b'411'),
])
def test_bad_requests_get_4xx_and_the_server_carries_on(sim, data, status):
    status_line, _ = raw_request(sim, data)
    assert status_line.split()[1] == status
    assert balance(sim) == 'Credit: 100.00'


def test_an_http_0_9_request_is_refused_and_the_server_carries_on(sim):
    _, answer = raw_request(sim, b'NONSENSE\r\n\r\n')
    assert b'400' in answer
    assert balance(sim) == 'Credit: 100.00'


def test_head_gets_no_body(sim):
    status_line, answer = raw_request(sim, b'HEAD /v1/message HTTP/1.1\r\nConnection: close\r\n\r\n')
    assert status_line.split()[1] == b'400'
    assert answer.endswith(b'\r\n\r\n')


@pytest.mark.parametrize('path', ['/', '/favicon.ico', '/http', '/v1', '/simulator/nothing'])
def test_unknown_paths_are_404(sim, path):
    assert requests.get(sim.url + path, timeout=5).status_code in (404, 400)


def test_non_ascii_and_broken_escapes_in_a_form_are_read_not_refused(sim):
    body = b'api_id=3456789&user=alice&password=S3cr3t-pa55&to=27999000001&text=Gr%FC\xdfe%zz'
    answer = requests.post(sim.url + '/http/sendmsg', data=body, timeout=5,
                           headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert answer.text.startswith('ID: ')
    assert sim.messages[0].text == 'Grü\xdfe%zz'


# Threads

def test_concurrent_sends_are_all_recorded_and_charged_once(sim):
    sim.credit = 1000
    errors = []

    def sender(n):
        with requests.Session() as session:
            for i in range(25):
                answer = session.post(sim.url + '/http/sendmsg', timeout=5, data=dict(
                    CREDENTIALS, to='27999{:03d}{:03d}'.format(n, i), text='hi'))
                if not answer.text.startswith('ID: '):
                    errors.append(answer.text)
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    messages = sim.messages
    assert len(messages) == 200 and len({m.msgid for m in messages}) == 200
    assert sim.credit == 800.0


# Logs

def test_credentials_are_never_logged(caplog, capsys, capture):
    reports, replies = capture(statuses=[500] * 3), capture(statuses=[500] * 3)
    with caplog.at_level(logging.DEBUG, 'smsframework_clickatell'):
        with ClickatellSimulator(api_key=API_KEY, status_url=reports.url.replace('//', '//cb:Cb-pa55@'),
                                 reply_url=replies.url + '/?secret=Qu3ry', push_retry_delays=(0, 0),
                                 **CREDENTIALS) as sim:
            requests.get(sim.url + '/http/sendmsg', timeout=5, params=dict(
                CREDENTIALS, to='27999000001', text='hi', callback='2'))
            requests.get(sim.url + '/http/getbalance', params=dict(CREDENTIALS, password='Wr0ng-pa55'), timeout=5)
            requests.post(sim.url + '/v1/message', headers={'Authorization': API_KEY}, timeout=5,
                          json={'messages': [{'to': '27999000001', 'content': 'hi'}]})
            requests.get(sim.url + '/messages/http/send', timeout=5,
                         params={'apiKey': API_KEY, 'to': '27999000001', 'content': 'hi'})
            raw_request(sim, 'GET /http/x?password={} HTTP/9\r\n\r\n'.format(CREDENTIALS['password']).encode())
            with pytest.raises(Exception):
                sim.inject_mo('27999000001', '27833001171', 'hi')
            sim.drain()
    logged = '\n'.join(r.getMessage() for r in caplog.records if r.name.startswith('smsframework_clickatell'))
    assert 'GET /http/sendmsg 200 ID: ' in logged  # requests are logged ...
    assert 'mo push to {}/ failed'.format(replies.url) in logged
    printed = capsys.readouterr()
    for secret in (CREDENTIALS['password'], 'Wr0ng-pa55', API_KEY, 'Cb-pa55', 'Qu3ry'):
        assert secret not in logged  # ... without their secrets
        assert secret not in printed.err and secret not in printed.out  # nor http.server's own lines


# Control API

def test_control_api_lists_the_messages(sim):
    requests.post(sim.url + '/http/sendmsg', data=dict(CREDENTIALS, to='27999000001', text='hi'), timeout=5)
    answer = requests.get(sim.url + '/simulator/messages', timeout=5)
    [listed] = answer.json()
    message = sim.messages[0]
    assert listed == dict(message.as_dict())
    assert (listed['api'], listed['to'], listed['text'], listed['status'], listed['charge']) == (
        'legacy', '27999000001', 'hi', 4, 1.0)


def test_control_api_injects_incoming_messages(sim, capture):
    receiver = capture(statuses=[200, 500, 500, 500])
    sim.reply_url = receiver.url
    answer = requests.post(sim.url + '/simulator/mo', timeout=5, json={
        'from': '27999000001', 'to': '27833001171', 'text': 'Привет', 'charset': 'UTF-16BE', 'api': 'platform'})
    assert answer.status_code == 200
    document = answer.json()
    assert document['delivered'] and document['http_status'] == 200
    assert json.loads(receiver.requests[0].body)['replyMessageId'] == document['msgid']

    answer = requests.post(sim.url + '/simulator/mo', json={'from': '1234567', 'to': '7654321', 'text': 'x'},
                           timeout=5)
    assert answer.status_code == 502
    assert answer.json()['delivered'] is False and answer.json()['http_status'] == 500


@pytest.mark.parametrize('body', [
    b'not json', b'[]', b'{"from": "27999000001", "to": "27833001171"}',
    b'{"from": "27999000001", "to": "27833001171", "text": "hi", "api": "smoke signals"}',
    b'{"from": "27999000001", "to": "27833001171", "text": "\xe2\x82\xac"}',  # ISO-8859-1 has no euro
])
def test_control_api_refuses_bad_injections(sim, capture, body):
    sim.reply_url = capture().url
    answer = requests.post(sim.url + '/simulator/mo', data=body, timeout=5)
    assert answer.status_code == 400 and answer.json()['error']


def test_control_api_without_a_reply_url(sim):
    answer = requests.post(sim.url + '/simulator/mo', json={'from': '27999000001', 'to': '1', 'text': 'x'}, timeout=5)
    assert answer.status_code == 400 and 'reply_url' in answer.json()['error']


# Python checks

@pytest.mark.parametrize('outcome', ['bogus', 13, '0x7', None.__class__, True, 4.5, ''])
def test_set_outcome_refuses_unknown_statuses(sim, outcome):
    with pytest.raises(ValueError):
        sim.set_outcome('27999000001', outcome)


@pytest.mark.parametrize('outcome, code', [(7, 7), ('007', 7), ('  Delivered ', 4), ('EXPIRED', 10), ('failed', 7)])
def test_set_outcome_takes_codes_and_words(sim, outcome, code):
    sim.set_outcome('27999000001', outcome)
    requests.post(sim.url + '/http/sendmsg', data=dict(CREDENTIALS, to='27999000001', text='hi'), timeout=5)
    assert sim.messages[0].status == code


@pytest.mark.parametrize('arguments, error', [
    ({'api': 'sms'}, ValueError),
    ({'charset': 'UTF-32'}, ValueError),
    ({'text': '€'}, ValueError),
    ({'src': 'me'}, ValueError),
])
def test_inject_mo_refuses(sim, capture, arguments, error):
    sim.reply_url = capture().url
    call = dict({'src': '27999000001', 'dst': '27833001171', 'text': 'hi'}, **arguments)
    with pytest.raises(error):
        sim.inject_mo(**call)


def test_inject_mo_needs_credentials_for_the_api(capture):
    with ClickatellSimulator(api_key='k', reply_url=capture().url) as sim:
        with pytest.raises(ValueError, match='legacy'):
            sim.inject_mo('27999000001', '27833001171', 'hi', api='legacy')


@pytest.mark.parametrize('path, status', [('/v1/message', 400), ('/messages', 400), ('/simulator/mo', 400)])
def test_json_nested_too_deeply_is_refused_not_a_crash(sim, path, status):
    body = b'[' * 100000 + b']' * 100000
    answer = requests.post(sim.url + path, data=body, timeout=5,
                           headers={'Authorization': API_KEY, 'Content-Type': 'application/json'})
    assert answer.status_code == status


def test_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(('::1', 0))
    except (OSError, AttributeError):
        pytest.skip('no IPv6 loopback here')
    sim = ClickatellSimulator(api_key='k', host='::1').start()
    try:
        assert sim.url.startswith('http://[::1]:')
        answer = requests.get(sim.url + '/public-client/balance', headers={'Authorization': 'k'}, timeout=5)
        assert answer.json()['balance'] == 100.0
    finally:
        sim.stop()
