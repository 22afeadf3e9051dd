"""Failures: every way a request can fail raises an exception the caller can catch at the level it wants."""
import logging
import socket
import subprocess
import sys
import textwrap

import pytest
import requests
import responses
from smsframework import OutgoingMessage, exc

from smsframework_clickatell import ClickatellProvider, error
from smsframework_clickatell.error import ERROR_CODES, ClickatellProviderError

from .conftest import API_URL, CREDENTIALS, closed_port_url

SENDMSG = API_URL + '/http/sendmsg'
PASSWORD = CREDENTIALS['password']


@pytest.mark.parametrize('code, text, meaning', [row[:3] for row in ERROR_CODES],
                         ids=['E{:03d}'.format(c[0]) for c in ERROR_CODES])
def test_each_error_code_raises_its_class_and_the_smsframework_exception(provider, mocked, code, text, meaning):
    mocked.add(responses.POST, SENDMSG, body='ERR: {:03d}, {}'.format(code, text))
    with pytest.raises(ClickatellProviderError) as caught:
        provider.send(OutgoingMessage('1', 'Hi'))
    e = caught.value
    assert type(e) is getattr(error, 'E{:03d}'.format(code))
    assert isinstance(e, meaning or exc.ProviderError)
    assert (e.code, e.message) == (code, text)
    assert '{:03d}'.format(code) in str(e) and text in str(e)


def test_unknown_error_code_gives_the_base_class(provider, mocked):
    mocked.add(responses.POST, SENDMSG, body='ERR: 004, Account frozen')
    with pytest.raises(ClickatellProviderError) as caught:
        provider.send(OutgoingMessage('1', 'Hi'))
    assert type(caught.value) is ClickatellProviderError
    assert isinstance(caught.value, exc.ProviderError)
    assert (caught.value.code, caught.value.message) == (4, 'Account frozen')


def test_mt_limit_error_keeps_clickatells_text(provider, mocked):
    mocked.add(responses.POST, SENDMSG, body='ERR: 130, Maximum MT limit exceeded until 1700000000')
    with pytest.raises(exc.LimitsError, match='until 1700000000'):
        provider.send(OutgoingMessage('1', 'Hi'))


def test_error_classes_can_be_raised_by_name_as_in_0_0_x():
    assert error.E301().code == 301 and isinstance(error.E301(), exc.CreditError)
    assert ClickatellProviderError('001', 'x').__class__ is error.E001


@pytest.mark.parametrize('status, expected', [
    (400, exc.MessageSendError), (403, exc.MessageSendError), (404, exc.MessageSendError),
    (500, exc.ServerError), (502, exc.ServerError), (503, exc.ServerError),
])
def test_http_error_status(provider, mocked, status, expected):
    mocked.add(responses.POST, SENDMSG, body='<html>oops</html>', status=status)
    with pytest.raises(expected, match=str(status)) as caught:
        provider.send(OutgoingMessage('1', 'Hi'))
    assert caught.value.status_code == status
    assert isinstance(caught.value, exc.ServerError) == (status >= 500)


@pytest.mark.parametrize('body', ['', 'Hello there', '<html><body>Maintenance</body></html>', 'ID:', 'OK: 12'])
def test_an_answer_that_is_not_an_id_is_a_provider_error_quoting_it(provider, mocked, body):
    mocked.add(responses.POST, SENDMSG, body=body)
    with pytest.raises(exc.ProviderError, match='Unexpected answer') as caught:
        provider.send(OutgoingMessage('1', 'Hi'))
    assert repr(body) in str(caught.value)


