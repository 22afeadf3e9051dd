"""Properties of the receivers, over hundreds of generated requests each.

1. Any text arrives intact: every character UTF-16 can carry (emoji and the rest beyond the BMP
   included) sent as UTF-16BE, and any ISO-8859-1 text sent as ISO-8859-1, however percent-encoded.
2. Whatever arrives (any method, query string, content type, body, credentials), the answer is 200,
   400, 401, 405 or 413, and the hook is called once if it is 200, never otherwise.
"""
import functools
import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from smsframework_clickatell.receiver import MAX_BODY_SIZE

from .conftest import RECEIVER_AUTH, receiving_app
from .pushes import FORM, IM, STATUS, basic, send_raw

# Characters UTF-16 can carry: all of Unicode but the surrogates, which it uses for the rest.
ANY_TEXT = st.text(st.characters(exclude_categories=('Cs',)))
LATIN1_TEXT = st.text(st.characters(max_codepoint=0xFF))

# The ways a sender may percent-encode a value: every byte, only what must be, or spaces as "+".
ESCAPES = {
    'every byte': lambda data: ''.join('%{:02X}'.format(byte) for byte in data),
    'where needed': lambda data: quote_from_bytes(data, safe="!$'()*,/:;?@~"),
    'spaces as +': lambda data: quote_from_bytes(data, safe=' ').replace(' ', '+'),
}


@functools.lru_cache(maxsize=None)
def receivers(guarded=False):
    """One app per kind for all examples (an app per example would be slow); hooks are reset per example."""
    client, hooks = receiving_app(receiver_auth=RECEIVER_AUTH if guarded else None)
    client.application.testing = True  # an unhandled exception fails the test with its traceback
    return client, hooks


def fresh(guarded=False):
    client, hooks = receivers(guarded)
    hooks.messages.clear()
    hooks.statuses.clear()
    return client, hooks


def send_text(method, escape, data, charset):
    """An MO whose text is `data` in `charset`: as a query, a form body, or (characters) JSON."""
    client, hooks = fresh()
    if method == 'JSON':
        body = json.dumps({'from': '27833001171', 'charset': charset, 'text': data.decode(charset)})
        response = send_raw(client, IM, 'POST', body=body.encode('utf-8'), content_type='application/json')
    else:
        fields = 'from=27833001171&charset={}&text={}'.format(charset, ESCAPES[escape](data)).encode('ascii')
        if method == 'GET':
            response = send_raw(client, IM, 'GET', query=fields)
        else:
            response = send_raw(client, IM, 'POST', body=fields, content_type=FORM)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    [message] = hooks.messages
    return message.body


@pytest.mark.parametrize('method', ['GET', 'POST', 'JSON'])
@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT, escape=st.sampled_from(sorted(ESCAPES)))
def test_any_text_sent_as_utf16be_arrives_intact(method, text, escape):
    assert send_text(method, escape, text.encode('utf-16-be'), 'UTF-16BE') == text


@pytest.mark.parametrize('method', ['GET', 'POST'])
@settings(max_examples=400, deadline=None)
@given(text=LATIN1_TEXT, escape=st.sampled_from(sorted(ESCAPES)))
def test_any_latin1_text_sent_as_latin1_arrives_intact(method, text, escape):
    assert send_text(method, escape, text.encode('iso-8859-1'), 'ISO-8859-1') == text


# Arbitrary requests: junk, and pieces of real pushes mixed with junk, so that some get through.

FIELD_NAMES = ['from', 'to', 'text', 'charset', 'udh', 'moMsgId', 'timestamp', 'api_id', 'network',
               'apiMsgId', 'cliMsgId', 'status', 'charge', 'data', 'xml']
PLAUSIBLE_VALUES = ['', '1', '004', '4', '27833001171', '+27 83 300', 'abc123', 'UTF-16BE', 'ISO-8859-1', 'UTF-8',
                    'hex', '2014-01-29 02:05:46', '2014-02-30 02:05:46', '1218007814', '0.300000', '%ZZ',
                    '<callback><apiMsgId>x</apiMsgId><status>004</status></callback>', '<callback>']
