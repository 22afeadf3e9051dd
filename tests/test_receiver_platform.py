"""Receivers of a Platform SMS integration: status and reply callbacks, GET query or POST JSON."""
import functools
import json
import logging
from datetime import datetime
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from smsframework import IncomingMessage, MessageAccepted, MessageDelivered, MessageError, MessageExpired

from smsframework_clickatell import ClickatellMessageStatus
from smsframework_clickatell.status import S003, S004, S010

from .conftest import RECEIVER_AUTH, generation_app
from .pushes import IM, NOW, STATUS, basic, send_raw

# The status callback of the spec's example, as a JSON object (numbers as numbers).
STATUS_PUSH = {
    'integrationName': 'My integration', 'messageId': '4bd8b2a0e7e6d1a3c2b0a2f5e6d7c8b9',
    'requestId': '1b4b6c1e-5a1c-4c7e-9a1e-0b1c2d3e4f50', 'clientMessageId': 'order-17', 'to': '2799900001',
    'from': '2799900000', 'statusCode': 4, 'status': 'RECEIVED_BY_RECIPIENT',
    'statusDescription': 'Received by recipient', 'timestamp': 1516217711000,
}
# A reply callback without its text and charset (each case brings its own).
REPLY_PUSH = {
    'integrationName': 'My integration', 'messageId': '4bd8b2a0e7e6d1a3c2b0a2f5e6d7c8b9',
    'replyMessageId': 'f0e1d2c3b4a5968778695a4b3c2d1e0f', 'fromNumber': '250788383383', 'toNumber': '2799900000',
    'timestamp': 1516217711000, 'keyword': 'HELLO', 'network': 'MTN', 'udh': '',
}
SENT = datetime(2018, 1, 17, 19, 35, 11)  # 1516217711000 ms


@pytest.fixture
def app():
    return generation_app('platform')


def get(client, url, fields, raw=''):
    """`fields` as a query string, and `raw` (already percent-encoded) after them."""
    return client.get(url + '?' + urlencode(fields) + raw)


def post_json(client, url, document):
    return client.post(url, data=json.dumps(document), content_type='application/json')


def message_seen(message):
    """What a hook sees of an incoming message."""
    assert type(message) is IncomingMessage
    return {'provider': message.provider, 'src': message.src, 'dst': message.dst, 'msgid': message.msgid,
            'body': message.body, 'rtime': message.rtime, 'meta': message.meta}


def status_seen(status):
    """What a hook sees of a status."""
    return {'class': type(status), 'provider': status.provider, 'msgid': status.msgid,
            'status_code': status.status_code, 'status': status.status, 'rtime': status.rtime, 'meta': status.meta}


# Status callback

STATUS_SEEN = {
    'class': S004, 'provider': 'clickatell', 'msgid': '4bd8b2a0e7e6d1a3c2b0a2f5e6d7c8b9', 'status_code': 4,
    'status': 'RECEIVED_BY_RECIPIENT', 'rtime': SENT,
    'meta': {'statusCode': 4, 'status': 'RECEIVED_BY_RECIPIENT', 'statusDescription': 'Received by recipient',
             'clientMessageId': 'order-17', 'integrationName': 'My integration',
             'requestId': '1b4b6c1e-5a1c-4c7e-9a1e-0b1c2d3e4f50', 'from': '2799900000', 'to': '2799900001'},
}


@pytest.mark.parametrize('send', [
    lambda client: get(client, STATUS, STATUS_PUSH),
    lambda client: post_json(client, STATUS, STATUS_PUSH),
    lambda client: post_json(client, STATUS, {k: str(v) for k, v in STATUS_PUSH.items()}),  # numbers as strings
], ids=['GET', 'POST JSON', 'POST JSON, numbers as strings'])
def test_status_callback(app, send):
    client, hooks = app
    response = send(client)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    assert hooks.messages == []
    [status] = hooks.statuses
    assert status_seen(status) == STATUS_SEEN
    assert status.delivered


