"""The receivers as HTTP endpoints: methods, body sizes and transfer encodings, failing hooks."""
import io
import logging

import pytest
from flask import Flask, request

from smsframework_clickatell.receiver import MAX_BODY_SIZE

from .pushes import FORM, IM, MO_LATIN1_ASCII, STATUS, STATUS_DOC, send, send_raw

PUSHES = [(IM, MO_LATIN1_ASCII), (STATUS, STATUS_DOC)]
PUSH_IDS = ['im', 'status']


def padded(query, size):
    """A form body of exactly `size` bytes: `query` and a padding field Clickatell never sends."""
    body = (query + '&padding=').encode('ascii')
    return body + b'x' * (size - len(body))


def chunked(client, url, body, terminated=True, length=False):
    """POST `body` as a chunked request, the server saying (or not) that it delimits the stream, and
    giving (or not) the length of the body it undid the chunking of."""
    environ = {'wsgi.input_terminated': True} if terminated else {}
    # Werkzeug's test client measures every body: take the length away unless the server gives it.
    environ['CONTENT_LENGTH'] = str(len(body)) if length else ''
    return client.post(url, input_stream=io.BytesIO(body), content_type=FORM,
                       headers={'Transfer-Encoding': 'chunked'}, environ_overrides=environ)


def hook_calls(hooks):
    return len(hooks.messages) + len(hooks.statuses)


# Methods

@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_head_is_refused_and_never_fires_the_hook(client, hooks, url, query):
    """Flask answers HEAD with the GET view: the receiver refuses it rather than handle the push."""
    response = client.head(url + '?' + query)
    assert response.status_code == 405
    assert response.headers['Allow'] == 'GET, POST'
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('method', ['OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND'])
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_methods_other_than_get_and_post_are_refused(client, hooks, url, query, method):
    response = client.open(url + '?' + query, method=method, data=query, content_type=FORM)
    assert response.status_code == 405
    assert 'OPTIONS' not in response.headers['Allow']
    assert hook_calls(hooks) == 0


# Body sizes and transfer encodings

@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_body_of_the_largest_size_is_read(client, hooks, url, query):
    response = client.post(url, data=padded(query, MAX_BODY_SIZE), content_type=FORM)
    assert response.status_code == 200
    assert hook_calls(hooks) == 1


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_larger_body_is_refused_with_413(client, hooks, url, query):
    response = client.post(url, data=padded(query, MAX_BODY_SIZE + 1), content_type=FORM)
    assert (response.status_code, response.mimetype) == (413, 'text/plain')
    assert response.get_data(as_text=True) == 'the body is larger than 65536 bytes\n'
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_chunked_body_of_the_largest_size_is_read(client, hooks, url, query):
    assert chunked(client, url, padded(query, MAX_BODY_SIZE)).status_code == 200
    assert hook_calls(hooks) == 1


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_larger_chunked_body_is_refused_with_413_never_truncated(client, hooks, url, query):
    """The fields are all in the first 64 KiB: a receiver that read only that much would call the hook."""
    response = chunked(client, url, padded(query, 4 * MAX_BODY_SIZE))
    assert response.status_code == 413
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_chunked_body_the_server_neither_delimits_nor_measures_is_refused(client, hooks, url, query):
    """Werkzeug reads such a body as empty; the receiver would see only the query string."""
    response = chunked(client, url + '?' + query, padded(query, 100), terminated=False)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == 'a chunked body needs a server that delimits it: send Content-Length\n'
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_chunked_body_whose_length_the_server_gives_is_read(client, hooks, url, query):
    """Werkzeug ignores Content-Length beside "chunked" and would read nothing."""
    response = chunked(client, url, padded(query, 100), terminated=False, length=True)
    assert response.status_code == 200
    assert hook_calls(hooks) == 1


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_larger_chunked_body_whose_length_the_server_gives_is_refused_with_413(client, hooks, url, query):
    response = chunked(client, url, padded(query, 4 * MAX_BODY_SIZE), terminated=False, length=True)
    assert response.status_code == 413
    assert hook_calls(hooks) == 0


def test_the_plain_test_client_with_a_chunked_header(client, hooks):
    big = client.post(IM, data=b'from=1&text=hi&pad=' + b'x' * (2 * MAX_BODY_SIZE), content_type=FORM,
                      headers={'Transfer-Encoding': 'chunked'})
    small = client.post(IM, data=b'from=1&text=hi', content_type=FORM, headers={'Transfer-Encoding': 'chunked'})
    assert (big.status_code, small.status_code) == (413, 200)
    assert [m.body for m in hooks.messages] == ['hi']


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_large_body_is_refused_on_a_get_as_well(client, hooks, url, query):
    response = client.get(url + '?' + query, data=b'x' * (MAX_BODY_SIZE + 1))
    assert response.status_code == 413
    assert hook_calls(hooks) == 0


