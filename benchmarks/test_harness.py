"""Checks of the benchmark harness itself: fake server, certificates, latency proxy, baseline.

Not part of the library's test suite (pytest.ini points at tests/); run it on purpose with
`pytest benchmarks/`. Timing checks use wide margins: the machine is shared and noisy.
"""
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import pytest
import requests

from baseline_2014 import BaselineError, BaselineSender, send_many
from certs import make_certs
from fake_clickatell import start_server
from latency_proxy import LatencyProxy

HERE = os.path.dirname(os.path.abspath(__file__))
AUTH = {'api_id': '1', 'user': 'u', 'password': 'p'}


@pytest.fixture(scope='module')
def certs():
    with make_certs() as c:
        yield c


@pytest.fixture
def tls_server(certs):
    with start_server(tls_context=certs.server_context()) as server:
        yield server


@pytest.fixture
def echo_port():
    """A plain TCP echo server; returns its port."""
    listener = socket.create_server(('127.0.0.1', 0))

    def serve(conn):
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(data)

    def accept_loop():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


def post(server, certs, command, session=None, **params):
    r = (session or requests).post('{}/http/{}'.format(server.url, command),
                                   data=dict(AUTH, **params), verify=certs.ca_path, timeout=10)
    assert r.status_code == 200
    return r.text


# --- fake server ----------------------------------------------------------------------------------

def test_single_recipient_gets_short_answer(tls_server, certs):
    answer = post(tls_server, certs, 'sendmsg', to='27999000001', text='hi')
    assert answer.startswith('ID: ') and len(answer.split()[1]) == 32
    assert 'To:' not in answer
    assert tls_server.recipients['27999000001'] == 1


def test_several_recipients_get_a_line_each(tls_server, certs):
    answer = post(tls_server, certs, 'sendmsg', to='27999000001,27999000002,bad', text='hi')
    lines = answer.splitlines()
    assert lines[0].startswith('ID: ') and lines[0].endswith(' To: 27999000001')
    assert lines[1].endswith(' To: 27999000002')
    assert lines[2] == 'ERR: 105, Invalid destination address To: bad'
    assert tls_server.stats()['messages'] == 2


def test_wrong_credentials(tls_server, certs):
    answer = post(tls_server, certs, 'sendmsg', to='27999000001', text='hi', password='nope')
    assert answer == 'ERR: 001, Authentication failed'
    assert tls_server.stats()['auth_failures'] == 1
    assert tls_server.stats()['messages'] == 0


def test_balance_and_querymsg(tls_server, certs):
    assert post(tls_server, certs, 'getbalance') == 'Credit: 12.50'
    msgid = post(tls_server, certs, 'sendmsg', to='27999000001', text='hi').split()[1]
    assert post(tls_server, certs, 'querymsg', apimsgid=msgid) == 'ID: {} Status: 004'.format(msgid)
    assert post(tls_server, certs, 'querymsg', apimsgid='0' * 32).startswith('ERR: 103')


def test_too_many_recipients_is_refused(tls_server, certs):
    many = ','.join('27999{:06d}'.format(i) for i in range(601))
    assert post(tls_server, certs, 'sendmsg', to=many, text='hi').startswith('ERR: 101')
    ok = ','.join('27999{:06d}'.format(i) for i in range(600))
    assert len(post(tls_server, certs, 'sendmsg', to=ok, text='hi').splitlines()) == 600
    assert tls_server.stats()['oversize_requests'] == 1


def test_get_works_and_has_a_lower_limit(tls_server, certs):
    url = tls_server.url + '/http/sendmsg'
    r = requests.get(url, params=dict(AUTH, to='27999000001', text='hi'), verify=certs.ca_path)
    assert r.text.startswith('ID: ')
    many = ','.join('27999{:06d}'.format(i) for i in range(301))
    r = requests.get(url, params=dict(AUTH, to=many, text='hi'), verify=certs.ca_path)
    assert r.text.startswith('ERR: 101')


