"""The Platform SMS integration at the HTTP boundary: what `send` puts on the wire, how every answer is
read, the balance and the status query. Against `responses`; the JSON sent is compared whole."""
import datetime

import pytest
import responses
from smsframework import MessageAccepted, MessageDelivered, MessageError, MessageExpired, OutgoingMessage, exc

from smsframework_clickatell import status
from smsframework_clickatell.error import (ClickatellApiAuthError, ClickatellApiCreditError, ClickatellApiLimitsError,
                                           ClickatellApiRefused, ClickatellApiServerError, ClickatellParameterError,
                                           ClickatellResponseError)

from .keyapi import (BALANCE_URL, MSGID, PLATFORM_KEY, PLATFORM_SEND_URL, PLATFORM_STATUS_URL, key_provider,

                     platform_accepted, sent_json)

# send() resends a message refused for the rate, after Retry-After: the waits are recorded, not waited for.
pytestmark = pytest.mark.usefixtures('fake_clock')

TO = '27999000001'



@pytest.fixture
def provider(gateway):
    return key_provider('platform', gateway)


def message(dst=TO, body='Hello', src=None, options=None, params=None):
    m = OutgoingMessage(dst, body, src=src)
    if options:
        m.options(**options)
    if params:
        m.params(**params)
    return m


# What goes on the wire

@pytest.mark.parametrize('outgoing, sent', [
    (message(), {'content': 'Hello', 'to': [TO]}),
    (message('+27 (999) 000-001'), {'content': 'Hello', 'to': [TO]}),
    (message(src='+27 99 900 0000'), {'content': 'Hello', 'to': [TO], 'from': '27999000000'}),
    (message(options={'senderId': 'ACME'}), {'content': 'Hello', 'to': [TO], 'from': 'ACME'}),
    (message(options={'expires': 90}), {'content': 'Hello', 'to': [TO], 'validityPeriod': 90}),
    (message(options={'expires': 90.0}), {'content': 'Hello', 'to': [TO], 'validityPeriod': 90}),
    (message(params={'clientMessageId': 'order-17', 'charset': 'UCS2-BE', 'binary': False,
                     'scheduledDeliveryTime': '2017-02-27T14:30:00+0200', 'userDataHeader': '0605040B8423F0'}),
     {'content': 'Hello', 'to': [TO], 'clientMessageId': 'order-17', 'charset': 'UCS2-BE', 'binary': False,
      'scheduledDeliveryTime': '2017-02-27T14:30:00+0200', 'userDataHeader': '0605040B8423F0'}),
    # params win over the mapped fields
    (message(src='2799900000', options={'expires': 90}, params={'from': 'Shop', 'validityPeriod': 5}),
     {'content': 'Hello', 'to': [TO], 'from': 'Shop', 'validityPeriod': 5}),
    # settings of the integration, not of a message: never sent
    (message(options={'status_report': True, 'escalate': True, 'allow_reply': True}),
     {'content': 'Hello', 'to': [TO]}),
], ids=['plain', 'formatted-number', 'src-number', 'sender-id', 'expires', 'expires-float', 'params',
        'params-win', 'options-not-carried'])
def test_send_puts_exactly_this_json_on_the_wire(mocked, provider, outgoing, sent):
    mocked.add(responses.POST, PLATFORM_SEND_URL, json=platform_accepted(TO), status=202)
    assert provider.send(outgoing).msgid == MSGID
    assert sent_json(mocked.calls[0]) == sent


def test_a_to_param_replaces_the_recipient(mocked, provider):
    mocked.add(responses.POST, PLATFORM_SEND_URL, json=platform_accepted('27999000009'), status=202)
    provider.send(message(params={'to': ['+27999000009']}))
    assert sent_json(mocked.calls[0])['to'] == ['27999000009']


@pytest.mark.parametrize('to', ['', None, [], ['27999000001', '27999000002'], 'ACME'])
def test_a_to_param_that_is_not_one_recipient_is_refused_before_sending(mocked, provider, to):
    with pytest.raises(ClickatellParameterError, match='a message goes to one recipient phone number'):
        provider.send(message(params={'to': to}))
    assert len(mocked.calls) == 0