def test_a_get_body_is_ignored(client, hooks):
    assert client.get(STATUS + '?apiMsgId=x&status=004', data=b'apiMsgId=y&status=005').status_code == 200
    assert (hooks.statuses[0].msgid, hooks.statuses[0].status_code) == ('x', 4)


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_the_applications_lower_body_limit_is_kept(url, query):
    from .conftest import receiving_app
    client, hooks = receiving_app()
    client.application.config['MAX_CONTENT_LENGTH'] = 100
    assert client.post(url, data=padded(query, 101), content_type=FORM).status_code == 413
    assert chunked(client, url, padded(query, 101)).status_code == 413
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('environ, reason', [
    ({'CONTENT_LENGTH': '1000'}, 'the body is shorter than its Content-Length'),
    ({'CONTENT_LENGTH': 'many'}, 'header Content-Length is not a number'),
    ({'CONTENT_LENGTH': '-5'}, 'header Content-Length is not a number'),
    ({'CONTENT_LENGTH': '\u00b2'}, 'header Content-Length is not a number'),  # SUPERSCRIPT TWO: isdigit()
    ({'HTTP_CONTENT_ENCODING': 'gzip'}, 'Content-Encoding is not supported: send the body uncompressed'),
])
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_body_that_cannot_be_read_whole_is_rejected_with_400(client, hooks, url, query, environ, reason):
    response = send_raw(client, url, 'POST', body=query.encode('ascii'), content_type=FORM, **environ)
    assert (response.status_code, response.get_data(as_text=True)) == (400, reason + '\n')
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_content_length_of_thousands_of_digits_is_refused_with_413(client, hooks, url, query):
    """int() refuses more than 4,300 digits: such a header must not make the receiver fail with 500."""
    response = send_raw(client, url, 'POST', body=query.encode('ascii'), content_type=FORM, CONTENT_LENGTH='9' * 5000)
    assert response.status_code == 413
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_content_length_with_thousands_of_leading_zeros_is_refused_with_400(client, hooks, url, query):
    """Werkzeug cannot read the body by such a length (int() again): 400, never 500."""
    response = send_raw(client, url, 'POST', body=query.encode('ascii'), content_type=FORM,
                        CONTENT_LENGTH='0' * 5000 + str(len(query)))
    assert response.status_code == 400
    assert hook_calls(hooks) == 0


class BrokenStream(io.BytesIO):
    """A server's input stream that raises `error` after its first bytes, as on a reset connection or a
    malformed chunk."""

    def __init__(self, data, error):
        super().__init__(data)
        self.error = error

    def read(self, size=-1):
        if self.tell():
            raise self.error
        return super().read(16)


class InvalidChunkSize(Exception):
    """As gunicorn's own (a ParseException): neither an OSError nor a ValueError."""


def broken_push(client, url, query, error):
    return client.post(url + '?' + query, input_stream=BrokenStream(query.encode('ascii'), error), content_type=FORM,
                       headers={'Transfer-Encoding': 'chunked'}, environ_overrides={'wsgi.input_terminated': True})


# Each server has its own exception for a body it cannot deliver.
SERVER_ERRORS = [
    OSError('connection reset by peer'),  # Werkzeug's server, uWSGI
    ValueError('invalid chunk header'),  # eventlet
    InvalidChunkSize('Invalid chunk size: zz'),  # gunicorn
]


@pytest.mark.parametrize('error', SERVER_ERRORS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_chunked_body_the_server_fails_to_deliver_is_rejected_with_400(client, hooks, url, query, error):
    response = broken_push(client, url, query, error)
    assert (response.status_code, response.get_data(as_text=True)) == (400, 'the body was cut short or is malformed\n')
    assert hook_calls(hooks) == 0


@pytest.mark.parametrize('error', [KeyboardInterrupt(), SystemExit(1)], ids=lambda e: type(e).__name__)
def test_an_interrupt_while_reading_the_body_is_not_taken_for_a_bad_request(client, hooks, error):
    with pytest.raises(type(error)):
        broken_push(client, STATUS, STATUS_DOC, error)
    assert hook_calls(hooks) == 0


def test_a_server_out_of_memory_is_not_blamed_on_the_request(client, hooks):
    """500, not 400: Clickatell retries the push later instead of dropping it."""
    assert broken_push(client, STATUS, STATUS_DOC, MemoryError()).status_code == 500
    assert hook_calls(hooks) == 0


def test_a_body_the_application_read_first_is_still_read_whole(gateway, provider, hooks):
    app = Flask(__name__)
    app.before_request(lambda: request.get_data() and None)  # e.g. to check a signature
    gateway.receiver_blueprints_register(app, prefix='/sms/')
    assert app.test_client().post(STATUS, data=STATUS_DOC, content_type=FORM).status_code == 200
    assert hooks.statuses[0].msgid == '996f364775e24b8432f45d77da8eca47'


def test_a_body_the_application_parsed_as_a_form_first_is_rejected(gateway, provider, hooks):
    """Werkzeug keeps no copy of a body it parsed: the receiver must not act on the query string alone."""
    app = Flask(__name__)
    app.before_request(lambda: request.form and None)
    gateway.receiver_blueprints_register(app, prefix='/sms/')
    response = app.test_client().post(STATUS + '?apiMsgId=x&status=004', data='status=005', content_type=FORM)
    assert (response.status_code, response.get_data(as_text=True)) == (
        400, 'the body is shorter than its Content-Length\n')
    assert hooks.statuses == []


# Failing hooks

@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_failing_hook_answers_500_so_clickatell_retries(client, hooks, caplog, url, query, method):
    hooks.fail = RuntimeError('database is down')
    response = send(client, url, method, query)
    assert (response.status_code, response.mimetype) == (500, 'text/plain')
    assert response.get_data(as_text=True) == 'the application failed to handle it\n'
    assert hook_calls(hooks) == 1
    [record] = [r for r in caplog.records if r.name == 'smsframework_clickatell.receiver']
    assert record.levelno == logging.ERROR
    assert record.exc_info[1] is hooks.fail  # logged with its traceback


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_push_calls_the_hook_exactly_once_and_answers_ok(client, hooks, caplog, url, query, method):
    response = send(client, url, method, query)
    assert (response.status_code, response.mimetype, response.get_data(as_text=True)) == (200, 'text/plain', 'OK')
    assert hook_calls(hooks) == 1
    assert caplog.records == []