def test_text_is_decoded_as_iso_8859_1(tls_server, certs):
    body = urllib.parse.urlencode(dict(AUTH, to='27999000001', text='Gr\xfc\xdfe'),
                                  encoding='latin-1').encode('ascii')
    assert b'Gr%FC%DFe' in body
    with urllib.request.urlopen(tls_server.url + '/http/sendmsg', data=body,
                                context=certs.client_context()) as r:
        assert r.read().startswith(b'ID: ')
    assert tls_server.texts['Gr\xfc\xdfe'] == 1


def test_chunked_body_is_read_whole(tls_server, certs):
    chunks = (c for c in [b'api_id=1&user=u&', b'password=p&to=27999000001', b'&text=hi'])
    r = requests.post(tls_server.url + '/http/sendmsg', data=chunks, verify=certs.ca_path)
    assert r.text.startswith('ID: ')


def test_keep_alive_reuses_one_connection(tls_server, certs):
    with requests.Session() as session:
        for i in range(20):
            post(tls_server, certs, 'sendmsg', session=session, to='2799900{:04d}'.format(i),
                 text='hi')
    stats = tls_server.stats()
    assert stats['messages'] == 20 and stats['duplicates'] == 0
    assert stats['connections'] == 1 and stats['tls_handshakes'] == 1


def test_untrusted_client_fails_and_server_survives(tls_server, certs):
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(tls_server.url + '/http/getbalance', data=AUTH, timeout=10)
    assert post(tls_server, certs, 'getbalance') == 'Credit: 12.50'


def test_plain_http_and_reset():
    with start_server() as server:
        assert server.url.startswith('http://127.0.0.1:')
        r = requests.post(server.url + '/http/sendmsg', data=dict(AUTH, to='27999000001', text='x'))
        assert r.text.startswith('ID: ')
        server.reset()
        assert server.stats()['messages'] == 0


def test_localhost_name_verifies_too(tls_server, certs):
    url = 'https://localhost:{}/http/getbalance'.format(tls_server.port)
    assert requests.post(url, data=AUTH, verify=certs.ca_path).text == 'Credit: 12.50'


# --- fake server: One API and the Platform ------------------------------------------------------------

def post_json(server, certs, path, document, key='k'):
    return requests.post(server.url + path, json=document, headers={'Authorization': key}, verify=certs.ca_path,
                         timeout=10)


def one_messages(count, start=0):
    return [{'channel': 'sms', 'to': '27999{:06d}'.format(i), 'content': 'text {}'.format(i)}
            for i in range(start, start + count)]


def test_one_api_accepts_distinct_texts_in_one_request(tls_server, certs):
    r = post_json(tls_server, certs, '/v1/message', {'messages': one_messages(3) + [
        {'channel': 'sms', 'to': 'bad', 'content': 'x', 'clientMessageId': 'c'}]})
    assert r.status_code == 207
    entries = r.json()['messages']
    assert [e['accepted'] for e in entries] == [True, True, True, False]
    assert entries[3] == {'to': 'bad', 'clientMessageId': 'c', 'accepted': False,
                          'error': {'code': 25, 'description': 'Invalid recipient'}}
    assert len({e['apiMessageId'] for e in entries[:3]}) == 3
    assert tls_server.texts['text 1'] == 1 and tls_server.stats()['messages'] == 3
    assert post_json(tls_server, certs, '/v1/message', {'messages': one_messages(2, 10)}).status_code == 202


def test_one_api_refuses_a_wrong_key_and_too_many_messages(tls_server, certs):
    r = post_json(tls_server, certs, '/v1/message', {'messages': one_messages(1)}, key='wrong')
    assert r.status_code == 401 and r.json()['error']['code'] == 1
    r = post_json(tls_server, certs, '/v1/message', {'messages': one_messages(201)})
    assert r.status_code == 400 and r.json()['error']['code'] == 22
    assert tls_server.stats()['messages'] == 0 and tls_server.stats()['oversize_requests'] == 1


