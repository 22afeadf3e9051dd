"""The simulator pushes to the real Flask receivers (served on loopback): delivery reports by GET and
POST, and incoming messages in every charset, reach gateway.onStatus and gateway.onReceive."""
from datetime import datetime, timedelta, timezone

import pytest
from smsframework import MessageAccepted, MessageDelivered, MessageError, MessageExpired, OutgoingMessage

from smsframework_clickatell.status import (OneApiAccepted, OneApiDelivered, OneApiError, OneApiExpired, S003, S004,
                                            S007, S010)

from .conftest import API_KEY, CREDENTIALS
from .simulation import Receivers


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


@pytest.fixture(params=['GET', 'POST'])
def method(request, sim):
    sim.callback_method = request.param
    return request.param


@pytest.mark.parametrize('outcome, final, meaning', [
    (None, S004, MessageDelivered),
    ('failed', S007, MessageError),
    ('expired', S010, MessageExpired),
])
def test_status_reports_reach_on_status(sim, receivers, method, outcome, final, meaning):
    sim.set_outcome('27999000001', outcome)
    before = utcnow().replace(microsecond=0)
    message = receivers.gateway.send(OutgoingMessage('+27999000001', 'hi', src='27833001171')
                                     .options(status_report=True).params(cliMsgId='order42'))
    first, second = receivers.wait_statuses(2)
    assert [type(first), type(second)] == [S003, final]
    assert isinstance(first, MessageAccepted) and isinstance(second, meaning)
    for status in (first, second):
        assert status.msgid == message.msgid
        assert status.provider == 'clickatell'
        assert status.meta == {'status': status.status_code, 'api_id': CREDENTIALS['api_id'], 'charge': 1.0,
                               'cliMsgId': 'order42'}
        assert before <= status.rtime <= utcnow()
    sim.drain()
    assert [p.method for p in sim.pushes] == [method, method]


def test_no_status_report_without_a_callback_level(sim, receivers):
    silent = receivers.gateway.send(OutgoingMessage('27999000001', 'hi'))
    reported = receivers.gateway.send(OutgoingMessage('27999000002', 'hi').options(status_report=True))
    sim.drain()
    assert {s.msgid for s in receivers.statuses} == {reported.msgid} != {silent.msgid}


@pytest.mark.parametrize('charset, text', [
    ('ISO-8859-1', 'Hi, man'),
    ('ISO-8859-1', 'S\xecbbnda Gr\xfc\xdfe'),
    ('UTF-16BE', 'Привет, жопа!'),
    ('UTF-16BE', 'emoji \U0001F600 and €'),
    ('UTF-8', 'Grüße € 😀'),
])
def test_incoming_messages_reach_on_receive(sim, receivers, method, charset, text):
    before = utcnow().replace(microsecond=0)
    push = sim.inject_mo('+27 999 000 001', '27833001171', text, charset=charset)
    assert push.delivered and push.http_status == 200 and push.method == method
    [message] = receivers.messages  # inject_mo returns once the receiver has answered
    assert (message.src, message.dst, message.body, message.msgid) == ('27999000001', '27833001171', text, push.msgid)
    assert message.meta['charset'] == charset and message.meta['api_id'] == CREDENTIALS['api_id']
    # Clickatell writes GMT+2 to the second; the receiver gives naive UTC.
    assert before - timedelta(seconds=1) <= message.rtime <= utcnow()


def test_reports_and_replies_through_receiver_auth(sim):
    served = Receivers(sim.url, CREDENTIALS, receiver_auth=('callback', 'pa55 word'))
    try:
        bare = served.url.replace('http://', 'http://callback:pa55%20word@')
        sim.status_url, sim.reply_url = bare + '/status', bare + '/im'
        served.gateway.send(OutgoingMessage('27999000001', 'hi').options(status_report=True))
        sim.inject_mo('27999000001', '27833001171', 'yes')
        served.wait_statuses(2)
        assert [m.body for m in served.messages] == ['yes']

        sim.reply_url = served.url + '/im'  # without the credentials: refused
        with pytest.raises(Exception) as e:
            sim.inject_mo('27999000001', '27833001171', 'no')
        assert e.value.push.http_status == 401
    finally:
        served.close()


def test_a_failing_hook_makes_the_simulator_retry(sim, receivers):
    failures = []

    def flaky(status):
        if len(failures) < 2:
            failures.append(status)
            raise RuntimeError('database down')
    receivers.gateway.onStatus += flaky
    receivers.gateway.send(OutgoingMessage('27999000001', 'hi').params(callback=2))
    sim.drain()
    [push] = sim.pushes
    assert (push.delivered, push.attempts) == (True, 3)
    assert [type(s) for s in receivers.statuses] == [S004] * 3  # the hook saw each attempt


# The key-based APIs: the same loop, their own shapes

KEYED = [('platform', 'GET'), ('platform', 'POST'), ('one', 'POST')]


@pytest.fixture(params=KEYED, ids=['-'.join(p) for p in KEYED])
def keyed(request, sim):
    """Receivers of a provider of the API, served on loopback; `sim` pushes to them by the method."""
    api, method = request.param
    served = Receivers(sim.url, {'api_key': API_KEY}, api=api)
    sim.status_url, sim.reply_url, sim.callback_method = served.url + '/status', served.url + '/im', method
    served.api = api
    yield served
    served.close()


@pytest.mark.parametrize('outcome', [None, 'failed', 'expired'])
def test_keyed_status_reports_reach_on_status(sim, keyed, outcome):
    expected = {
        'platform': {None: [S003, S004], 'failed': [S003, S007], 'expired': [S003, S010]},
        'one': {None: [OneApiAccepted, OneApiDelivered], 'failed': [OneApiAccepted, OneApiError],
                'expired': [OneApiAccepted, OneApiExpired]},
    }[keyed.api][outcome]
    sim.set_outcome('27999000001', outcome)
    before = utcnow() - timedelta(seconds=1)
    message = keyed.gateway.send(OutgoingMessage('+27999000001', 'hi').params(clientMessageId='order-17'))
    statuses = keyed.wait_statuses(2)
    assert [type(s) for s in statuses] == expected
    for status in statuses:
        assert status.msgid == message.msgid
        assert status.meta['clientMessageId'] == 'order-17'
        assert before <= status.rtime <= utcnow()
    sent = sim.messages[0]
    assert (statuses[1].status_code, statuses[1].status) == (sent.status, sent.status_name)


@pytest.mark.parametrize('charset, text', [
    ('ISO-8859-1', 'S\xecbbnda Gr\xfc\xdfe'),
    ('UTF-16BE', 'Привет, жопа!'),
    ('UTF-8', 'Grüße € 😀'),
])
def test_keyed_replies_reach_on_receive(sim, keyed, charset, text):
    related = keyed.gateway.send(OutgoingMessage('27999000001', 'Shall we?'))
    push = sim.inject_mo('+27 999 000 001', '27833001171', text, charset=charset, api=keyed.api)
    assert push.delivered and push.api == keyed.api
    [message] = keyed.messages
    assert (message.src, message.dst, message.body, message.msgid) == ('27999000001', '27833001171', text, push.msgid)
    assert message.meta['charset'] == charset
    replied_to = {'platform': 'messageId', 'one': 'relatedMessageId'}[keyed.api]
    assert message.meta[replied_to] == related.msgid
