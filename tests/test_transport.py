"""The connection: shared by threads, never by processes, TLS verified as configured whatever the
environment says, a time-out on everything, no redirect followed. Against loopback servers."""
import json
import logging
import ssl
import subprocess
import sys
import textwrap
import threading

import pytest
import requests
import trustme
from smsframework import OutgoingMessage
from urllib3.exceptions import InsecureRequestWarning

from smsframework_clickatell import error
from smsframework_clickatell.api import resolve_verify

from .conftest import CREDENTIALS, make_provider
from .loopback import answer, fake_msgid, sequence


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    """A throw-away CA (its bundle at `ca_path`), and a server context with a certificate for 127.0.0.1."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert('127.0.0.1', 'localhost').configure_cert(context)
    ca_path = tmp_path_factory.mktemp('tls') / 'ca.pem'
    ca.cert_pem.write_to_path(str(ca_path))
    other = tmp_path_factory.mktemp('tls') / 'other-ca.pem'
    trustme.CA().cert_pem.write_to_path(str(other))
    return {'context': context, 'ca_path': str(ca_path), 'other_ca_path': str(other)}


# Threads

def test_one_provider_shared_by_8_threads_gets_each_thread_its_own_answers(loopback, caplog):
    caplog.set_level(logging.WARNING, logger='urllib3')
    server = loopback()
    provider = make_provider(server.url)
    results, failures = {}, []
    start = threading.Barrier(8)

    def worker(n):
        try:
            start.wait()
            for i in range(25):
                message = provider.send(OutgoingMessage('2799900{:04d}'.format(n), 'thread {} message {}'.format(n, i)))
                results[(n, i)] = message.msgid
            bulk = [OutgoingMessage('27888{:03d}{:03d}'.format(n, k), 'bulk from {}'.format(n)) for k in range(5)]
            provider.send_bulk(bulk)
            results[(n, 'bulk')] = [m.msgid for m in bulk]
        except Exception as e:  # reported below: an assertion in a thread would go unseen
            failures.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    for n in range(8):
        for i in range(25):
            assert results[(n, i)] == fake_msgid('thread {} message {}'.format(n, i), '2799900{:04d}'.format(n))
        assert results[(n, 'bulk')] == [fake_msgid('bulk from {}'.format(n), '27888{:03d}{:03d}'.format(n, k))
                                        for k in range(5)]
    assert server.count('sendmsg') == 8 * 26
    # The pool holds every thread's connection: none had to be thrown away.
    assert 'pool is full' not in caplog.text
    assert len({r.port for r in server.requests}) <= 8


def test_requests_reuse_a_pooled_connection(loopback):
    server = loopback()
    provider = make_provider(server.url)
    for i in range(5):
        provider.send(OutgoingMessage('27999000001', str(i)))
    assert len({r.port for r in server.requests}) == 1


# Processes

FORK_SCRIPT = textwrap.dedent('''
    import json, os, sys
    from smsframework import Gateway
    from smsframework_clickatell import ClickatellProvider

    provider = ClickatellProvider(Gateway(), 'c', 'id', 'user', 'password', api_url=sys.argv[1], timeout=5)
    ports = {'parent_before': provider.get_balance()}  # the server answers the client's port
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            child = [provider.get_balance(), provider.get_balance()]
            os.write(write_end, json.dumps(child).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    ports['child'] = json.loads(os.read(read_end, 1000))
    os.waitpid(pid, 0)
    ports['parent_after'] = provider.get_balance()
    print(json.dumps(ports))
''')


@pytest.mark.skipif(not hasattr(__import__('os'), 'fork'), reason='needs fork()')
def test_a_forked_child_never_shares_the_parents_pooled_connection(loopback):
    """Forks in a fresh single-threaded interpreter: forking pytest's own process, which runs server
    threads, is unsafe."""
    server = loopback()
    result = subprocess.run([sys.executable, '-W', 'error', '-c', FORK_SCRIPT, server.url],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    ports = json.loads(result.stdout)
    child_first, child_second = ports['child']
    assert child_first != ports['parent_before']  # the child opened its own connection
    assert child_second == child_first  # and pools it
    assert ports['parent_after'] == ports['parent_before']  # the parent's connection is intact, reused
    assert len({r.port for r in server.requests}) == 2


def test_a_session_made_in_another_process_is_replaced(loopback, monkeypatch):
    """The pid check alone, for forks that skip os.register_at_fork hooks."""
    from smsframework_clickatell.transport import session as session_module
    server = loopback()
    provider = make_provider(server.url)
    inherited = provider.api.session
    provider.get_balance()
    real_pid = session_module.os.getpid()
    monkeypatch.setattr(session_module.os, 'getpid', lambda: real_pid + 1)
    assert provider.api.session is not inherited
    assert provider.api.session is provider.api.session
    provider.get_balance()
    assert len({r.port for r in server.requests}) == 2


# TLS

def test_https_with_a_ca_bundle_path(loopback, tls):
    server = loopback(ssl_context=tls['context'])
    provider = make_provider(server.url, verify=tls['ca_path'])
    assert provider.send(OutgoingMessage('27999000001', 'Hi')).msgid == fake_msgid('Hi', '27999000001')


def only_ca_variable(monkeypatch, variable, path):
    """Set one of requests' CA variables, and clear the other (REQUESTS_CA_BUNDLE wins over CURL_CA_BUNDLE)."""
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, path)


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_the_environment_cannot_replace_a_ca_bundle_path(loopback, tls, monkeypatch, variable):
    only_ca_variable(monkeypatch, variable, tls['other_ca_path'])
    server = loopback(ssl_context=tls['context'])
    assert make_provider(server.url, verify=tls['ca_path']).get_balance() > 0