VALUES = st.one_of(st.sampled_from(PLAUSIBLE_VALUES).map(str.encode), st.binary(max_size=16),
                   st.text(max_size=8).map(lambda text: text.encode('utf-8', 'surrogatepass')))
# The least an MO and a status push need (both, so that either receiver may take it), with any other
# fields added or replacing those.
PUSH_FIELDS = st.tuples(
    st.sampled_from([{}, {'from': b'27833001171', 'text': b'hi', 'apiMsgId': b'abc', 'status': b'004'}]),
    st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=4),
).map(lambda fields: dict(fields[0], **fields[1]))


def encode_form(fields, escape):
    """A form of `fields`, each value escaped one way, or its raw bytes left in."""
    def value(data):
        return data.decode('iso-8859-1') if escape == 'raw' else ESCAPES[escape](data)
    return '&'.join('{}={}'.format(name, value(data)) for name, data in fields.items()).encode('iso-8859-1')


PUSH_FORMS = st.builds(encode_form, PUSH_FIELDS, st.sampled_from(sorted(ESCAPES) + ['raw']))
FORMS = st.one_of(PUSH_FORMS, PUSH_FORMS, st.binary(max_size=64))
JSON_BODIES = st.one_of(
    st.dictionaries(st.sampled_from(FIELD_NAMES),
                    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                              st.sampled_from(PLAUSIBLE_VALUES)), max_size=8),
    st.lists(st.integers(), max_size=3),
).map(lambda document: json.dumps(document).encode('utf-8'))
XML_BODIES = st.lists(st.tuples(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), max_size=8).map(
    lambda elements: ('<callback>' + ''.join('<{0}>{1}</{0}>'.format(name, text) for name, text in elements)
                      + '</callback>').encode('utf-8', 'surrogatepass'))
BODIES = st.one_of(FORMS, JSON_BODIES, XML_BODIES)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)


def mostly(common, anything):
    """One of the `common` values most of the time, else one from the strategy `anything`."""
    return st.sampled_from(list(common) + [anything]).flatmap(
        lambda choice: choice if isinstance(choice, st.SearchStrategy) else st.just(choice))


CONTENT_TYPES = mostly([None, FORM, 'application/json', 'text/xml', 'application/xml', 'text/plain',
                        'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-16'],
                       HEADER_TEXT)
METHODS = mostly(['GET', 'POST'] * 10 + ['HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'],
                 st.text(st.characters(min_codepoint=ord('A'), max_codepoint=ord('Z')), min_size=1, max_size=8))
AUTHORIZATIONS = mostly([None, basic(*RECEIVER_AUTH), basic(*RECEIVER_AUTH), basic(RECEIVER_AUTH[0], 'wrong')],
                        HEADER_TEXT)
# Bodies over the bound, without spending the generator's budget on them.
PADDINGS = st.sampled_from([0, 0, 0, 100, MAX_BODY_SIZE])


@settings(max_examples=500, deadline=None)
@given(url=st.sampled_from([IM, STATUS]), method=METHODS, query=FORMS, body=BODIES, content_type=CONTENT_TYPES,
       padding=PADDINGS, chunked=st.booleans(), guarded=st.sampled_from([False, False, True]),
       authorization=AUTHORIZATIONS)
def test_any_request_gets_a_deliberate_answer_and_the_hook_runs_only_on_200(
        url, method, query, body, content_type, padding, chunked, guarded, authorization):
    client, hooks = fresh(guarded)
    if padding:
        body += b'&padding=' + b'x' * padding
    headers = {'Authorization': authorization} if authorization is not None else {}
    environ = {}
    if chunked:  # as a server that delimits chunked bodies passes it on
        headers['Transfer-Encoding'] = 'chunked'
        environ['wsgi.input_terminated'] = True
    response = send_raw(client, url, method, query, body, content_type, headers, **environ)
    event('answer {}'.format(response.status_code))  # the spread shows with --hypothesis-show-statistics
    assert response.status_code in (200, 400, 401, 405, 413)
    calls = len(hooks.messages) + len(hooks.statuses)
    assert calls == (1 if response.status_code == 200 else 0)
