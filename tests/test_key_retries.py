"""Retries of the key-based APIs, counted at a loopback server: a send is tried again only when the
connection could not be made (so it never reached Clickatell) or when it was refused for the rate limit
(so it was not accepted); a read also after a dropped connection, a time-out, HTTP 429 / 5xx, and an
internal error or rate limit its body names."""

import pytest
import urllib3.util.connection
from smsframework import OutgoingMessage

from smsframework_clickatell import error

from .conftest import closed_port_url, fast_retries
from .jsonloopback import JsonLoopbackServer, reply, sequence
from .keyapi import key_provider
from .loopback import DROP, HANG

SEND_PATH = {'one': '/v1/message', 'platform': '/messages'}
APIS = ['one', 'platform']

UNAVAILABLE = reply(raw='<html>busy</html>', status=503)
ONE_API_19 = {'error': {'code': 19, 'description': 'Internal error, please try again'}}


@pytest.fixture
def json_loopback(loopback):
    return lambda script=None: loopback(*(() if script is None else (script,)), server_class=JsonLoopbackServer)


@pytest.fixture
def connections(monkeypatch):
    """Counts the connections urllib3 tries to make; `refuse` = how many of the first ones are refused."""
    real = urllib3.util.connection.create_connection

    class Attempts:
        count = 0
        refuse = 0

        @classmethod
        def create_connection(cls, *args, **kwargs):
            cls.count += 1
            if cls.count <= cls.refuse:
                raise ConnectionRefusedError(111, 'Connection refused')
            return real(*args, **kwargs)
    monkeypatch.setattr(urllib3.util.connection, 'create_connection', Attempts.create_connection)
    return Attempts



def send(api, url, **options):
    options.setdefault('retries', fast_retries(3))
    return key_provider(api, api_url=url, **options).send(OutgoingMessage('27999000001', 'Hi'))


# Sends

@pytest.mark.parametrize('api', APIS)
def test_a_send_is_retried_when_the_connection_could_not_be_made(json_loopback, connections, api):
    server = json_loopback()
    connections.refuse = 2
    assert send(api, server.url).msgid == 'id27999000001'
    assert connections.count == 3 and server.count(SEND_PATH[api]) == 1


@pytest.mark.parametrize('api', APIS)
def test_a_send_to_a_closed_port_tries_retries_plus_one_times_then_raises(connections, api):
    with pytest.raises(error.ClickatellConnectionError):
        send(api, closed_port_url(), retries=fast_retries(2))
    assert connections.count == 3


@pytest.mark.parametrize('api', APIS)
@pytest.mark.parametrize('first, raised', [
    (DROP, error.ClickatellConnectionError),
    (HANG, error.ClickatellTimeout),
    (UNAVAILABLE, error.ClickatellApiServerError),
    (reply(raw='', status=500), error.ClickatellApiServerError),
    (reply(ONE_API_19, status=503), error.ClickatellApiServerError),
    (reply(ONE_API_19, status=200), {'one': error.ClickatellApiServerError, 'platform': error.ClickatellApiRefused}),
], ids=['dropped', 'timed-out', '503', '500', '19-at-503', '19-at-200'])
def test_a_send_that_may_have_reached_clickatell_is_never_retried(json_loopback, connections, api, first, raised):
    server = json_loopback(sequence(first))
    with pytest.raises(raised[api] if isinstance(raised, dict) else raised):
        send(api, server.url, timeout=(2, 0.3))
    assert server.count(SEND_PATH[api]) == 1 and connections.count == 1


def test_the_platform_code_43_is_not_a_rate_limit_and_is_never_retried(json_loopback, connections):
    # 43 is One API's rate-limit code; the Platform has no code table, so it is a refusal like any other.
    server = json_loopback(sequence(reply({'error': {'code': 43, 'description': 'Rate limit'}}, status=400)))
    with pytest.raises(error.ClickatellApiRefused):
        send('platform', server.url)
    assert server.count(SEND_PATH['platform']) == 1


RATE_LIMITED = {
    '429-retry-after': (reply(raw='', status=429, headers=[('Retry-After', '1')]), [1.0, 1.0]),
    '429': (reply(raw='', status=429), [0.75 * 0.25, 0.75 * 0.5]),
    '43-at-400': (reply({'error': {'code': 43, 'description': 'Rate limit'}}, status=400), [0.75 * 0.25, 0.75 * 0.5]),
}


@pytest.mark.parametrize('api, refusal', [('one', '429-retry-after'), ('platform', '429-retry-after'),
                                          ('one', '429'), ('one', '43-at-400')])
