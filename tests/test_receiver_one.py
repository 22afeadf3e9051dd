"""Receivers of One API: envelopes of events (incoming messages, status updates, types to come) at either URL."""
import functools
import json
import logging
from datetime import datetime

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from smsframework import IncomingMessage

from smsframework_clickatell.receivers.one import MAX_EVENTS
from smsframework_clickatell.status import OneApiAccepted, OneApiDelivered, OneApiError, OneApiExpired, OneApiStatus

from .conftest import RECEIVER_AUTH, generation_app
from .pushes import IM, NOW, STATUS, basic, send_raw

URLS = pytest.mark.parametrize('url', [IM, STATUS], ids=['im', 'status'])

MT_ID = '77fb29a3c5b64e1c8d2f0a9b8c7d6e5f'


def mo(number, **fields):
    """A ``moText`` item, as the spec shows it."""
    item = {'channel': 'sms', 'messageId': 'mo{:030d}'.format(number), 'relatedMessageId': MT_ID,
            'relatedClientMessageId': 'order-17', 'from': '2799900001', 'to': '2799900000',
            'timestamp': 1516217711000 + number, 'content': 'Hello {}'.format(number), 'charset': 'UTF-8',
            'sms': {'network': 'Vodacom'}}
    item.update(fields)
    return item


def status(code, name, **fields):
    """A ``messageStatusUpdate`` item, as the spec shows it."""
    item = {'channel': 'sms', 'messageId': MT_ID, 'clientMessageId': 'order-17', 'statusCode': code,
            'status': name, 'timestamp': 1516217712345}
    item.update(fields)
    return item


def envelope(**events):
    return {'integrationId': 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'integrationName': 'Main', 'event': events}


ENVELOPE_META = {'integrationId': 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'integrationName': 'Main'}


def post(client, url, document):
    body = document if isinstance(document, bytes) else json.dumps(document).encode('utf-8')
    return client.post(url, data=body, content_type='application/json')


def seen(item):
    """What a hook sees of a message or a status."""
    if isinstance(item, IncomingMessage):
        return ('message', item.provider, item.msgid, item.src, item.dst, item.body, item.rtime, item.meta)
    return (type(item), item.provider, item.msgid, item.status_code, item.status, item.rtime, item.meta)


def mo_seen(number, body=None, **meta):
    return ('message', 'clickatell', 'mo{:030d}'.format(number), '2799900001', '2799900000',
            body or 'Hello {}'.format(number), datetime(2018, 1, 17, 19, 35, 11, number * 1000),
            dict(dict(ENVELOPE_META, channel='sms', charset='UTF-8', relatedClientMessageId='order-17',
                      relatedMessageId=MT_ID, network='Vodacom'), **meta))


def status_seen(cls, code, name):
    return (cls, 'clickatell', MT_ID, code, name, datetime(2018, 1, 17, 19, 35, 12, 345000),
            dict(ENVELOPE_META, statusCode=code, status=name, channel='sms', clientMessageId='order-17'))


@pytest.fixture
def app():
    return generation_app('one')


@URLS
def test_an_envelope_of_several_events_calls_each_hook_in_document_order(app, url):
    client, hooks = app
    document = envelope(messageStatusUpdate=[status(4, 'SENT_TO_SUPPLIER'), status(5, 'DEVICE_ACK')],
                        moText=[mo(1), mo(2)])
    response = post(client, url, document)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    assert [seen(item) for item in hooks.calls] == [
        status_seen(OneApiAccepted, 4, 'SENT_TO_SUPPLIER'),
        status_seen(OneApiDelivered, 5, 'DEVICE_ACK'),
        mo_seen(1),
        mo_seen(2),
    ]