def test_one_api_token_bucket_refuses_per_message_then_whole_requests(tls_server, certs):
    tls_server.set_rate(1, burst=150)  # one token a second: none comes back during the test
    r = post_json(tls_server, certs, '/v1/message', {'messages': one_messages(200)})
    assert r.status_code == 207
    entries = r.json()['messages']
    assert [e['accepted'] for e in entries] == [True] * 150 + [False] * 50
    assert entries[199]['error'] == {'code': 43, 'description': 'Rate limit exceeded'}
    r = post_json(tls_server, certs, '/v1/message', {'messages': one_messages(5, 500)})
    assert r.status_code == 429 and r.json()['error']['code'] == 43 and int(r.headers['Retry-After']) >= 1
    stats = tls_server.stats()
    assert stats['messages'] == 150 and stats['rate_refused'] == 55 and stats['rate_limited_requests'] == 1
    tls_server.set_rate(None)
    assert post_json(tls_server, certs, '/v1/message', {'messages': one_messages(5, 500)}).status_code == 202


def test_token_bucket_refills_at_its_rate(tls_server, certs):
    tls_server.set_rate(1000, burst=100)
    assert post_json(tls_server, certs, '/v1/message', {'messages': one_messages(100)}).status_code == 202
    time.sleep(0.1)  # about 100 tokens come back
    r = post_json(tls_server, certs, '/v1/message', {'messages': one_messages(200, 100)})
    assert 60 <= sum(e['accepted'] for e in r.json()['messages']) <= 100


def test_platform_sends_one_text_to_many_and_429_when_throttled(tls_server, certs):
    r = post_json(tls_server, certs, '/messages', {'content': 'hi', 'to': ['27999000001', '27999000002']})
    assert r.status_code == 202 and [e['to'] for e in r.json()['messages']] == ['27999000001', '27999000002']
    tls_server.set_rate(1, burst=1)
    r = post_json(tls_server, certs, '/messages', {'content': 'hi', 'to': ['27999000003', '27999000004']})
    assert r.status_code == 429 and 'Retry-After' in r.headers
    assert tls_server.stats()['messages'] == 2
    r = post_json(tls_server, certs, '/messages', {'content': 'hi', 'to': ['1']}, key='wrong')
    assert r.status_code == 401 and r.json()['errorCode'] == 108


# --- latency proxy --------------------------------------------------------------------------------

def round_trip(sock, payload=b'x'):
    start = time.perf_counter()
    sock.sendall(payload)
    got = b''
    while len(got) < len(payload):
        got += sock.recv(65536)
    return time.perf_counter() - start


def test_proxy_round_trip_costs_the_rtt(echo_port):
    with LatencyProxy('127.0.0.1', echo_port, rtt_ms=50) as proxy:
        with socket.create_connection(proxy.address) as sock:
            first = round_trip(sock)
            later = sorted(round_trip(sock) for _ in range(9))
    # The first exchange on a new connection also pays the modelled TCP handshake.
    assert 0.095 <= first < 0.2
    assert 0.048 <= later[4] < 0.08


def test_proxy_without_connect_model(echo_port):
    with LatencyProxy('127.0.0.1', echo_port, rtt_ms=50, model_connect=False) as proxy:
        with socket.create_connection(proxy.address) as sock:
            assert 0.045 <= round_trip(sock) < 0.09


def test_proxy_keeps_bytes_intact_and_in_order(echo_port):
    data = os.urandom(2_000_000)
    with LatencyProxy('127.0.0.1', echo_port, rtt_ms=10) as proxy:
        with socket.create_connection(proxy.address) as sock:
            received = bytearray()

            def read_all():  # read while writing, or both sides' buffers fill up and stall
                while len(received) < len(data):
                    chunk = sock.recv(1 << 20)
                    if not chunk:
                        return
                    received.extend(chunk)

            reader = threading.Thread(target=read_all)
            reader.start()
            for i in range(0, len(data), 70001):  # odd-sized writes: chunking must not matter
                sock.sendall(data[i:i + 70001])
            reader.join(30)
    assert bytes(received) == data


