"""Sending: what goes over the wire for each message, and what the message gets back."""
import pytest
import responses
from smsframework import OutgoingMessage

from smsframework_clickatell.error import ClickatellParameterError, E113

from .conftest import API_URL, CREDENTIALS
from .wire import form, without_credentials

SENDMSG = API_URL + '/http/sendmsg'
MSGID = '996f364775e24b8432f45d77da8eca47'


def no_reply(dst, body, **kwargs):
    """A message with allow_reply off, so that `mo` stays out of the expected fields."""
    return OutgoingMessage(dst, body, **kwargs).options(allow_reply=False)


GSM_153 = 'x' * 153
CASES = [
    # (what it pins, message, the sendmsg fields expected besides credentials)
    ('plain text goes as it is',
     no_reply('+27 999 000 001', 'Hello'), {'to': '27999000001', 'text': 'Hello'}),
    ('allow_reply asks for a reply route (mo=1), on by default in smsframework',
     OutgoingMessage('27999000001', 'Hi'), {'to': '27999000001', 'text': 'Hi', 'mo': '1'}),
    ('src becomes from, as digits only',
     no_reply('1', 'Hi', src='+27 (83) 300-1171'), {'to': '1', 'text': 'Hi', 'from': '27833001171'}),
    ('an alphanumeric sender goes as it is',
     no_reply('1', 'Hi', src='MyShop'), {'to': '1', 'text': 'Hi', 'from': 'MyShop'}),
    ('senderId wins over src',
     no_reply('1', 'Hi', src='111').options(senderId='Brand'), {'to': '1', 'text': 'Hi', 'from': 'Brand'}),
    ('status_report asks for the acknowledgement and a callback level, or no report is pushed',
     no_reply('1', 'Hi').options(status_report=True),
     {'to': '1', 'text': 'Hi', 'deliv_ack': '1', 'callback': '3'}),
    ('escalate', no_reply('1', 'Hi').options(escalate=True), {'to': '1', 'text': 'Hi', 'escalate': '1'}),
    ('expires becomes validity in minutes',
     no_reply('1', 'Hi').options(expires=90), {'to': '1', 'text': 'Hi', 'validity': '90'}),
    ('params pass through unchanged',
     no_reply('1', 'Hi').params(deliv_time=15, cliMsgId='order42', req_feat=16399, queue=1),
     {'to': '1', 'text': 'Hi', 'deliv_time': '15', 'cliMsgId': 'order42', 'req_feat': '16399', 'queue': '1'}),
    ('params win over the mapped options',
     no_reply('1', 'Hi').options(status_report=True).params(callback=7, deliv_ack=0),
     {'to': '1', 'text': 'Hi', 'deliv_ack': '0', 'callback': '7'}),
    ('Latin-1 text that GSM can carry stays plain (no Unicode message for "Grüße")',
     no_reply('1', 'Grüße aus Köln, ¿qué tal? £5 §3 ¥ ÆØÅ æøå É ì'),
     {'to': '1', 'text': 'Grüße aus Köln, ¿qué tal? £5 §3 ¥ ÆØÅ æøå É ì'}),
    ('text outside GSM or Latin-1 goes as UTF-16BE hex with unicode=1',
     no_reply('1', 'Привет'), {'to': '1', 'unicode': '1', 'text': '041F04400438043204350442'}),
    ('the euro sign is GSM but not Latin-1: Unicode', no_reply('1', '5€'),
     {'to': '1', 'unicode': '1', 'text': '003520AC'}),
    ('Latin-1 letters GSM lacks (ê) need Unicode', no_reply('1', 'fête'),
     {'to': '1', 'unicode': '1', 'text': '0066007A00740065'.replace('007A', '00EA')}),
    ('characters beyond the BMP go as surrogate pairs', no_reply('1', '😀'),
     {'to': '1', 'unicode': '1', 'text': 'D83DDE00'}),
    ('160 GSM characters fit one part: no concat', no_reply('1', 'a' * 160), {'to': '1', 'text': 'a' * 160}),
    ('161 GSM characters need two parts: concat=2',
     no_reply('1', 'a' * 161), {'to': '1', 'text': 'a' * 161, 'concat': '2'}),
    ('GSM extension characters count two septets',
     no_reply('1', '{' * 81), {'to': '1', 'text': '{' * 81, 'concat': '2'}),
    ('three full GSM parts', no_reply('1', GSM_153 * 3), {'to': '1', 'text': GSM_153 * 3, 'concat': '3'}),
    ('70 UCS-2 code units fit one part', no_reply('1', 'ж' * 70),
     {'to': '1', 'unicode': '1', 'text': '0436' * 70}),
    ('71 UCS-2 code units need two parts', no_reply('1', 'ж' * 71),
     {'to': '1', 'unicode': '1', 'text': '0436' * 71, 'concat': '2'}),
    ('a concat param wins over the computed one', no_reply('1', 'a' * 400).params(concat=5),
     {'to': '1', 'text': 'a' * 400, 'concat': '5'}),
]


