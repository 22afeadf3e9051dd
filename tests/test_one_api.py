"""One API at the HTTP boundary: what `send` puts on the wire, how every answer is read, the balance and
the status query. Against `responses`; the JSON sent is compared whole."""
import datetime
import re

import pytest
import responses
from smsframework import (MessageAccepted, MessageDelivered, MessageError, MessageExpired,
                          OutgoingMessage, exc)

from smsframework_clickatell import error, status
from smsframework_clickatell.error import (ClickatellApiAuthError, ClickatellApiCreditError, ClickatellApiError,
                                           ClickatellApiLimitsError, ClickatellApiRefused, ClickatellApiRequestError,
                                           ClickatellApiServerError, ClickatellApiUnsupportedError,
                                           ClickatellParameterError, ClickatellResponseError)

from .keyapi import BALANCE_URL, MSGID, ONE_KEY, ONE_SEND_URL, PLATFORM_URL, key_provider, one_accepted, sent_json

# send() resends a message refused for the rate, after Retry-After: the waits are recorded, not waited for.
pytestmark = pytest.mark.usefixtures('fake_clock')


TO = '27999000001'



@pytest.fixture
def provider(gateway):
    return key_provider('one', gateway)


def accept(mocked, to=TO, **extra):
    mocked.add(responses.POST, ONE_SEND_URL, json=one_accepted(to, **extra), status=202)


# What goes on the wire

def message(dst=TO, body='Hello', src=None, options=None, params=None):
    m = OutgoingMessage(dst or '0', body, src=src)
    m.dst = dst  # as given: smsframework keeps only the digits of what it is given
    if options:
        m.options(**options)
    if params:
        m.params(**params)
    return m


@pytest.mark.parametrize('outgoing, sent', [
    (message(), {'channel': 'sms', 'to': TO, 'content': 'Hello'}),
    (message('+27 (999) 000-001'), {'channel': 'sms', 'to': TO, 'content': 'Hello'}),
    (message(src='+1 (202) 753-0410'), {'channel': 'sms', 'to': TO, 'content': 'Hello', 'from': '12027530410'}),
    (message(src='12027530410', options={'senderId': 'ACME'}),
     {'channel': 'sms', 'to': TO, 'content': 'Hello', 'from': 'ACME'}),
    (message(params={'clientMessageId': 'order-17'}),
     {'channel': 'sms', 'to': TO, 'content': 'Hello', 'clientMessageId': 'order-17'}),
    # params win over the mapped fields, and go as they are
    (message(src='12027530410', params={'from': 'Shop', 'to': '+27999000001', 'channel': 'sms', 'content': 'X'}),
     {'channel': 'sms', 'to': '+27999000001', 'content': 'X', 'from': 'Shop'}),
    (message(params={'validityPeriod': 30, 'nested': {'a': [1, None]}}),
     {'channel': 'sms', 'to': TO, 'content': 'Hello', 'validityPeriod': 30, 'nested': {'a': [1, None]}}),
    # options One API does not document are never sent as guessed fields
    (message(options={'status_report': True, 'expires': 60, 'escalate': True, 'allow_reply': True}),
     {'channel': 'sms', 'to': TO, 'content': 'Hello'}),
], ids=['plain', 'formatted-number', 'src-number', 'sender-id', 'client-message-id', 'params-win',
        'params-as-they-are', 'options-not-carried'])
def test_send_puts_exactly_this_json_on_the_wire(mocked, provider, outgoing, sent):
    mocked.add(responses.POST, ONE_SEND_URL, json=one_accepted(TO), status=202)
    provider.send(outgoing)
    assert sent_json(mocked.calls[0]) == {'messages': [sent]}


