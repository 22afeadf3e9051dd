"""Retries: read-only commands are tried again after transient failures; a sendmsg only when it surely
never reached Clickatell, so that no message goes out twice. Against loopback servers."""
import logging
import socket
import sys

import pytest
from smsframework import OutgoingMessage, exc
from urllib3.util.retry import RequestHistory, Retry

from smsframework_clickatell import error
from smsframework_clickatell.transport.retries import retry_policies

from .conftest import CREDENTIALS, closed_port_url, fast_retries, make_provider
from .loopback import DROP, HANG, answer, sequence

UNAVAILABLE = answer('<html>busy</html>', status=503)


def urllib3_retries(caplog):
    return [r for r in caplog.records if r.name.startswith('urllib3') and 'Retrying' in r.getMessage()]


# Read-only commands: tried again after any transient failure, within the retries.

INTERNAL = answer('ERR: 901, Internal error (please retry)')
balance = lambda provider: provider.get_balance()  # noqa: E731

#: failure → (the server's replies in turn, provider options, the call, what it returns, requests made)
READ_RETRIES = {
    'HTTP 503 twice': ((UNAVAILABLE, UNAVAILABLE, answer('Credit: 7.5')), dict(retries=fast_retries(3)),
                       balance, 7.5, 3),
    'a dropped connection': ((DROP, answer('Credit: 1')), dict(retries=1), balance, 1.0, 2),
    'a read time-out': ((HANG, answer('Credit: 2')), dict(retries=1, timeout=(2, 0.3)), balance, 2.0, 2),
    'ERR 901 twice': ((INTERNAL, INTERNAL, answer('Credit: 3')), dict(retries=fast_retries(3)), balance, 3.0, 3),
    'HTTP 503 on querymsg': ((UNAVAILABLE,), dict(retries=1), lambda p: p.query_status('abc123').status_code, 4, 2),
    'HTTP 503 on api_request, whatever the spelling': (
        (UNAVAILABLE, answer('Credit: 4')), dict(retries=1), lambda p: p.api_request('http/GetBalance'),
        'Credit: 4', 2),
    # urllib3's default allowed methods lack POST, and every command is a POST: it is added.
    'HTTP 503 twice, under a urllib3 Retry without POST': (
        (UNAVAILABLE, UNAVAILABLE, answer('Credit: 5')),
        dict(retries=Retry(total=2, status_forcelist=[503], backoff_factor=0)), balance, 5.0, 3),
}


@pytest.mark.parametrize('failure', list(READ_RETRIES))
def test_a_read_only_call_is_retried_after(loopback, failure):
    replies, options, call, expected, requests_made = READ_RETRIES[failure]
    server = loopback(sequence(*replies))
    assert call(make_provider(server.url, **options)) == expected
    assert len(server.requests) == requests_made


#: failure → (the reply every time, provider options, the error raised, requests made)
READ_GIVE_UPS = {
    'HTTP 503, with the last HTTP error': (UNAVAILABLE, dict(retries=fast_retries(2)),
                                           error.ClickatellHTTPServerError, 3),
    'ERR 901, as E901': (INTERNAL, dict(retries=fast_retries(2)), error.E901, 3),
    'anything, with retries=0 at once': (UNAVAILABLE, dict(retries=0), error.ClickatellHTTPServerError, 1),
}


@pytest.mark.parametrize('failure', list(READ_GIVE_UPS))
def test_a_read_only_call_gives_up_after_its_retries_on(loopback, caplog, failure):
    reply, options, raised, requests_made = READ_GIVE_UPS[failure]
    server = loopback(sequence(then=lambda request: reply))
    with pytest.raises(raised):
        make_provider(server.url, **options).get_balance()
    assert server.count('getbalance') == requests_made
    assert CREDENTIALS['password'] not in caplog.text


def test_a_urllib3_retry_without_post_is_as_urllib3_makes_it():
    assert 'POST' not in Retry(total=2).allowed_methods  # so the table's last case is meaningful


# Writes: never sent twice

def test_sendmsg_whose_connection_drops_after_sending_is_not_retried(loopback):
    server = loopback(sequence(DROP))
    with pytest.raises(error.ClickatellConnectionError):
        make_provider(server.url, retries=fast_retries(3)).send(OutgoingMessage('27999000001', 'Hi'))
    assert server.count('sendmsg') == 1


def test_sendmsg_that_times_out_after_sending_is_not_retried(loopback):
    server = loopback(sequence(HANG))
    with pytest.raises(error.ClickatellTimeout):
        make_provider(server.url, retries=fast_retries(3), timeout=(2, 0.3)).send(
            OutgoingMessage('27999000001', 'Hi'))
    assert server.count('sendmsg') == 1