@pytest.mark.parametrize('message, expected', [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_sendmsg_fields(provider, mocked, message, expected):
    mocked.add(responses.POST, SENDMSG, body='ID: ' + MSGID)
    sent = provider.send(message)
    assert sent is message and message.msgid == MSGID
    request = mocked.calls[0].request
    assert request.headers['Content-Type'] == 'application/x-www-form-urlencoded'
    fields = form(request)
    assert without_credentials(fields) == expected
    assert {k: fields[k] for k in CREDENTIALS} == CREDENTIALS


def test_latin1_text_is_encoded_as_latin1_bytes_on_the_wire(provider, mocked):
    mocked.add(responses.POST, SENDMSG, body='ID: ' + MSGID)
    provider.send(no_reply('1', 'Grüße'))
    assert b'text=Gr%FC%DFe' in mocked.calls[0].request.body


def test_credentials_travel_in_the_body_never_in_the_url(provider, mocked):
    mocked.add(responses.POST, SENDMSG, body='ID: ' + MSGID)
    provider.send(no_reply('1', 'Hi'))
    request = mocked.calls[0].request
    assert request.url == SENDMSG
    assert CREDENTIALS['password'] not in request.url


def test_gateway_send_sets_msgid_and_fires_on_send(gateway, provider, mocked):
    sent = []
    gateway.onSend += sent.append
    mocked.add(responses.POST, SENDMSG, body='ID: ' + MSGID)
    message = gateway.send(OutgoingMessage('+27999000001', 'Hi'))
    assert message.msgid == MSGID and message.provider == 'clickatell'
    assert sent == [message]


@pytest.mark.parametrize('base, https, expected', [
    (None, False, 'http://api.clickatell.com/http/sendmsg'),
    (None, True, 'https://api.clickatell.com/http/sendmsg'),
    ('http://127.0.0.1:8080/', True, 'http://127.0.0.1:8080/http/sendmsg'),
])
def test_base_url(gateway, mocked, base, https, expected):
    from smsframework_clickatell import ClickatellProvider
    provider = ClickatellProvider(gateway, 'c', https=https, api_url=base, **CREDENTIALS)
    mocked.add(responses.POST, expected, body='ID: ' + MSGID)
    provider.send(OutgoingMessage('1', 'Hi'))


def test_more_than_35_parts_is_refused_before_sending(provider, mocked):
    with pytest.raises(E113, match='36 parts'):
        provider.send(OutgoingMessage('1', 'a' * (153 * 35 + 1)))
    assert len(mocked.calls) == 0


def test_35_parts_are_sent(provider, mocked):
    mocked.add(responses.POST, SENDMSG, body='ID: ' + MSGID)
    provider.send(OutgoingMessage('1', 'a' * (153 * 35)))
    assert form(mocked.calls[0].request)['concat'] == '35'


@pytest.mark.parametrize('expires', [0, -5, 1.5, 'soon', True])
def test_invalid_expires_is_refused_before_sending(provider, mocked, expires):
    with pytest.raises(ClickatellParameterError, match='expires'):
        provider.send(OutgoingMessage('1', 'Hi').options(expires=expires))


def test_param_that_latin1_cannot_carry_is_refused_naming_it(provider, mocked):
    with pytest.raises(ClickatellParameterError, match="'from'"):
        provider.send(OutgoingMessage('1', 'Hi').options(senderId='Магазин'))
    assert len(mocked.calls) == 0


def test_non_string_body_is_a_type_error(provider, mocked):
    with pytest.raises(TypeError, match='str'):
        provider.send(OutgoingMessage('1', b'bytes'))