@pytest.mark.parametrize('code, name, cls', [
    (1, 'UNKNOWN', OneApiStatus),
    (2, 'QUEUED', OneApiAccepted),
    (4, 'SENT_TO_SUPPLIER', OneApiAccepted),  # "received by recipient" in the legacy numbering, not here
    (5, 'DEVICE_ACK', OneApiDelivered),
    (6, 'READ', OneApiDelivered),
    (20, 'EXPIRED', OneApiExpired),
    (21, 'STOPPED_BY_USER', OneApiError),
    (29, 'RECIPIENT_DOES_NOT_EXIST', OneApiError),
    (60, 'ENCRYPTION_ACCESS_DENIED', OneApiError),
    (83, 'MEDIA_SOMETHING', OneApiError),
    (100, 'ROUTING_ERROR', OneApiError),
    (131, 'WHATSAPP_SOMETHING', OneApiError),
    (None, 'DEVICE_ACK', OneApiDelivered),  # a name alone
    ('6', None, OneApiDelivered),  # a code alone, written as a string
    (7, 'SOMETHING_NEW', OneApiStatus),
])
def test_status_updates_use_one_apis_numbering(app, code, name, cls):
    client, hooks = app
    item = {'messageId': MT_ID, 'statusCode': code, 'status': name}
    assert post(client, STATUS, envelope(messageStatusUpdate=[item])).status_code == 200
    [update] = hooks.statuses
    assert type(update) is cls
    assert (update.status_code, update.meta) == (
        None if code is None else int(code),
        dict(ENVELOPE_META, **{key: value for key, value in (('statusCode', code and int(code)), ('status', name))
                               if value is not None}))


@pytest.mark.parametrize('charset, content, body', [
    ('UTF-8', 'Grüße 100% €', 'Grüße 100% €'),
    ('UTF-16BE', '%04%1F%04%40%048%042%045%04B%00%2C%00+%046%04%3E%04%3F%040%00!', 'Привет, жопа!'),
    ('ISO-8859-1', 'Gr%FC%DFe', 'Grüße'),
])
def test_mo_content_is_decoded_per_charset(app, charset, content, body):
    client, hooks = app
    assert post(client, IM, envelope(moText=[mo(1, charset=charset, content=content)])).status_code == 200
    assert seen(hooks.messages[0]) == mo_seen(1, body, charset=charset)


def test_a_minimal_envelope(app, clock):
    """Only what each event needs; without a timestamp, stamped now; without a charset, UTF-8."""
    client, hooks = app
    document = {'event': {'moText': [{'messageId': 'm1', 'from': '+27 99 900 0001', 'content': '100%'}],
                          'messageStatusUpdate': [{'messageId': 'm2', 'status': 'READ'}]}}
    assert post(client, STATUS, document).status_code == 200
    assert [seen(item) for item in hooks.calls] == [
        ('message', 'clickatell', 'm1', '27999000001', None, '100%', NOW, {}),
        (OneApiDelivered, 'clickatell', 'm2', None, 'READ', NOW, {'status': 'READ'}),
    ]


def test_unknown_fields_are_ignored_whatever_their_type(app):
    client, hooks = app
    document = envelope(moText=[mo(1, newField={'a': [1, None]}, flag=True, sms={'network': 'Vodacom', 'x': [1]})])
    document['version'] = {'major': 2}
    assert post(client, IM, document).status_code == 200
    assert seen(hooks.messages[0]) == mo_seen(1)


@URLS
@pytest.mark.parametrize('events, ignored', [
    ({'moMedia': [{'messageId': 'x', 'media': {'url': 'https://example.com/a.png'}}]}, 'moMedia (1)'),
    ({'statusIsTyping': [{}, {}], 'messageFallback': [{'anything': True}]}, 'statusIsTyping (2), messageFallback (1)'),
    ({'somethingNew': {'not': 'a list'}, 'moLocation': 'nor this'}, 'somethingNew (1), moLocation (1)'),
])
def test_unknown_event_types_are_acknowledged_and_logged(app, caplog, url, events, ignored):
    client, hooks = app
    response = post(client, url, envelope(**events))
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    assert hooks.calls == []
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "Clickatell One API event receiver of 'clickatell' ignored events of types it does not "
                          'know: ' + ignored)]