def test_send_authenticates_with_the_raw_key_and_speaks_json(mocked, provider):
    accept(mocked)
    provider.send(message())
    request = mocked.calls[0].request
    assert request.method == 'POST' and request.url == 'https://platform.clickatell.com/v1/message'
    assert request.headers['Authorization'] == ONE_KEY  # no "Bearer"
    assert request.headers['Content-Type'] == 'application/json'
    assert request.headers['Accept'] == 'application/json'
    assert ONE_KEY not in request.url and ONE_KEY.encode() not in request.body


@pytest.mark.parametrize('text', ['Привет, мир', 'Grüße € ½', '😀 emoji 👍🏽 and 🇿🇦', '中文短信', 'x' * 2000],
                         ids=['cyrillic', 'latin1-and-euro', 'emoji', 'cjk', 'long'])
def test_unicode_and_emoji_go_as_utf8_json_intact(mocked, provider, text):
    accept(mocked)
    provider.send(message(body=text))
    body = mocked.calls[0].request.body
    assert sent_json(mocked.calls[0])['messages'][0]['content'] == text
    assert text.encode('utf-8') in body  # not \u-escaped


def test_send_sets_msgid_to_the_api_message_id_and_fires_on_send(mocked, gateway, provider):
    accept(mocked, msgid='a1b2c3')
    sent = []
    gateway.onSend += sent.append
    m = gateway.send(message())
    assert m.msgid == 'a1b2c3' and sent == [m] and m.provider == 'clickatell'


@pytest.mark.parametrize('answer', [
    {'messages': [{'apiMessageId': MSGID, 'accepted': True, 'to': TO, 'error': None}], 'error': None},
    {'messages': [{'apiMessageId': MSGID, 'accepted': True, 'to': '+' + TO}]},
    {'messages': [{'apiMessageId': MSGID, 'accepted': True}]},
    {'messages': [{'apiMessageId': MSGID, 'accepted': True, 'to': TO, 'error': {}}], 'error': ''},
], ids=['full', 'plus-in-to', 'no-to-for-one-message', 'empty-errors'])
def test_accepted_answers_in_the_shapes_clickatell_may_give(mocked, provider, answer):
    mocked.add(responses.POST, ONE_SEND_URL, json=answer, status=202)
    assert provider.send(message()).msgid == MSGID


@pytest.mark.parametrize('outgoing, raised, says', [
    (message(dst=None), ClickatellParameterError, 'needs one recipient phone number'),
    (message(dst='ACME'), ClickatellParameterError, 'needs one recipient phone number'),
    (message(body='bad \ud800 surrogate'), ClickatellParameterError, 'lone surrogate'),
    (message(params={'clientMessageId': 'bad \udfff'}), ClickatellParameterError, 'lone surrogate'),
    (message(params={'validityPeriod': float('nan')}), ClickatellParameterError, 'cannot be sent as JSON'),
    (message(body=b'bytes'), TypeError, 'message body must be str'),
], ids=['no-dst', 'dst-not-a-number', 'surrogate-body', 'surrogate-param', 'nan-param', 'bytes-body'])
def test_a_message_that_cannot_be_sent_is_refused_before_sending(mocked, provider, outgoing, raised, says):
    with pytest.raises(raised, match=says):
        provider.send(outgoing)
    assert len(mocked.calls) == 0


# Errors: the whole request (top-level error object)