@pytest.mark.parametrize('fields, cls, code, name', [
    ({'statusCode': '3', 'status': 'DELIVERED_TO_GATEWAY'}, S003, 3, 'DELIVERED_TO_GATEWAY'),
    ({'statusCode': '10'}, S010, 10, 'Message expired'),  # the code alone: the legacy text
    ({'status': 'MESSAGE_EXPIRED'}, S010, 10, 'MESSAGE_EXPIRED'),  # the name alone gives its code
    ({'status': 'SOMETHING_NEW'}, ClickatellMessageStatus, None, 'SOMETHING_NEW'),
    ({'statusCode': '13', 'status': 'SOMETHING_NEW'}, ClickatellMessageStatus, 13, 'SOMETHING_NEW'),
], ids=['code and name', 'code', 'known name', 'unknown name', 'unknown code'])
def test_status_class_from_code_or_name(app, clock, fields, cls, code, name):
    client, hooks = app
    assert get(client, STATUS, dict(messageId='abc', **fields)).status_code == 200
    [status] = hooks.statuses
    assert (type(status), status.status_code, status.status) == (cls, code, name)
    assert status.rtime == NOW  # no timestamp: stamped now
    assert status.meta == {key: int(value) if key == 'statusCode' else value for key, value in fields.items()}


@pytest.mark.parametrize('code, meaning', [(2, MessageAccepted), (4, MessageDelivered), (5, MessageError),
                                           (9, MessageError), (10, MessageExpired), (12, MessageError)])
def test_status_codes_are_the_legacy_numbering(app, code, meaning):
    client, hooks = app
    get(client, STATUS, {'messageId': 'abc', 'statusCode': code})
    assert isinstance(hooks.statuses[0], meaning)


# Reply callback

# (case, charset, `text` in a query string, `text` in JSON, the text)
REPLY_TEXTS = [
    ('UTF-8', 'UTF-8', 'Gr%C3%BC%C3%9Fe+%E2%82%AC', 'Grüße €', 'Grüße €'),
    ('UTF-16BE', 'UTF-16BE', '%04%1F%04%40%048%042%045%04B%00%2C%00+%046%04%3E%04%3F%040%00!',
     '%04%1F%04%40%048%042%045%04B%00%2C%00+%046%04%3E%04%3F%040%00!', 'Привет, жопа!'),
    ('ISO-8859-1', 'ISO-8859-1', 'Gr%FC%DFe', 'Gr%FC%DFe', 'Grüße'),
    ('UCS2 (an alias of UTF-16BE)', 'UCS2', '%00G%00r%00%FC%00%DF%00e', '%00G%00r%00%FC%00%DF%00e', 'Grüße'),
]


@pytest.mark.parametrize('method', ['GET', 'POST JSON'])
@pytest.mark.parametrize('charset, query_text, json_text, text', [c[1:] for c in REPLY_TEXTS],
                         ids=[c[0] for c in REPLY_TEXTS])
def test_reply_callback(app, method, charset, query_text, json_text, text):
    client, hooks = app
    if method == 'GET':
        response = get(client, IM, dict(REPLY_PUSH, charset=charset), '&text=' + query_text)
    else:
        response = post_json(client, IM, dict(REPLY_PUSH, charset=charset, text=json_text))
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    assert hooks.statuses == []
    [message] = hooks.messages
    assert message_seen(message) == {
        'provider': 'clickatell', 'src': '250788383383', 'dst': '2799900000',
        'msgid': 'f0e1d2c3b4a5968778695a4b3c2d1e0f', 'body': text, 'rtime': SENT,
        'meta': {'charset': charset, 'keyword': 'HELLO', 'network': 'MTN', 'integrationName': 'My integration',
                 'messageId': '4bd8b2a0e7e6d1a3c2b0a2f5e6d7c8b9'},
    }


def test_minimal_reply_takes_messageId_as_its_id_and_utf8_as_its_charset(app, clock):
    """The spec's example without replyMessageId: messageId is the reply's own id, and no MT id is known."""
    client, hooks = app
    push = {'messageId': '1234', 'fromNumber': '+250 788 383 383', 'text': '100% sure'}
    assert post_json(client, IM, push).status_code == 200
    assert message_seen(hooks.messages[0]) == {
        'provider': 'clickatell', 'src': '250788383383', 'dst': None, 'msgid': '1234', 'body': '100% sure',
        'rtime': NOW, 'meta': {}}


def test_a_json_text_with_characters_beyond_ascii_is_taken_as_it_is(app):
    """It cannot be percent-encoded bytes, whatever charset the push names."""
    client, hooks = app
    assert post_json(client, IM, dict(REPLY_PUSH, charset='ISO-8859-1', text='Grüße 100%')).status_code == 200
    assert hooks.messages[0].body == 'Grüße 100%'


def test_extra_fields_go_into_meta_and_unknown_ones_are_ignored_whatever_their_type(app):
    client, hooks = app
    push = dict(REPLY_PUSH, text='hi', clientMessageId='order-17', udh='050003CC0201', newField={'a': [1, True]},
                flag=False, listed=[1, 2])
    assert post_json(client, IM, push).status_code == 200
    meta = hooks.messages[0].meta
    assert meta == {'udh': '050003CC0201', 'keyword': 'HELLO', 'network': 'MTN', 'integrationName': 'My integration',
                    'clientMessageId': 'order-17', 'messageId': '4bd8b2a0e7e6d1a3c2b0a2f5e6d7c8b9'}