def test_known_events_beside_unknown_ones_are_handled(app, caplog):
    client, hooks = app
    document = envelope(moMedia=[{'messageId': 'x'}], moText=[mo(1)], statusIsTyping=[{}])
    assert post(client, IM, document).status_code == 200
    assert [seen(item) for item in hooks.calls] == [mo_seen(1)]
    assert 'moMedia (1), statusIsTyping (1)' in caplog.text


def test_an_empty_event_is_acknowledged(app, caplog):
    client, hooks = app
    assert post(client, IM, envelope()).status_code == 200
    assert post(client, IM, envelope(moText=[], messageStatusUpdate=None)).status_code == 200
    assert hooks.calls == [] and caplog.records == []


def test_an_unknown_type_without_events_is_not_logged(app, caplog):
    client, hooks = app
    assert post(client, IM, envelope(moMedia=[], statusIsTyping=None)).status_code == 200
    assert caplog.records == []


# Refusals: 400 with the reason, a warning, no hook called at all

LONE = b'{"event": {"moText": [{"messageId": "m1", "from": "1", "content": "\\ud800"}]}}'
DEEP = b'{"event": {"x": ' + b'[' * 20 + b']' * 20 + b'}}'

# (case, body, the reason)
UNREADABLE = [
    ('not JSON', b'messageId=1&status=4', 'the body is malformed JSON (Expecting value at line 1, column 1)'),
    ('truncated', b'{"event": {"moText": [', 'the body is malformed JSON (Expecting value at line 1, column 23)'),
    ('not an object', b'[{"event": {}}]', 'the JSON body is not an object'),
    ('no event', {'integrationId': 'x'}, 'missing field event'),
    ('event not an object', {'event': [{'moText': []}]}, 'field event is not an object'),
    ('a known type not a list', {'event': {'moText': {'messageId': 'm1'}}}, 'event: field moText is not a list'),
    ('an item not an object', {'event': {'messageStatusUpdate': ['m1']}},
     'event.messageStatusUpdate[0] is not an object'),
    ('no messageId', {'event': {'moText': [mo(1, messageId=None)]}}, 'event.moText[0]: missing field messageId'),
    ('no from', {'event': {'moText': [mo(1, **{'from': None})]}}, 'event.moText[0]: missing field from'),
    ('no content', {'event': {'moText': [mo(1, content=None)]}}, 'event.moText[0]: missing field content'),
    ('no status', {'event': {'messageStatusUpdate': [{'messageId': 'm1'}]}},
     'event.messageStatusUpdate[0]: missing field statusCode or status'),
    ('bad id', {'event': {'moText': [mo(1, messageId='m 1')]}},
     "event.moText[0]: field messageId is not an id (up to 64 letters, digits, - and _): 'm 1'"),
    ('bad related id', {'event': {'moText': [mo(1, relatedMessageId='<script>')]}},
     "event.moText[0]: field relatedMessageId is not an id (up to 64 letters, digits, - and _): '<script>'"),
    ('bad sender', {'event': {'moText': [mo(1, **{'from': 'MTN'})]}},
     "event.moText[0]: field from is not a phone number: 'MTN'"),
    ('bad code', {'event': {'messageStatusUpdate': [status('5a', 'DEVICE_ACK')]}},
     "event.messageStatusUpdate[0]: field statusCode is not a number: '5a'"),
    ('bad timestamp', {'event': {'messageStatusUpdate': [status(5, 'DEVICE_ACK', timestamp=1e300)]}},
     "event.messageStatusUpdate[0]: field timestamp is not a time in milliseconds since 1970: '1e+300'"),
    ('a field of the wrong type', {'event': {'messageStatusUpdate': [status(5, ['DEVICE_ACK'])]}},
     'event.messageStatusUpdate[0]: field status is not a string or a number'),
    ('sms not an object', {'event': {'moText': [mo(1, sms='Vodacom')]}},
     'event.moText[0]: field sms is not an object'),
    ('Infinity', {'event': {'moText': [mo(1, sms={'network': 4.5e400})]}},  # json.dumps writes Infinity
     'the JSON body holds Infinity, which is not a number'),
    ('a bad text', {'event': {'moText': [mo(1, charset='UTF-16BE', content='%D8')]}},
     'event.moText[0]: field content is not valid UTF-16BE'),
    ('a lone surrogate', LONE, 'JSON field content holds a lone surrogate'),
    ('a name twice', b'{"event": {}, "event": {"moText": []}}', 'the JSON body gives field event twice'),
    ('a name with a lone surrogate', b'{"event": {"\\udc00x": []}}',
     "the JSON body has a name with a lone surrogate: '\\udc00x'"),
    ('NaN', b'{"event": {"messageStatusUpdate": [{"messageId": "m1", "statusCode": NaN}]}}',
     'the JSON body holds NaN, which is not a number'),
    ('nested too deeply', DEEP, 'the JSON body nests deeper than 16 levels'),
    ('too many events', {'event': {'x': [{}] * (MAX_EVENTS - 1), 'moText': [mo(1), mo(2)]}},
     'the envelope holds 1001 events, more than the 1000 taken'),
]