def test_invalid_answers_are_errors_under_python_O(tmp_path):
    """No `assert` validates answers: under -O the checks must still raise."""
    script = textwrap.dedent('''
        import sys
        import responses
        from smsframework import Gateway, OutgoingMessage, exc
        from smsframework_clickatell import ClickatellProvider
        p = ClickatellProvider(Gateway(), 'c', 1, 'u', 'p', api_url='http://x.test')
        with responses.RequestsMock() as m:
            m.add(responses.POST, 'http://x.test/http/sendmsg', body='garbage')
            try:
                p.send(OutgoingMessage('1', 'hi'))
            except exc.ProviderError as e:
                print(sys.flags.optimize, type(e).__name__)
    ''')
    result = subprocess.run([sys.executable, '-O', '-c', script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == '1 ClickatellResponseError', result.stderr



def test_connection_refused_is_a_connection_error(gateway):
    provider = ClickatellProvider(gateway, 'c', api_url=closed_port_url(),
                                  timeout=2, retries=0, **CREDENTIALS)
    with pytest.raises(exc.ConnectionError) as caught:
        provider.send(OutgoingMessage('1', 'Hi'))
    assert PASSWORD not in str(caught.value)


def test_dns_failure_is_a_connection_error(gateway):
    provider = ClickatellProvider(gateway, 'c', api_url='http://no-such-host.invalid', timeout=2, retries=0,
                                  **CREDENTIALS)
    with pytest.raises(exc.ConnectionError):
        provider.get_balance()


def test_a_silent_server_times_out_instead_of_hanging(gateway):
    with socket.socket() as server:
        server.bind(('127.0.0.1', 0))
        server.listen(1)  # accepts the connection, never answers
        provider = ClickatellProvider(gateway, 'c', api_url='http://127.0.0.1:{}'.format(server.getsockname()[1]),
                                      timeout=0.3, **CREDENTIALS)
        with pytest.raises(error.ClickatellTimeout) as caught:
            provider.send(OutgoingMessage('1', 'Hi'))
    assert isinstance(caught.value, exc.ConnectionError)


@pytest.mark.parametrize('failure', [requests.ConnectTimeout('boom'), requests.ReadTimeout('boom'),
                                     requests.ConnectionError('boom')])
def test_requests_failures_become_connection_errors(provider, mocked, failure):
    mocked.add(responses.POST, SENDMSG, body=failure)
    with pytest.raises(exc.ConnectionError, match='boom'):
        provider.send(OutgoingMessage('1', 'Hi'))


def test_the_password_is_in_no_repr_exception_or_log(provider, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.add(responses.POST, SENDMSG, body='ERR: 001, Authentication failed')
    mocked.add(responses.POST, SENDMSG, body='garbage')
    mocked.add(responses.POST, SENDMSG, body='oops', status=500)
    failures = []
    for _ in range(3):
        with pytest.raises(exc.ProviderError) as caught:
            provider.send(OutgoingMessage('1', 'Hi'))
        failures.append(caught.value)
    shown = [repr(provider), str(provider), repr(provider.api), repr(vars(provider.api)), caplog.text]
    shown += [str(e) for e in failures] + [repr(e) for e in failures]
    for text in shown:
        assert PASSWORD not in text
    assert 'sendmsg' in caplog.text


def test_get_balance(provider, mocked):
    mocked.add(responses.POST, API_URL + '/http/getbalance', body='Credit: 12.50')
    assert provider.get_balance() == 12.5
    assert provider.getbalance.__func__ is ClickatellProvider.get_balance


@pytest.mark.parametrize('body', ['Credit: lots', 'Balance: 12', ''])
def test_unreadable_balance_is_a_provider_error(provider, mocked, body):
    mocked.add(responses.POST, API_URL + '/http/getbalance', body=body)
    with pytest.raises(exc.ProviderError):
        provider.get_balance()


def test_balance_errors_are_mapped(provider, mocked):
    mocked.add(responses.POST, API_URL + '/http/getbalance', body='ERR: 001, Authentication failed')
    with pytest.raises(exc.AuthError):
        provider.get_balance()


def test_api_request_returns_the_raw_answer(provider, mocked):
    mocked.add(responses.POST, API_URL + '/http/querymsg', body='ID: abc Status: 004')
    assert provider.api_request('querymsg', apimsgid='abc') == 'ID: abc Status: 004'
    body = mocked.calls[0].request.body
    assert b'apimsgid=abc' in body and b'api_id=3456789' in body


def test_api_request_maps_errors(provider, mocked):
    mocked.add(responses.POST, API_URL + '/http/querymsg', body='ERR: 103, Unknown API message ID')
    with pytest.raises(error.E103):
        provider.api_request('querymsg', apimsgid='nope')