def test_a_legacy_push_is_not_read_as_a_platform_one(app):
    """The receivers follow the provider's API: a legacy field set lacks the Platform's fields."""
    client, hooks = app
    response = client.get(STATUS + '?apiMsgId=abc&status=004')
    assert (response.status_code, response.get_data(as_text=True)) == (400, 'missing field messageId\n')
    assert hooks.statuses == []


# Refusals: 400 with the reason, a warning, no hook

# (url, query string or JSON document, the reason)
UNREADABLE = [
    (STATUS, 'statusCode=4', 'missing field messageId'),
    (STATUS, 'messageId=&statusCode=4', 'missing field messageId'),
    (STATUS, 'messageId=abc', 'missing field statusCode or status'),
    (STATUS, 'messageId=a+b&statusCode=4',
     "field messageId is not an id (up to 64 letters, digits, - and _): 'a b'"),
    (STATUS, 'messageId={}&statusCode=4'.format('a' * 65),
     "field messageId is not an id (up to 64 letters, digits, - and _): '{}'".format('a' * 40)),
    (STATUS, 'messageId=%FF&statusCode=4', 'field messageId is not valid UTF-8'),
    (STATUS, 'messageId=abc&statusCode=four', "field statusCode is not a number: 'four'"),
    (STATUS, 'messageId=abc&statusCode=-4', "field statusCode is not a number: '-4'"),
    (STATUS, 'messageId=abc&statusCode=4&timestamp=-1',
     "field timestamp is not a time in milliseconds since 1970: '-1'"),
    (STATUS, 'messageId=abc&statusCode=4&timestamp=1.5e12',
     "field timestamp is not a time in milliseconds since 1970: '1.5e12'"),
    (STATUS, 'messageId=abc&statusCode=4&timestamp=nan',
     "field timestamp is not a time in milliseconds since 1970: 'nan'"),
    (STATUS, 'messageId=abc&statusCode=4&timestamp=999999999999999',  # the year 33658
     "field timestamp is not a time in milliseconds since 1970: '999999999999999'"),
    (STATUS, 'messageId=abc&statusCode=4&to=nobody', "field to is not a phone number: 'nobody'"),
    (STATUS, 'messageId=abc&statusCode=4&statusDescription=' + 'x' * 501,
     'field statusDescription is longer than 500 characters'),
    (STATUS, {'messageId': 'abc', 'statusCode': 4.0}, "field statusCode is not a number: '4.0'"),
    (STATUS, {'messageId': 'abc', 'statusCode': 4, 'status': '\ud800'}, 'JSON field status holds a lone surrogate'),
    (IM, 'messageId=1&text=hi', 'missing field fromNumber'),
    (IM, 'messageId=1&fromNumber=MTN&text=hi', "field fromNumber is not a phone number: 'MTN'"),
    (IM, 'messageId=1&fromNumber=1&toNumber=shortcode&text=hi', "field toNumber is not a phone number: 'shortcode'"),
    (IM, 'fromNumber=1&text=hi', 'missing field replyMessageId or messageId'),
    (IM, 'replyMessageId=a.b&fromNumber=1&text=hi',
     "field replyMessageId is not an id (up to 64 letters, digits, - and _): 'a.b'"),
    (IM, 'messageId=1&fromNumber=1', 'missing field text'),
    (IM, 'messageId=1&fromNumber=1&text=hi&charset=KOI-9', "unknown charset 'KOI-9'"),
    (IM, 'messageId=1&fromNumber=1&text=%D8%00&charset=UTF-16BE', 'field text is not valid UTF-16BE'),
    (IM, 'messageId=1&fromNumber=1&text=%FF', 'field text is not valid UTF-8'),
    (IM, 'messageId=1&fromNumber=1&text=%2B2AA-&charset=UTF-7', 'field text holds a lone surrogate'),
    (IM, {'messageId': '1', 'fromNumber': '1', 'text': 'Gr%FCe 100%', 'charset': 'ISO-8859-1'},
     'field text has a malformed percent-escape'),
    (IM, {'messageId': '1', 'fromNumber': '1', 'text': '%D8%00', 'charset': 'UTF-16BE'},
     'field text is not valid UTF-16BE'),
    (IM, {'messageId': '1', 'fromNumber': '1', 'text': 'hi', 'timestamp': 'yesterday'},
     "field timestamp is not a time in milliseconds since 1970: 'yesterday'"),
]