#: The spec's table, written out here rather than derived from the code's: code → (HTTP status, class).
ONE_API_ERRORS = {
    1: (401, ClickatellApiAuthError), 2: (400, ClickatellApiAuthError), 3: (400, ClickatellApiAuthError),
    7: (401, ClickatellApiAuthError), 18: (500, ClickatellApiServerError), 19: (503, ClickatellApiServerError),
    20: (402, ClickatellApiCreditError), 21: (400, ClickatellApiRequestError), 22: (400, ClickatellApiRequestError),
    23: (400, ClickatellApiRequestError), 24: (400, ClickatellApiRequestError), 25: (400, ClickatellApiRequestError),
    26: (400, ClickatellApiRequestError), 27: (400, ClickatellApiRequestError), 28: (400, ClickatellApiRequestError),
    30: (400, ClickatellApiRequestError), 33: (400, ClickatellApiRequestError),
    38: (400, ClickatellApiUnsupportedError), 39: (400, ClickatellApiUnsupportedError),
    40: (400, ClickatellApiRequestError), 41: (400, ClickatellApiRequestError), 42: (400, ClickatellApiRequestError),
    43: (400, ClickatellApiLimitsError), 44: (400, ClickatellApiRequestError), 45: (400, ClickatellApiRequestError),
    46: (400, ClickatellApiAuthError), 100: (400, ClickatellApiRequestError), 101: (400, ClickatellApiRequestError),
    110: (400, ClickatellApiRequestError), 111: (400, ClickatellApiRequestError),
}
SMSFRAMEWORK_CLASS = {ClickatellApiAuthError: exc.AuthError, ClickatellApiServerError: exc.ServerError,
                      ClickatellApiCreditError: exc.CreditError, ClickatellApiRequestError: exc.RequestError,
                      ClickatellApiUnsupportedError: exc.UnsupportedError, ClickatellApiLimitsError: exc.LimitsError}


@pytest.mark.parametrize('code', sorted(ONE_API_ERRORS))
def test_a_whole_request_error_raises_the_class_its_code_means(mocked, provider, code):
    http_status, raised = ONE_API_ERRORS[code]
    text = 'Clickatell says {}'.format(code)
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status,
               json={'messages': [], 'error': {'code': code, 'description': text}})
    with pytest.raises(raised) as caught:
        provider.send(message())
    e = caught.value
    assert type(e) is raised and isinstance(e, SMSFRAMEWORK_CLASS[raised])
    assert isinstance(e, exc.MessageSendError) and isinstance(e, error.ClickatellProviderError)
    assert (e.code, e.message, e.http_status, e.api) == (code, text, http_status, 'one')
    assert str(e) == 'Clickatell One API error {}: {}'.format(code, text)


@pytest.mark.parametrize('http_status', [400, 200, 503])
def test_the_code_decides_over_the_http_status(mocked, provider, http_status):
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status, json={'error': {'code': 1, 'description': 'bad key'}})
    with pytest.raises(ClickatellApiAuthError):
        provider.send(message())


@pytest.mark.parametrize('http_status, raised', [(400, ClickatellApiRefused), (401, ClickatellApiAuthError),
                                                 (503, ClickatellApiServerError)])
def test_a_code_not_in_the_table_is_read_by_the_http_status_and_kept(mocked, provider, http_status, raised):
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status,
               json={'error': {'code': 999, 'description': 'Something new'}})
    with pytest.raises(raised) as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.MessageSendError)
    assert (caught.value.code, caught.value.message) == (999, 'Something new')


# Errors: one message (202 / 207 / 4xx with entries)

@pytest.mark.parametrize('http_status', [202, 207, 400])
@pytest.mark.parametrize('code, raised', [(25, ClickatellApiRequestError), (20, ClickatellApiCreditError),
                                          (43, ClickatellApiLimitsError), (38, ClickatellApiUnsupportedError),
                                          (46, ClickatellApiAuthError), (19, ClickatellApiServerError)])
def test_a_refused_message_raises_its_own_error(mocked, provider, http_status, code, raised):
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status, json={
        'messages': [{'apiMessageId': '', 'accepted': False, 'to': TO,
                      'error': {'code': code, 'description': 'Refused {}'.format(code)}}],
        'error': None})
    with pytest.raises(raised) as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.MessageSendError)
    assert (caught.value.code, caught.value.message) == (code, 'Refused {}'.format(code))


@pytest.mark.parametrize('http_status', [202, 207])
def test_accepted_false_without_a_reason_is_a_message_send_error(mocked, provider, http_status):
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status,
               json={'messages': [{'apiMessageId': MSGID, 'accepted': False, 'to': TO}], 'error': None})
    with pytest.raises(ClickatellApiRefused, match='not accepted') as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.MessageSendError) and caught.value.code is None