def test_send_authenticates_with_the_raw_key_and_speaks_json(mocked, provider):
    mocked.add(responses.POST, PLATFORM_SEND_URL, json=platform_accepted(TO), status=202)
    provider.send(message(body='Grüße 😀'))
    request = mocked.calls[0].request
    assert request.url == 'https://platform.clickatell.com/messages'
    assert request.headers['Authorization'] == PLATFORM_KEY
    assert request.headers['Content-Type'] == request.headers['Accept'] == 'application/json'
    assert 'Grüße 😀'.encode('utf-8') in request.body
    assert PLATFORM_KEY not in request.url


@pytest.mark.parametrize('expires', [0, -5, 1.5, 'soon', True])
def test_an_expires_that_is_not_whole_minutes_is_refused_before_sending(mocked, provider, expires):
    with pytest.raises(ClickatellParameterError, match='expires must be a positive whole number of minutes'):
        provider.send(message(options={'expires': expires}))
    assert len(mocked.calls) == 0


@pytest.mark.parametrize('http_status', [200, 201, 202])
def test_every_success_status_is_read(mocked, provider, http_status):
    mocked.add(responses.POST, PLATFORM_SEND_URL, json=platform_accepted(TO, msgid='af75'), status=http_status)
    assert provider.send(message()).msgid == 'af75'


# Errors

@pytest.mark.parametrize('http_status', [401, 400, 200])
def test_108_is_an_auth_error_whatever_the_http_status(mocked, provider, http_status):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=http_status, json={
        'messages': [], 'errorCode': 108, 'error': 'Invalid or missing integration API Key.',
        'errorDescription': 'Invalid or missing integration API Key.'})
    with pytest.raises(ClickatellApiAuthError) as caught:
        provider.send(message())
    e = caught.value
    assert isinstance(e, exc.AuthError)
    assert (e.code, e.message, e.api, e.http_status) == (108, 'Invalid or missing integration API Key.', 'platform',
                                                         http_status)
    assert str(e) == 'Clickatell Platform error 108: Invalid or missing integration API Key.'


@pytest.mark.parametrize('http_status', [400, 200])
def test_607_is_a_provider_error_quoting_both_texts(mocked, provider, http_status):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=http_status, json={
        'messages': [], 'errorCode': 607, 'error': 'Invalid FROM number.',
        'errorDescription': "User specified FROM number, but integration isn't two-way."})
    with pytest.raises(ClickatellApiRefused) as caught:
        provider.send(message(src='2799900000'))
    e = caught.value
    assert isinstance(e, exc.MessageSendError) and isinstance(e, exc.ProviderError)
    assert e.code == 607
    assert e.message == "Invalid FROM number. (User specified FROM number, but integration isn't two-way.)"


@pytest.mark.parametrize('http_status', [400, 200])
def test_the_string_only_error_form_is_quoted(mocked, provider, http_status):
    text = 'Two-Way integration error - From number is not related to integration'
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=http_status, json={'messages': [], 'error': text})
    with pytest.raises(ClickatellApiRefused) as caught:
        provider.send(message(src='2799900000'))
    assert isinstance(caught.value, exc.MessageSendError)
    assert (caught.value.code, caught.value.message) == (None, text)
    assert text in str(caught.value)


@pytest.mark.parametrize('entry, says', [
    ({'errorCode': 105, 'error': 'Invalid destination address.', 'errorDescription': None},
     'Invalid destination address.'),
    ({'errorCode': None, 'error': 'Number blocked', 'errorDescription': 'The number is on a blocklist'},
     'Number blocked (The number is on a blocklist)'),
    ({}, 'the message was not accepted (no reason given)'),
], ids=['code-and-error', 'text-only', 'no-reason'])
@pytest.mark.parametrize('http_status', [202, 400])
def test_a_refused_recipient_raises_a_message_send_error(mocked, provider, entry, says, http_status):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=http_status, json={
        'messages': [dict({'apiMessageId': '', 'accepted': False, 'to': TO}, **entry)],
        'errorCode': None, 'error': None, 'errorDescription': None})
    with pytest.raises(ClickatellApiRefused) as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.MessageSendError)
    assert caught.value.message == says and caught.value.code == entry.get('errorCode')