@pytest.mark.parametrize('url, push, reason', UNREADABLE, ids=[r[2] for r in UNREADABLE])
def test_unreadable_push_is_refused(app, caplog, url, push, reason):
    client, hooks = app
    if isinstance(push, dict):
        response = post_json(client, url, push)
    else:
        response = send_raw(client, url, query=push.encode('ascii'))
    assert (response.status_code, response.get_data(as_text=True)) == (400, reason + '\n')
    assert hooks.calls == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert reason in caplog.text


# Answers shared with the legacy receivers

@pytest.mark.parametrize('url, query', [(STATUS, 'messageId=abc&statusCode=4'),
                                        (IM, 'messageId=abc&fromNumber=1&text=hi')], ids=['status', 'reply'])
def test_a_hook_that_raises_gets_500(app, caplog, url, query):
    client, hooks = app
    hooks.fail = RuntimeError('database down')
    response = client.get(url + '?' + query)
    assert (response.status_code, response.get_data(as_text=True)) == (500, 'the application failed to handle it\n')
    assert len(hooks.calls) == 1
    assert 'database down' in caplog.text


@pytest.mark.parametrize('url, query', [(STATUS, 'messageId=abc&statusCode=4'),
                                        (IM, 'messageId=abc&fromNumber=1&text=hi')], ids=['status', 'reply'])
def test_receiver_auth(url, query):
    client, hooks = generation_app('platform', receiver_auth=RECEIVER_AUTH)
    assert client.get(url + '?' + query).status_code == 401
    assert client.get(url + '?' + query, headers={'Authorization': basic(RECEIVER_AUTH[0], 'wrong')}).status_code == 401
    assert hooks.calls == []
    assert client.get(url + '?' + query, headers={'Authorization': basic(*RECEIVER_AUTH)}).status_code == 200
    assert len(hooks.calls) == 1


def test_other_methods_get_405(app):
    client, hooks = app
    assert client.put(STATUS + '?messageId=abc&statusCode=4').status_code == 405
    assert hooks.calls == []


# Property: whatever fields arrive, by GET or as JSON, the answer is 200 with one hook call or 400 with none.

@functools.lru_cache(maxsize=None)
def platform_app():
    """One app for all examples (an app per example would be slow); the hooks are reset per example."""
    client, hooks = generation_app('platform')
    client.application.testing = True  # an unhandled exception fails the test with its traceback
    return client, hooks


PLAUSIBLE = ['abc', '4bd8b2a0e7e6d1a3c2b0a2f5e6d7c8b9', '2799900001', '+27 99 900', '1516217711000', 'UTF-8',
             'UTF-16BE', 'ISO-8859-1', 'RECEIVED_BY_RECIPIENT', '4', '%04%1F', 'Gr%FC%DFe', '%D8', '']
SCALARS = st.one_of(st.text(max_size=8), st.sampled_from(PLAUSIBLE), st.integers(), st.floats(allow_nan=False))
NAMES = st.sampled_from(['messageId', 'replyMessageId', 'fromNumber', 'toNumber', 'text', 'charset', 'timestamp',
                         'statusCode', 'status', 'to', 'from', 'udh', 'keyword', 'other'])
# Readable pushes with up to three fields set to anything.
BASES = st.sampled_from([{'messageId': 'abc', 'statusCode': 4}, {'messageId': 'abc', 'fromNumber': '1', 'text': 'hi'},
                         dict(REPLY_PUSH, text='%04%1F', charset='UTF-16BE'), STATUS_PUSH])
PUSHES = st.builds(lambda base, change: dict(base, **change), BASES, st.dictionaries(NAMES, SCALARS, max_size=3))


@settings(max_examples=300, deadline=None)
@given(url=st.sampled_from([IM, STATUS]), push=PUSHES, as_json=st.booleans(),
       extra=st.one_of(st.none(), st.booleans(), st.lists(st.integers(), max_size=2)))
def test_any_push_gets_200_with_one_hook_call_or_400_with_none(url, push, as_json, extra):
    client, hooks = platform_app()
    del hooks.calls[:], hooks.messages[:], hooks.statuses[:]
    if as_json:
        response = post_json(client, url, dict(push, extra=extra))  # an unknown field of any type
    else:
        response = client.get(url + '?' + urlencode({key: str(value) for key, value in push.items()}))
    assert response.status_code in (200, 400)
    assert len(hooks.calls) == (1 if response.status_code == 200 else 0)