@pytest.mark.parametrize('variable', ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'])
def test_the_environment_cannot_make_verify_true_trust_another_ca(loopback, tls, monkeypatch, variable):
    only_ca_variable(monkeypatch, variable, tls['ca_path'])
    server = loopback(ssl_context=tls['context'])
    # Plain requests would trust the environment's CA: the test server is then reachable.
    assert requests.post(server.url + '/http/getbalance', timeout=2).ok
    with pytest.raises(error.ClickatellConnectionError, match='(?i)certificate'):
        make_provider(server.url, verify=True, retries=0).get_balance()


def test_verify_true_uses_requests_own_ca_bundle(loopback, tls):
    # requests' default bundle is certifi's, which does not know the test CA.
    assert resolve_verify(True) is True
    server = loopback(ssl_context=tls['context'])
    with pytest.raises(error.ClickatellConnectionError, match='(?i)certificate'):
        make_provider(server.url, verify=True, retries=0).get_balance()


def test_an_untrusted_certificate_is_refused(loopback, tls):
    server = loopback(ssl_context=tls['context'])
    with pytest.raises(error.ClickatellConnectionError):
        make_provider(server.url, verify=tls['other_ca_path'], retries=0).get_balance()


def test_verify_false_works_and_urllib3_warns(loopback, tls):
    server = loopback(ssl_context=tls['context'])
    with pytest.warns(InsecureRequestWarning):
        assert make_provider(server.url, verify=False).get_balance() > 0


@pytest.mark.parametrize('verify, raised', [('/no/such/ca.pem', ValueError), (1, TypeError), (None, TypeError)])
def test_invalid_verify_is_refused_at_once(verify, raised):
    with pytest.raises(raised, match='verify'):
        make_provider('https://127.0.0.1:1', verify=verify)


# Time-outs and other options

@pytest.mark.parametrize('timeout', [None, (5, None), 0, -1, (1, 2, 3), 'soon', True])
def test_every_request_needs_a_positive_timeout(timeout):
    with pytest.raises((TypeError, ValueError), match='timeout'):
        make_provider('http://127.0.0.1:1', timeout=timeout)


def test_a_connect_and_read_timeout_pair_is_accepted(loopback):
    server = loopback(sequence(then=lambda request: answer('ID: abc')))
    provider = make_provider(server.url, timeout=(1.5, 7))
    assert provider.api.timeout == (1.5, 7)
    provider.send(OutgoingMessage('27999000001', 'Hi'))


@pytest.mark.parametrize('pool_size', [0, -1, 2.5, True])
def test_invalid_pool_size_is_refused(pool_size):
    with pytest.raises(ValueError, match='pool_size'):
        make_provider('http://127.0.0.1:1', pool_size=pool_size)


@pytest.mark.parametrize('status', [301, 302, 307, 308])
def test_a_redirect_is_an_http_error_and_is_not_followed(loopback, status):
    server = loopback(sequence(answer('', status=status, headers=[('Location', 'http://127.0.0.1:1/steal')])))
    with pytest.raises(error.ClickatellHTTPError, match='not followed') as caught:
        make_provider(server.url).send(OutgoingMessage('27999000001', 'Hi'))
    assert caught.value.status_code == status
    assert len(server.requests) == 1
    assert CREDENTIALS['password'] not in str(caught.value)


def test_close_then_send_again_opens_a_new_connection(loopback):
    server = loopback()
    provider = make_provider(server.url)
    provider.get_balance()
    provider.close()
    provider.get_balance()
    assert len({r.port for r in server.requests}) == 2