def test_a_refused_recipient_with_108_is_an_auth_error(mocked, provider):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=202, json={'messages': [
        {'apiMessageId': None, 'accepted': False, 'to': TO, 'errorCode': 108, 'error': 'Invalid key'}]})
    with pytest.raises(ClickatellApiAuthError):
        provider.send(message())


@pytest.mark.parametrize('null', [None, ''], ids=['null', 'empty'])
def test_null_or_empty_error_fields_are_no_error(mocked, provider, null):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=202, json={
        'messages': [{'apiMessageId': MSGID, 'accepted': True, 'to': TO, 'errorCode': null, 'error': null,
                      'errorDescription': null}], 'errorCode': null, 'error': null, 'errorDescription': null})
    assert provider.send(message()).msgid == MSGID


@pytest.mark.parametrize('http_status, raised', [
    (401, ClickatellApiAuthError), (403, ClickatellApiAuthError), (402, ClickatellApiCreditError),
    (429, ClickatellApiLimitsError), (500, ClickatellApiServerError), (503, ClickatellApiServerError),
    (400, ClickatellApiRefused),
])
@pytest.mark.parametrize('body', ['', '{"messages": [], "errorCode": null, "error": null}'], ids=['empty', 'nulls'])
def test_an_http_error_status_without_a_code_raises_what_the_status_means(
        mocked, provider, http_status, raised, body):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=http_status, body=body, content_type='application/json')
    with pytest.raises(raised) as caught:
        provider.send(message())
    assert type(caught.value) is raised and caught.value.http_status == http_status


@pytest.mark.parametrize('http_status, raised', [(200, ClickatellResponseError), (502, ClickatellApiServerError)])
def test_an_unreadable_body_is_a_provider_error_quoting_it(mocked, provider, http_status, raised):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=http_status, body='<html>Upstream trouble</html>')
    with pytest.raises(raised, match='Upstream trouble') as caught:
        provider.send(message())
    assert isinstance(caught.value, exc.ProviderError)


def test_a_429_carries_retry_after(mocked, provider):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=429, headers={'Retry-After': '2'}, body='')
    with pytest.raises(ClickatellApiLimitsError) as caught:
        provider.send(message())
    assert caught.value.retry_after == 2.0


def test_an_answer_about_another_recipient_says_the_message_may_have_been_sent(mocked, provider):
    mocked.add(responses.POST, PLATFORM_SEND_URL, status=202, json=platform_accepted('27999000002'))
    with pytest.raises(ClickatellResponseError, match='may or may not have been sent'):
        provider.send(message())


# Reading: the balance

def test_the_balance_and_its_currency(mocked, provider):
    mocked.add(responses.GET, BALANCE_URL, json={'balance': 1267.92865, 'currency': 'ZAR'})
    assert provider.get_balance() == 1267.92865
    details = provider.get_balance_details()
    assert (details.amount, details.currency) == (1267.92865, 'ZAR')
    assert [c.request.headers['Authorization'] for c in mocked.calls] == [PLATFORM_KEY, PLATFORM_KEY]
    assert mocked.calls[0].request.method == 'GET'


@pytest.mark.parametrize('answer, currency', [({'balance': 3}, None), ({'balance': 0, 'currency': ''}, None)])
def test_a_balance_without_a_currency(mocked, provider, answer, currency):
    mocked.add(responses.GET, BALANCE_URL, json=answer)
    assert provider.get_balance_details() == (float(answer['balance']), currency)


@pytest.mark.parametrize('answer', [{}, {'balance': '12.5'}, {'balance': True}, {'balance': None}, {'credit': 3}])
def test_a_balance_answer_without_a_number_is_a_response_error(mocked, provider, answer):
    mocked.add(responses.GET, BALANCE_URL, json=answer)
    with pytest.raises(ClickatellResponseError, match='expected a number'):
        provider.get_balance()