@pytest.mark.parametrize('answer, says', [
    ({'messages': [], 'error': None}, 'no entry for a message to 27999000001: it may or may not have been sent'),
    ({'messages': [{'accepted': True, 'to': TO}]}, 'without an apiMessageId: it may or may not have been sent'),
    ({'messages': [{'apiMessageId': '../x', 'accepted': True, 'to': TO}]}, 'without an apiMessageId'),
    ({'messages': [{'apiMessageId': MSGID, 'accepted': True, 'to': '27999000002'}]}, 'no entry'),
    ({'messages': [{'apiMessageId': 'a', 'to': TO}, {'apiMessageId': 'b', 'to': TO}]}, '2 entries'),
    ({'error': None}, 'no list of messages'),
    ({'messages': 'yes'}, 'no list of messages'),
], ids=['no-entries', 'no-id', 'bad-id', 'other-recipient', 'two-entries', 'no-messages', 'messages-not-a-list'])
def test_an_answer_that_says_nothing_certain_is_a_response_error(mocked, provider, answer, says):
    mocked.add(responses.POST, ONE_SEND_URL, status=202, json=answer)
    with pytest.raises(ClickatellResponseError, match=says) as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.ProviderError)


# Errors: what the HTTP status alone says

@pytest.mark.parametrize('http_status, raised', [
    (401, ClickatellApiAuthError), (403, ClickatellApiAuthError), (402, ClickatellApiCreditError),
    (429, ClickatellApiLimitsError), (500, ClickatellApiServerError), (502, ClickatellApiServerError),
    (503, ClickatellApiServerError), (504, ClickatellApiServerError), (400, ClickatellApiRefused),
    (404, ClickatellApiRefused),
])
@pytest.mark.parametrize('body', ['', '{}', '{"messages": [], "error": null}'], ids=['empty', 'object', 'no-error'])
def test_an_http_error_status_without_a_code_raises_what_the_status_means(
        mocked, provider, http_status, raised, body):
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status, body=body, content_type='application/json')
    with pytest.raises(raised) as caught:
        provider.send(message())
    assert type(caught.value) is raised and isinstance(caught.value, exc.MessageSendError)
    assert caught.value.code is None and caught.value.http_status == http_status
    assert '(HTTP {})'.format(http_status) in str(caught.value)


def test_an_http_error_status_quotes_a_json_body_that_names_no_error(mocked, provider):
    mocked.add(responses.POST, ONE_SEND_URL, status=403, json={'message': 'Forbidden by the gateway'})
    with pytest.raises(ClickatellApiAuthError, match=r'\(HTTP 403\): Forbidden: .*Forbidden by the gateway'):
        provider.send(message())


@pytest.mark.parametrize('http_status, raised', [
    (200, ClickatellResponseError), (202, ClickatellResponseError), (502, ClickatellApiServerError),
    (401, ClickatellApiAuthError), (400, ClickatellApiRefused),
])
@pytest.mark.parametrize('body', ['<html><body>Bad Gateway</body></html>', '[1, 2]', '"text"', 'NaN', '{"a": 1'],
                         ids=['html', 'list', 'string', 'nan', 'truncated'])
def test_an_unreadable_body_is_a_provider_error_quoting_it(mocked, provider, http_status, raised, body):
    mocked.add(responses.POST, ONE_SEND_URL, status=http_status, body=body, content_type='text/html')
    with pytest.raises(raised) as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.ProviderError)
    assert body[:10] in str(caught.value)


def test_a_retry_after_header_is_on_the_exception(mocked, provider):
    mocked.add(responses.POST, ONE_SEND_URL, status=429, headers={'Retry-After': '7'},
               json={'error': {'code': 43, 'description': 'Rate limit exceeded'}})
    with pytest.raises(ClickatellApiLimitsError) as caught:
        provider.send(message())
    assert caught.value.retry_after == 7.0 and error.is_rate_limited(caught.value)