@URLS
@pytest.mark.parametrize('body, reason', [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE])
def test_a_malformed_envelope_is_refused_whole(app, caplog, url, body, reason):
    client, hooks = app
    response = post(client, url, body)
    assert (response.status_code, response.get_data(as_text=True)) == (400, reason + '\n')
    assert hooks.calls == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_one_unreadable_item_means_no_hook_for_the_readable_ones(app):
    """The whole envelope is read before any hook runs: Clickatell will push it all again."""
    client, hooks = app
    document = envelope(messageStatusUpdate=[status(5, 'DEVICE_ACK')], moText=[mo(1), mo(2, **{'from': 'x'})])
    response = post(client, IM, document)
    assert (response.status_code, response.get_data(as_text=True)) == (
        400, "event.moText[1]: field from is not a phone number: 'x'\n")
    assert hooks.calls == []


def test_the_envelope_is_json_whatever_its_label(app):
    client, hooks = app
    body = json.dumps(envelope(moText=[mo(1)])).encode('utf-8')
    assert send_raw(client, IM, 'POST', body=body, content_type='text/plain').status_code == 200
    assert send_raw(client, IM, 'POST', body=body).status_code == 200
    assert len(hooks.messages) == 2


@URLS
def test_a_get_is_refused(app, url):
    client, hooks = app
    response = client.get(url + '?messageId=abc&statusCode=4')
    assert (response.status_code, response.get_data(as_text=True)) == (
        400, 'One API pushes POST JSON: a GET request carries no envelope\n')


@URLS
def test_a_hook_that_raises_gets_500_and_the_rest_waits_for_the_retry(app, caplog, url):
    client, hooks = app
    hooks.fail = RuntimeError('database down')
    response = post(client, url, envelope(moText=[mo(1), mo(2)]))
    assert (response.status_code, response.get_data(as_text=True)) == (500, 'the application failed to handle it\n')
    assert [item.msgid for item in hooks.calls] == [mo_seen(1)[2]]  # the first raised: the second is not called
    assert 'database down' in caplog.text


@URLS
def test_receiver_auth(url):
    client, hooks = generation_app('one', receiver_auth=RECEIVER_AUTH)
    body = json.dumps(envelope(moText=[mo(1)])).encode('utf-8')
    assert post(client, url, body).status_code == 401
    response = client.post(url, data=body, content_type='application/json',
                           headers={'Authorization': basic(RECEIVER_AUTH[0], 'wrong')})
    assert response.status_code == 401
    assert hooks.calls == []
    response = client.post(url, data=body, content_type='application/json',
                           headers={'Authorization': basic(*RECEIVER_AUTH)})
    assert response.status_code == 200
    assert len(hooks.calls) == 1


# Property: whatever JSON arrives, the answer is 200 or 400, and a 200 called a hook for each item of a
# known type, a 400 none.