def test_a_send_refused_for_the_rate_is_sent_again_within_the_retry_budget(json_loopback, fake_clock, api, refusal):
    # A refusal for the rate was not accepted: sending the message again cannot send it twice.
    answer, waits = RATE_LIMITED[refusal]
    server = json_loopback(sequence(answer, answer))
    assert send(api, server.url).msgid == 'id27999000001'
    assert server.count(SEND_PATH[api]) == 3 and fake_clock.waits == waits


@pytest.mark.parametrize('api', APIS)
def test_a_send_refused_for_the_rate_gives_up_when_the_retry_budget_is_spent(json_loopback, fake_clock, api):
    answer = RATE_LIMITED['429-retry-after'][0]
    server = json_loopback(sequence(answer, answer, answer))
    with pytest.raises(error.ClickatellApiLimitsError):
        send(api, server.url, retries=fast_retries(1))
    assert server.count(SEND_PATH[api]) == 2 and fake_clock.waits == [1.0]


# Reads

READS = {
    'balance': ('platform', '/public-client/balance', lambda p: p.get_balance(), 10.5),
    'one-balance': ('one', '/public-client/balance', lambda p: p.get_balance(), 10.5),
    'one-status': ('one', '/v1/message/abc', lambda p: p.query_status('abc').status, 'DEVICE_ACK'),
    'platform-status': ('platform', '/public-client/message/status', lambda p: p.query_status('abc').status,
                        'RECEIVED_BY_RECIPIENT'),
}


def read(name, url, **options):
    api, _, call, _ = READS[name]
    options.setdefault('retries', fast_retries(3))
    return call(key_provider(api, api_url=url, **options))


@pytest.mark.parametrize('name', sorted(READS))
@pytest.mark.parametrize('failures', [
    (UNAVAILABLE, UNAVAILABLE),
    (reply(raw='', status=502), reply(raw='', status=504)),
    (DROP,),
    (HANG,),
], ids=['503-twice', '502-504', 'dropped', 'timed-out'])
def test_a_read_is_retried_after_transient_failures(json_loopback, name, failures):
    server = json_loopback(sequence(*failures))
    assert read(name, server.url, timeout=(2, 0.3)) == READS[name][3]
    assert server.count(READS[name][1]) == len(failures) + 1


@pytest.mark.parametrize('name', sorted(READS))
def test_a_read_is_retried_after_429(json_loopback, name):
    server = json_loopback(sequence(reply(raw='', status=429)))
    assert read(name, server.url, retries=1) == READS[name][3]
    assert server.count(READS[name][1]) == 2


@pytest.mark.parametrize('name', ['one-status', 'one-balance'])
@pytest.mark.parametrize('failure', [
    reply(ONE_API_19, status=200),
    reply(ONE_API_19, status=400),
    reply({'error': {'code': 43, 'description': 'Rate limit'}}, status=400),
], ids=['19-at-200', '19-at-400', '43-at-400'])
def test_a_read_is_retried_after_an_internal_error_or_rate_limit_its_body_names(json_loopback, name, failure):
    server = json_loopback(sequence(failure, failure))
    assert read(name, server.url) == READS[name][3]
    assert server.count(READS[name][1]) == 3


@pytest.mark.parametrize('failure, raised', [
    (UNAVAILABLE, error.ClickatellApiServerError),
    (reply(ONE_API_19, status=503), error.ClickatellApiServerError),
    (reply(ONE_API_19, status=200), error.ClickatellApiServerError),
], ids=['503', '19-at-503', '19-at-200'])
def test_a_read_gives_up_after_its_retries_with_the_last_error(json_loopback, failure, raised):
    server = json_loopback(sequence(then=lambda request: failure))
    with pytest.raises(raised) as caught:
        read('one-status', server.url, retries=fast_retries(2))
    assert caught.value.code in (None, 19)
    assert server.count('/v1/message/abc') == 3  # retries + 1, not more


@pytest.mark.parametrize('name', sorted(READS))
@pytest.mark.parametrize('failure, raised', [
    (reply({'error': {'code': 1, 'description': 'Invalid key'}, 'errorCode': 108}, status=401),
     (error.ClickatellApiAuthError, error.ClickatellApiUnsupportedError)),
    (reply(raw='<html>nope</html>', status=200), error.ClickatellResponseError),
], ids=['auth', 'unreadable'])
def test_a_read_is_not_retried_after_an_answer_that_retrying_cannot_change(json_loopback, name, failure, raised):
    server = json_loopback(sequence(then=lambda request: failure))
    with pytest.raises(raised):
        read(name, server.url)
    assert server.count(READS[name][1]) == 1


@pytest.mark.parametrize('name', sorted(READS))
def test_no_retries_with_retries_0(json_loopback, name):
    server = json_loopback(sequence(then=lambda request: UNAVAILABLE))
    with pytest.raises(error.ClickatellApiServerError):
        read(name, server.url, retries=0)
    assert server.count(READS[name][1]) == 1