@pytest.mark.parametrize('header, retry_after', [(None, None), ('Wed, 21 Oct 2015 07:28:00 GMT', None),
                                                 ('0', 0.0), ('120', 120.0)])
def test_retry_after_is_seconds_or_none(mocked, provider, header, retry_after):
    mocked.add(responses.POST, ONE_SEND_URL, status=429, body='', headers={'Retry-After': header} if header else {})
    with pytest.raises(ClickatellApiLimitsError) as caught:
        provider.send(message())
    assert caught.value.retry_after == retry_after


def test_an_api_error_survives_pickling_with_its_class_and_fields(mocked, provider):
    import pickle
    mocked.add(responses.POST, ONE_SEND_URL, status=429, headers={'Retry-After': '3'},
               json={'error': {'code': 43, 'description': 'Slow down'}})
    with pytest.raises(ClickatellApiError) as caught:
        provider.send(message())
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is ClickatellApiLimitsError
    assert (copy.code, copy.message, copy.http_status, copy.retry_after) == (43, 'Slow down', 429, 3.0)


# Reading: the balance

def test_a_one_api_key_that_can_read_the_balance_gets_it(mocked, provider):
    mocked.add(responses.GET, BALANCE_URL, json={'balance': 1267.92865, 'currency': 'ZAR'})
    assert provider.get_balance() == 1267.92865
    assert tuple(provider.get_balance_details()) == (1267.92865, 'ZAR')
    assert mocked.calls[0].request.headers['Authorization'] == ONE_KEY


@pytest.mark.parametrize('http_status, body', [
    (401, {'error': {'code': 1, 'description': 'Invalid or missing integration API key'}}),
    (403, None), (404, None), (404, '<html>Not Found</html>'),
    (400, {'error': {'code': 41, 'description': 'Resource does not exist'}}),
])
def test_a_one_api_key_that_cannot_read_the_balance_says_so(mocked, provider, http_status, body):
    kwargs = {'json': body} if isinstance(body, dict) else {'body': body or ''}
    mocked.add(responses.GET, BALANCE_URL, status=http_status, **kwargs)
    with pytest.raises(ClickatellApiUnsupportedError, match='this One API key cannot read the balance') as caught:
        provider.get_balance()
    assert isinstance(caught.value, exc.UnsupportedError) and caught.value.http_status == http_status
    assert 'no balance call for One API' in str(caught.value)


@pytest.mark.parametrize('http_status, raised', [(402, ClickatellApiCreditError), (500, ClickatellApiServerError)])
def test_other_balance_errors_are_not_called_unsupported(mocked, http_status, raised):
    mocked.add(responses.GET, BALANCE_URL, status=http_status, body='')
    provider = key_provider('one', retries=0)
    with pytest.raises(raised):
        provider.get_balance()


# Reading: the status of a message

@pytest.mark.parametrize('name, expected, meaning', [
    ('QUEUED', status.OneApiAccepted, MessageAccepted),
    ('SCHEDULED', status.OneApiAccepted, MessageAccepted),
    ('SENT_TO_SUPPLIER', status.OneApiAccepted, MessageAccepted),  # 4 here is not "delivered"
    ('DEVICE_ACK', status.OneApiDelivered, MessageDelivered),
    ('READ', status.OneApiDelivered, MessageDelivered),
    ('EXPIRED', status.OneApiExpired, MessageExpired),
    ('STOPPED_BY_USER', status.OneApiError, MessageError),
    ('DELIVERY_FAILURE', status.OneApiError, MessageError),
    ('RECIPIENT_DOES_NOT_EXIST', status.OneApiError, MessageError),
    ('ROUTING_ERROR', status.OneApiError, MessageError),
    ('MEDIA_TOO_LARGE', status.OneApiError, MessageError),
    ('WHATSAPP_TEMPLATE_REJECTED', status.OneApiError, MessageError),
])
def test_query_status_gives_the_class_the_status_name_means(mocked, provider, name, expected, meaning):
    mocked.add(responses.GET, PLATFORM_URL + '/v1/message/' + MSGID,
               json={'sms': {'status': name, 'timestamp': 1516217711000}})
    result = provider.query_status(MSGID)
    assert type(result) is expected and isinstance(result, meaning)
    assert (result.msgid, result.status, result.provider) == (MSGID, name, 'clickatell')
    assert result.rtime == datetime.datetime(2018, 1, 17, 19, 35, 11)
    assert result.meta == {'status': name, 'channel': 'sms'}
    request = mocked.calls[0].request
    assert request.method == 'GET' and request.headers['Authorization'] == ONE_KEY