@functools.lru_cache(maxsize=None)
def one_api_app():
    """One app for all examples (an app per example would be slow); the hooks are reset per example."""
    client, hooks = generation_app('one')
    client.application.testing = True  # an unhandled exception fails the test with its traceback
    return client, hooks


PLAUSIBLE = ['m1', MT_ID, '2799900001', '+27 99 900 0001', '1516217711000', 'UTF-8', 'UTF-16BE', 'ISO-8859-1',
             'DEVICE_ACK', '5', '%04%1F', 'Gr%FC%DFe', '%D8', 'sms']
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8),
                   st.sampled_from(PLAUSIBLE), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.sampled_from(['network', 'x']), st.text(max_size=4), max_size=2))
ITEM_FIELDS = st.sampled_from(['messageId', 'from', 'to', 'content', 'charset', 'timestamp', 'statusCode', 'status',
                               'channel', 'relatedMessageId', 'clientMessageId', 'sms', 'other'])
# Readable items, as they are or with a field or two changed, so that 200s with hooks are common too.
READABLE_MO = st.sampled_from([mo(1), mo(2, charset='UTF-16BE', content='%04%1F'), {'messageId': 'm', 'from': '1',
                                                                                   'content': ''}])
READABLE_STATUS = st.sampled_from([status(5, 'DEVICE_ACK'), status(None, 'READ'), status(7, None)])


def changed(items):
    """Items drawn from `items`, with up to two fields set to anything."""
    changes = st.dictionaries(ITEM_FIELDS, VALUES, max_size=2)
    return st.builds(lambda item, change: dict(item, **change), items, changes)


READABLE = st.one_of(READABLE_MO, READABLE_STATUS)
ITEM = st.one_of(changed(READABLE), st.dictionaries(ITEM_FIELDS, VALUES, max_size=10), VALUES)
EVENTS = st.dictionaries(st.sampled_from(['moText', 'messageStatusUpdate', 'moMedia', 'statusIsTyping']),
                         st.one_of(st.lists(ITEM, max_size=3), st.lists(READABLE, max_size=3), VALUES), max_size=3)
# Envelopes whose items are mostly readable.
LIKELY = st.fixed_dictionaries({'event': st.fixed_dictionaries({}, optional={
    'moText': st.lists(st.one_of(READABLE_MO, READABLE_MO, changed(READABLE_MO)), max_size=3),
    'messageStatusUpdate': st.lists(st.one_of(READABLE_STATUS, READABLE_STATUS, changed(READABLE_STATUS)), max_size=3),
    'moMedia': st.lists(ITEM, max_size=2),
})})
ENVELOPES = st.one_of(
    LIKELY,
    LIKELY,
    st.fixed_dictionaries({'event': EVENTS}),
    st.fixed_dictionaries({'event': EVENTS}, optional={'integrationId': VALUES, 'integrationName': VALUES}),
    VALUES)


@settings(max_examples=300, deadline=None)
@given(url=st.sampled_from([IM, STATUS]), document=ENVELOPES)
def test_any_envelope_gets_200_with_a_hook_per_known_item_or_400_with_none(url, document):
    client, hooks = one_api_app()
    del hooks.calls[:], hooks.messages[:], hooks.statuses[:]
    response = post(client, url, json.dumps(document).encode('utf-8'))
    assert response.status_code in (200, 400)
    # The spread shows with --hypothesis-show-statistics.
    event('answer {}, {} hook calls'.format(response.status_code, min(len(hooks.calls), 2)))
    if response.status_code == 200:
        events = document['event']
        known = [item for kind in ('moText', 'messageStatusUpdate') for item in events.get(kind) or []]
        assert len(hooks.calls) == len(known)
    else:
        assert hooks.calls == []


def test_an_api_key_alone_means_one_api_and_its_receivers():
    client, hooks = generation_app(None)
    assert post(client, STATUS, envelope(moText=[mo(1)])).status_code == 200
    assert [seen(item) for item in hooks.calls] == [mo_seen(1)]
