"""The API key is a secret as the legacy password is: absent from every exception (its text, repr, args,
the exceptions it was raised from or during), from every log line, and from the locals of every frame of
its traceback (what Sentry and the like record), whatever the failure; also when Clickatell's answer
echoes it. Against a loopback server, so that requests and urllib3 take part as they do in production."""
import json
import logging
import socket
import traceback

import pytest
from smsframework import Gateway, OutgoingMessage

from smsframework_clickatell import ClickatellProvider, error

from .jsonloopback import JsonLoopbackServer, reply
from .keyapi import KEYS, chain, key_provider
from .loopback import DROP, HANG

#: A key with the characters JSON and URLs escape, for answers that echo it escaped.
ODD_KEY = 'odd"key\\with/escapes+and=signs-0123456789'


def echo(request):
    return request.headers.get('Authorization', '')


def send(provider):
    return provider.send(OutgoingMessage('27999000001', 'Hi'))


# Each scenario: the server's script (from the request), and the call to make.
SCENARIOS = {
    'api-error-echoing-the-key': (
        lambda r: reply({'messages': [], 'error': {'code': 1, 'description': 'Bad key ' + echo(r)},
                         'errorCode': 108, 'errorDescription': 'Bad key ' + echo(r)}, status=401), send),
    'api-error-echoing-the-key-in-unicode-escapes': (
        lambda r: reply(raw='{"error": {"code": 1, "description": "Bad %s"}, "errorCode": 108, "error_": "%s"}' % (
            (''.join('\\u%04x' % ord(c) for c in echo(r)),) * 2), status=401), send),
    'http-error-quoting-a-body-with-the-key': (
        lambda r: reply({'message': 'Forbidden for ' + echo(r)}, status=403), send),
    'server-error-page-with-the-key': (
        lambda r: reply(raw='<html>500 for key {}</html>'.format(echo(r)), status=500), send),
    'unreadable-200-with-the-key': (
        lambda r: reply(raw='<html>' + 'x' * 190 + ' ' + echo(r) + ' </html>', status=200), send),
    'unreadable-with-the-key-json-escaped': (
        lambda r: reply(raw='oops ' + json.dumps(echo(r)), status=502), send),
    'refused-message-echoing-the-key': (
        lambda r: reply({'messages': [{'accepted': False, 'to': '27999000001',
                                       'error': {'code': 23, 'description': 'Bad ' + echo(r)},
                                       'errorCode': 101, 'errorDescription': 'Bad ' + echo(r)}]}, status=202), send),
    'answer-about-another-recipient-echoing-the-key': (
        lambda r: reply({'messages': [{'apiMessageId': 'a1', 'accepted': True, 'to': '1', 'note': echo(r)}]},
                        status=202), send),
    'status-answer-without-a-status-echoing-the-key': (
        lambda r: reply({'sms': {'note': echo(r)}, 'note': echo(r)}), lambda p: p.query_status('abc')),
    'balance-refused-echoing-the-key': (
        lambda r: reply({'error': {'code': 1, 'description': echo(r)}, 'errorCode': 108, 'error_': echo(r)},
                        status=404), lambda p: p.get_balance()),
    'dropped-connection': (lambda r: DROP, send),
    'timeout': (lambda r: HANG, send),
    'read-timeout-on-a-read': (lambda r: HANG, lambda p: p.get_balance()),
}


@pytest.fixture
def server():
    """A loopback server; a test sets its `script`."""
    with JsonLoopbackServer() as running:
        yield running


def failure(call, provider):
    try:
        call(provider)
    except Exception as e:  # noqa: B902 - every failure is checked
        return e
    raise AssertionError('no failure')


def assert_nowhere(key, e, log_text):
    texts = [log_text]
    for link in chain(e):
        texts += [str(link), repr(link), repr(link.args), repr(getattr(link, 'body', ''))]
    texts.append(''.join(traceback.TracebackException.from_exception(e, capture_locals=True).format()))
    for text in texts:
        assert key not in text
        # nor a piece of it (a quote cut before the key was masked)
        assert not any(key[i:i + 12] in text for i in range(len(key) - 11))


@pytest.mark.parametrize('api', ['one', 'platform'])
@pytest.mark.parametrize('scenario', sorted(SCENARIOS))
def test_the_key_shows_nowhere_whatever_fails(server, caplog, api, scenario):
    caplog.set_level(logging.DEBUG)
    script, call = SCENARIOS[scenario]
    server.script = script
    provider = key_provider(api, api_url=server.url, timeout=(2, 0.3), retries=1)
    e = failure(call, provider)
    assert isinstance(e, (error.ClickatellProviderError, error.ClickatellResponseError,
                          error.ClickatellConnectionError))
    assert server.requests and server.requests[0].headers['Authorization'] == KEYS[api]
    assert_nowhere(KEYS[api], e, caplog.text)


@pytest.mark.parametrize('scenario', ['api-error-echoing-the-key', 'unreadable-with-the-key-json-escaped',
                                      'server-error-page-with-the-key', 'refused-message-echoing-the-key'])
def test_a_key_with_characters_json_escapes_shows_nowhere(server, caplog, scenario):
    caplog.set_level(logging.DEBUG)
    script, call = SCENARIOS[scenario]
    server.script = script
    provider = Gateway().add_provider('c', ClickatellProvider, api_key=ODD_KEY, api_url=server.url, timeout=2)
    e = failure(call, provider)
    assert server.requests[0].headers['Authorization'] == ODD_KEY
    assert_nowhere(ODD_KEY, e, caplog.text)


@pytest.mark.parametrize('api', ['one', 'platform'])
@pytest.mark.parametrize('call', [send, lambda p: p.get_balance()], ids=['send', 'balance'])
def test_the_key_shows_nowhere_when_clickatell_cannot_be_reached(caplog, api, call):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        url = 'http://127.0.0.1:{}'.format(s.getsockname()[1])
    e = failure(call, key_provider(api, api_url=url, retries=1))
    assert isinstance(e, error.ClickatellConnectionError)
    assert 'Retrying' in caplog.text  # the retry was logged, and the log is checked too
    assert_nowhere(KEYS[api], e, caplog.text)


@pytest.mark.parametrize('api', ['one', 'platform'])
def test_the_key_never_goes_into_a_url_and_no_success_logs_it(server, caplog, api):
    """The server answers as Clickatell does (its default script)."""
    caplog.set_level(logging.DEBUG)
    provider = key_provider(api, api_url=server.url)
    send(provider)
    provider.get_balance()
    provider.query_status('abc')
    assert len(server.requests) == 3
    for request in server.requests:
        assert KEYS[api] not in request.path + json.dumps(request.query) + json.dumps(request.body)
        assert request.headers['Authorization'] == KEYS[api]
    assert caplog.text and KEYS[api] not in caplog.text