@pytest.mark.parametrize('reply, raised', [
    (UNAVAILABLE, error.ClickatellHTTPServerError),
    (answer('oops', status=500), error.ClickatellHTTPServerError),
    (answer('ERR: 901, Internal error (please retry)'), error.E901),
])
def test_sendmsg_is_not_retried_after_an_error_answer(loopback, reply, raised):
    server = loopback(sequence(reply))
    with pytest.raises(raised):
        make_provider(server.url, retries=fast_retries(3)).send(OutgoingMessage('27999000001', 'Hi'))
    assert server.count('sendmsg') == 1


@pytest.mark.parametrize('reply', [DROP, UNAVAILABLE])
def test_delmsg_is_not_retried(loopback, reply):
    server = loopback(sequence(reply))
    with pytest.raises((error.ClickatellConnectionError, error.ClickatellHTTPError)):
        make_provider(server.url, retries=fast_retries(3)).api_request('delmsg', apimsgid='abc')
    assert server.count('delmsg') == 1


def test_bulk_sendmsg_whose_connection_drops_is_not_retried(loopback):
    server = loopback(sequence(DROP))
    messages = [OutgoingMessage(n, 'Hi') for n in ('27999000001', '27999000002')]
    with pytest.raises(exc.ConnectionError):
        make_provider(server.url, retries=fast_retries(3)).send_bulk(messages)
    assert server.count('sendmsg') == 1
    assert [m.msgid for m in messages] == [None, None]


def test_sendmsg_is_retried_when_the_connection_is_refused(caplog):
    caplog.set_level(logging.WARNING, logger='urllib3')
    provider = make_provider(closed_port_url(), retries=fast_retries(2))
    with pytest.raises(error.ClickatellConnectionError) as caught:
        provider.send(OutgoingMessage('27999000001', 'Hi'))
    assert len(urllib3_retries(caplog)) == 2
    assert CREDENTIALS['password'] not in str(caught.value) + caplog.text


@pytest.mark.skipif(sys.platform != 'linux', reason="relies on Linux dropping SYNs to a full accept queue")
def test_sendmsg_is_retried_when_the_connection_times_out(caplog):
    """A listening socket whose accept queue is full drops new SYNs: the connection cannot be made."""
    caplog.set_level(logging.WARNING, logger='urllib3')
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen(0)
        fillers = []
        try:
            for _ in range(3):  # fill the accept queue (Linux admits backlog + 1)
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(listener.getsockname())
                fillers.append(filler)
            provider = make_provider('http://127.0.0.1:{}'.format(listener.getsockname()[1]),
                                     retries=fast_retries(1), timeout=(0.2, 2))
            with pytest.raises(error.ClickatellTimeout):
                provider.send(OutgoingMessage('27999000001', 'Hi'))
        finally:
            for filler in fillers:
                filler.close()
    assert len(urllib3_retries(caplog)) == 1


def test_a_refused_connection_is_retried_with_the_default_policy(caplog):
    caplog.set_level(logging.WARNING, logger='urllib3')
    provider = make_provider(closed_port_url(), retries=1)
    with pytest.raises(error.ClickatellConnectionError):
        provider.get_balance()
    assert len(urllib3_retries(caplog)) == 1


# The policies themselves

def test_default_policies():
    read_only, write = retry_policies(3)
    assert (read_only.total, read_only.connect, read_only.read, read_only.status) == (3, 3, 3, 3)
    assert 'POST' in read_only.allowed_methods
    assert {503, 502, 500, 504, 429} <= set(read_only.status_forcelist)
    assert read_only.backoff_factor > 0
    assert not read_only.respect_retry_after_header and not read_only.raise_on_status
    assert (write.total, write.connect, write.read, write.status, write.other) == (3, 3, False, 0, 0)
    assert 'POST' not in write.allowed_methods and not write.status_forcelist
    assert not write.respect_retry_after_header


@pytest.mark.parametrize('count', [3, 8])
def test_backoff_doubles_up_to_five_seconds(count):
    """0 s, 1 s, 2 s, 4 s, then 5 s at most (README), on urllib3 1.26 as on 2: 1.26's own cap is 120 s."""
    failed = RequestHistory('POST', '/http/getbalance', None, 503, None)
    for policy in retry_policies(count):
        waits = [policy.new(history=(failed,) * n).get_backoff_time() for n in range(1, count + 1)]
        assert waits == [0, 1, 2, 4, 5, 5, 5, 5][:count]


def test_a_given_retry_keeps_its_connect_count_for_writes():
    read_only, write = retry_policies(Retry(total=None, connect=2, read=4, status=4, other=0, backoff_factor=0.1))
    assert (read_only.connect, read_only.read, read_only.status) == (2, 4, 4)
    assert (write.connect, write.read, write.status, write.backoff_factor) == (2, False, 0, 0.1)


@pytest.mark.parametrize('retries, raised', [
    (-1, ValueError), (None, TypeError), ('3', TypeError), (2.5, TypeError),
    (Retry(total=None, connect=None, read=3, status=3), ValueError),
])
def test_invalid_retries_are_refused(retries, raised):
    with pytest.raises(raised, match='retries'):
        retry_policies(retries)