def test_proxy_does_not_serialise_connections(echo_port):
    with LatencyProxy('127.0.0.1', echo_port, rtt_ms=50) as proxy:
        def client():
            with socket.create_connection(proxy.address) as sock:
                for _ in range(3):
                    round_trip(sock)
        threads = [threading.Thread(target=client) for _ in range(50)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        assert proxy.peak_connections > 1
    # Serialised this would be 50 * 4 RTT = 10 s; overlapped, about 4 RTT.
    assert elapsed < 1.5


def test_proxy_stop_closes_open_connections(echo_port):
    proxy = LatencyProxy('127.0.0.1', echo_port, rtt_ms=10).start()
    sock = socket.create_connection(proxy.address)
    round_trip(sock)
    proxy.stop()
    sock.settimeout(5)
    assert sock.recv(10) == b''
    sock.close()
    with pytest.raises(OSError):
        socket.create_connection(proxy.address, timeout=1)


def test_proxy_stops_by_itself(echo_port):
    proxy = LatencyProxy('127.0.0.1', echo_port, max_lifetime=0.3).start()
    proxy._thread.join(5)
    assert not proxy._thread.is_alive()
    proxy.stop()  # harmless after a self-stop


def test_tls_passes_through_proxy(tls_server, certs):
    with LatencyProxy('127.0.0.1', tls_server.port, rtt_ms=20) as proxy:
        url = 'https://127.0.0.1:{}/http/getbalance'.format(proxy.port)
        assert requests.post(url, data=AUTH, verify=certs.ca_path).text == 'Credit: 12.50'


# --- baseline -------------------------------------------------------------------------------------

def test_baseline_opens_a_connection_per_message(tls_server, certs):
    with LatencyProxy('127.0.0.1', tls_server.port, rtt_ms=20) as proxy:
        sender = BaselineSender('https://127.0.0.1:{}'.format(proxy.port), '1', 'u', 'p',
                                ssl_context=certs.client_context())
        numbers = ['2799900{:04d}'.format(i) for i in range(5)]
        ids, seconds = send_many(sender, numbers, 'hi')
    assert len(set(ids)) == 5 and all(len(i) == 32 for i in ids)
    stats = tls_server.stats()
    assert stats['connections'] == 5 and stats['tls_handshakes'] == 5
    assert all(tls_server.recipients[n] == 1 for n in numbers)
    # TCP handshake + TLS 1.3 handshake + the request: three round trips each.
    assert seconds / 5 >= 3 * 0.020


def test_baseline_raises_on_error_answer(tls_server, certs):
    sender = BaselineSender(tls_server.url, '1', 'u', 'wrong', ssl_context=certs.client_context())
    with pytest.raises(BaselineError, match='001'):
        sender.send('27999000001', 'hi')


# --- the script -----------------------------------------------------------------------------------

TINY_RUN = ['--rtt-ms', '5', '--messages', '8', '--recipients', '1300', '--baseline-sample', '4',
            '--overhead-rounds', '2', '--overhead-block', '5', '--one-messages', '450',
            '--limited-messages', '3000', '--rate', '2000']


def run_bench(env=None):
    return subprocess.run([sys.executable, os.path.join(HERE, 'bench_send.py')] + TINY_RUN,
                          capture_output=True, text=True, timeout=180, env=env)


def test_bench_send_runs_end_to_end():
    """A tiny run measures every figure, and every correctness check passes: exit status 0."""
    out = run_bench()
    assert out.returncode == 0, out.stdout + out.stderr
    for n in (1, 2, 3, 4, 5):
        assert 'figure {}: '.format(n) in out.stdout
    assert 'FAILED' not in out.stdout and 'NOT MEASURED' not in out.stdout
    assert 'EXTRAPOLATED' in out.stdout
    assert 'each message accepted exactly once' in out.stdout


def test_bench_send_fails_without_the_library(tmp_path):
    """Without smsframework_clickatell only the baseline can run: that is not a passing run."""
    hidden = tmp_path / 'smsframework_clickatell'
    hidden.mkdir()
    (hidden / '__init__.py').write_text("raise ImportError('hidden by test_harness')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = run_bench(env)
    assert out.returncode != 0, out.stdout + out.stderr
    assert 'NOT IMPORTABLE' in out.stdout and 'hidden by test_harness' in out.stdout