@pytest.mark.parametrize('name', ['UNKNOWN', 'SOMETHING_NEW'])
def test_an_unknown_status_name_gives_the_base_class_with_the_name_kept(mocked, provider, name):
    mocked.add(responses.GET, PLATFORM_URL + '/v1/message/' + MSGID, json={'sms': {'status': name}})
    result = provider.query_status(MSGID)
    assert type(result) is status.OneApiStatus
    assert not isinstance(result, (MessageAccepted, MessageDelivered, MessageError, MessageExpired))
    assert result.status == name and result.meta['status'] == name


def test_a_status_code_without_a_name_is_read_by_its_code(mocked, provider):
    mocked.add(responses.GET, PLATFORM_URL + '/v1/message/' + MSGID, json={'sms': {'statusCode': '5'}})
    result = provider.query_status(MSGID)
    assert type(result) is status.OneApiDelivered and result.status_code == 5 and result.status == 'DEVICE_ACK'


def test_a_message_clickatell_does_not_know_has_no_channel_key_and_raises(mocked, provider):
    mocked.add(responses.GET, PLATFORM_URL + '/v1/message/' + MSGID, json={'timestamp': 1516217711000})
    with pytest.raises(ClickatellApiRequestError, match='does not know message ' + MSGID):
        provider.query_status(MSGID)


@pytest.mark.parametrize('answer', [{'sms': {}}, {'sms': {'status': ''}}, {'sms': 'DEVICE_ACK'}])
def test_a_status_answer_without_a_status_is_a_response_error(mocked, provider, answer):
    mocked.add(responses.GET, PLATFORM_URL + '/v1/message/' + MSGID, json=answer)
    with pytest.raises(ClickatellResponseError, match='no status'):
        provider.query_status(MSGID)


def test_a_status_error_answer_raises_its_error(mocked, provider):
    mocked.add(responses.GET, PLATFORM_URL + '/v1/message/' + MSGID, status=401,
               json={'error': {'code': 1, 'description': 'Invalid or missing integration API key'}})
    with pytest.raises(ClickatellApiAuthError):
        provider.query_status(MSGID)


@pytest.mark.parametrize('msgid', ['', None, '  ', '../public-client/balance', 'a/b', 'a?b=1', 'a#b', 'a b', 'a%2Fb',
                                   'x' * 65, 'caf\u00e9', '\uff11\uff12'])
def test_an_id_that_is_not_one_is_refused_before_it_goes_into_a_url(mocked, provider, msgid):
    with pytest.raises(ClickatellParameterError, match='a message id is 1 to 64 letters'):
        provider.query_status(msgid)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize('msgid', [MSGID, ' {}\n'.format(MSGID), '1b4b6c1e-aaaa-bbbb-cccc-0123456789ab', 'x' * 64])
def test_ids_as_clickatell_writes_them_are_queried(mocked, provider, msgid):
    mocked.add(responses.GET, re.compile(re.escape(PLATFORM_URL + '/v1/message/') + r'[\w-]+\Z'),
               json={'sms': {'status': 'QUEUED'}})
    assert provider.query_status(msgid).msgid == msgid.strip()
    assert mocked.calls[0].request.url == PLATFORM_URL + '/v1/message/' + msgid.strip()