def test_a_platform_key_refused_for_the_balance_is_an_auth_error_not_unsupported(mocked, provider):
    mocked.add(responses.GET, BALANCE_URL, status=401, json={'errorCode': 108, 'error': 'Invalid key'})
    with pytest.raises(ClickatellApiAuthError) as caught:
        provider.get_balance()
    assert not isinstance(caught.value, exc.UnsupportedError)


# Reading: the status of a message

@pytest.mark.parametrize('answer, expected, meaning', [
    ({'status': 'RECEIVED_BY_RECIPIENT', 'statusCode': 4}, status.S004, MessageDelivered),
    ({'status': 'RECEIVED_BY_RECIPIENT'}, status.S004, MessageDelivered),
    ({'statusCode': 4}, status.S004, MessageDelivered),
    ({'statusCode': '004'}, status.S004, MessageDelivered),
    ({'status': 'DELIVERED_TO_GATEWAY'}, status.S003, MessageAccepted),
    ({'status': 'MESSAGE_QUEUED'}, status.S002, MessageAccepted),
    ({'status': 'MESSAGE_EXPIRED', 'statusCode': 10}, status.S010, MessageExpired),
    ({'status': 'ROUTING_ERROR', 'statusCode': 9}, status.S009, MessageError),
    ({'status': 'ERROR_DELIVERING_MESSAGE'}, status.S007, MessageError),
    # the code decides when both are given
    ({'status': 'DELIVERED_TO_GATEWAY', 'statusCode': 4}, status.S004, MessageDelivered),
], ids=['name-and-code', 'name', 'code', 'code-as-text', 'gateway', 'queued', 'expired', 'routing', 'error',
        'code-decides'])
def test_query_status_gives_the_legacy_class_by_status_code_or_name(mocked, provider, answer, expected, meaning):
    mocked.add(responses.GET, PLATFORM_STATUS_URL, json=dict(answer, messageId=MSGID))
    result = provider.query_status(MSGID)
    assert type(result) is expected and isinstance(result, meaning)
    assert isinstance(result, status.ClickatellMessageStatus)
    assert (result.msgid, result.provider) == (MSGID, 'clickatell')
    request = mocked.calls[0].request
    assert request.method == 'GET'
    assert request.url == PLATFORM_STATUS_URL + '?messageId=' + MSGID
    assert request.headers['Authorization'] == PLATFORM_KEY


def test_query_status_keeps_the_name_and_reads_a_timestamp(mocked, provider):
    mocked.add(responses.GET, PLATFORM_STATUS_URL,
               json={'status': 'RECEIVED_BY_RECIPIENT', 'statusCode': 4, 'timestamp': 1516217711000})
    result = provider.query_status(MSGID)
    assert result.status == 'RECEIVED_BY_RECIPIENT' and result.status_code == 4
    assert result.rtime == datetime.datetime(2018, 1, 17, 19, 35, 11)
    assert result.meta == {'status': 'RECEIVED_BY_RECIPIENT', 'statusCode': 4}


def test_an_unknown_status_name_gives_the_base_class_with_the_name_kept(mocked, provider):
    mocked.add(responses.GET, PLATFORM_STATUS_URL, json={'status': 'SOMETHING_NEW'})
    result = provider.query_status(MSGID)
    assert type(result) is status.ClickatellMessageStatus
    assert (result.status, result.status_code, result.meta['status']) == ('SOMETHING_NEW', None, 'SOMETHING_NEW')


@pytest.mark.parametrize('answer', [{}, {'messageId': MSGID}, {'status': 4.5}])
def test_a_status_answer_without_a_status_is_a_response_error(mocked, provider, answer):
    mocked.add(responses.GET, PLATFORM_STATUS_URL, json=answer)
    with pytest.raises(ClickatellResponseError, match='no status'):
        provider.query_status(MSGID)


@pytest.mark.parametrize('msgid', ['', None, 'a&messageId=b', '../balance', 'a b', 'x' * 65])
def test_an_id_that_is_not_one_is_refused_before_sending(mocked, provider, msgid):
    with pytest.raises(ClickatellParameterError):
        provider.query_status(msgid)
    assert len(mocked.calls) == 0
