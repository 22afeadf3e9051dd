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

from .conftest import CREDENTIALS, fast_retries, make_provider
from .loopback import DROP, HANG, answer, sequence

UNAVAILABLE = answer('<html>busy</html>', status=503)


def urllib3_retries(caplog):
    return [r for r in caplog.records if r.name.startswith('urllib3') and 'Retrying' in r.getMessage()]


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# Read-only commands

def test_getbalance_is_retried_after_503s(loopback):
    server = loopback(sequence(UNAVAILABLE, UNAVAILABLE, answer('Credit: 7.5')))
    assert make_provider(server.url, retries=fast_retries(3)).get_balance() == 7.5
    assert server.count('getbalance') == 3


def test_getbalance_gives_up_after_the_retries_with_the_last_http_error(loopback):
    server = loopback(sequence(then=lambda request: UNAVAILABLE))
    with pytest.raises(error.ClickatellHTTPServerError) as caught:
        make_provider(server.url, retries=fast_retries(2)).get_balance()
    assert caught.value.status_code == 503
    assert server.count('getbalance') == 3


def test_getbalance_is_retried_after_a_dropped_connection(loopback):
    server = loopback(sequence(DROP, answer('Credit: 1')))
    assert make_provider(server.url, retries=1).get_balance() == 1.0
    assert server.count('getbalance') == 2


def test_getbalance_is_retried_after_a_read_timeout(loopback):
    server = loopback(sequence(HANG, answer('Credit: 2')))
    assert make_provider(server.url, retries=1, timeout=(2, 0.3)).get_balance() == 2.0
    assert server.count('getbalance') == 2


def test_getbalance_is_retried_after_err_901(loopback):
    internal = answer('ERR: 901, Internal error (please retry)')
    server = loopback(sequence(internal, internal, answer('Credit: 3')))
    assert make_provider(server.url, retries=fast_retries(3)).get_balance() == 3.0
    assert server.count('getbalance') == 3


def test_err_901_retries_are_bounded_and_raise_e901(loopback, caplog):
    server = loopback(sequence(then=lambda request: answer('ERR: 901, Internal error (please retry)')))
    with pytest.raises(error.E901):
        make_provider(server.url, retries=fast_retries(2)).get_balance()
    assert server.count('getbalance') == 3
    assert CREDENTIALS['password'] not in caplog.text


def test_querymsg_is_retried(loopback):
    server = loopback(sequence(UNAVAILABLE))
    status = make_provider(server.url, retries=1).query_status('abc123')
    assert status.status_code == 4 and server.count('querymsg') == 2


def test_api_request_retries_read_only_commands_whatever_their_spelling(loopback):
    server = loopback(sequence(UNAVAILABLE, then=lambda request: answer('Credit: 4')))
    assert make_provider(server.url, retries=1).api_request('http/GetBalance') == 'Credit: 4'
    assert len(server.requests) == 2


def test_no_retries_with_retries_0(loopback):
    server = loopback(sequence(then=lambda request: UNAVAILABLE))
    with pytest.raises(error.ClickatellHTTPServerError):
        make_provider(server.url, retries=0).get_balance()
    assert server.count('getbalance') == 1


def test_a_urllib3_retry_is_used_with_post_allowed(loopback):
    """urllib3's default allowed methods lack POST, and every command is a POST."""
    server = loopback(sequence(UNAVAILABLE, UNAVAILABLE, answer('Credit: 5')))
    retry = Retry(total=2, status_forcelist=[503], backoff_factor=0)
    assert 'POST' not in retry.allowed_methods
    assert make_provider(server.url, retries=retry).get_balance() == 5.0
    assert server.count('getbalance') == 3


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
    provider = make_provider('http://127.0.0.1:{}'.format(_closed_port()), retries=fast_retries(2))
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
    provider = make_provider('http://127.0.0.1:{}'.format(_closed_port()), retries=1)
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
