"""The provider against the simulator, over real sockets: every call and every error it can meet."""
import pytest
from smsframework import Gateway, MessageDelivered, MessageError, MessageExpired, OutgoingMessage, exc

from smsframework_clickatell import ClickatellProvider
from smsframework_clickatell.error import E001, E105, E108, E113, E301, ClickatellProviderError
from smsframework_clickatell.status import S004, S007, S010

from .conftest import CREDENTIALS


def make(sim, **overrides):
    gateway = Gateway()
    gateway.add_provider('clickatell', ClickatellProvider, api_url=sim.url, timeout=2,
                         **dict(CREDENTIALS, **overrides))
    return gateway


@pytest.fixture
def gateway(sim):
    gateway = make(sim)
    yield gateway
    gateway.get_provider('clickatell').close()


@pytest.mark.parametrize('body, parts', [
    ('Grüße aus Köln!', 1),
    ('Привет, мир', 1),
    ('€' * 71, 2),
    ('a' * 400, 3),
    ('😀' * 40, 2),  # two UTF-16 code units each
])
def test_send_arrives_decoded_in_as_many_parts_as_it_takes(sim, gateway, body, parts):
    message = gateway.send(OutgoingMessage('+27 999 000 001', body, src='+27 833 001 171'))
    [sent] = sim.messages
    assert (sent.msgid, sent.to, sent.text, sent.sender, sent.parts) == (
        message.msgid, '27999000001', body, '27833001171', parts)
    assert sim.credit == 100 - parts


def test_send_options_become_parameters(sim, gateway):
    gateway.send(OutgoingMessage('27999000001', 'hi').options(senderId='Shop', status_report=True, expires=60)
                 .params(cliMsgId='order42'))
    [sent] = sim.messages
    assert sent.sender == 'Shop' and sent.client_message_id == 'order42'
    assert sent.parameters == {'from': 'Shop', 'deliv_ack': '1', 'callback': '3', 'mo': '1', 'validity': '60',
                               'cliMsgId': 'order42'}


def test_send_bulk_gets_an_id_or_an_error_per_message(sim, gateway):
    numbers = ['27999000001', '0799900002', '27999000003']
    messages = [OutgoingMessage(number, 'The shop opens at 9') for number in numbers]
    gateway.get_provider('clickatell').send_bulk(messages)
    assert [m.msgid for m in messages] == [sim.messages[0].msgid, None, sim.messages[1].msgid]
    assert isinstance(messages[1].meta['error'], E105)
    assert [m.to for m in sim.messages] == ['27999000001', '27999000003']


def test_send_bulk_without_credit_raises_and_sends_nothing(sim, gateway):
    sim.credit = 1
    messages = [OutgoingMessage(number, 'hi') for number in ('27999000001', '27999000002')]
    with pytest.raises(E301):
        gateway.get_provider('clickatell').send_bulk(messages)
    assert sim.messages == [] and [m.msgid for m in messages] == [None, None]


def test_get_balance(sim, gateway):
    provider = gateway.get_provider('clickatell')
    assert provider.get_balance() == 100.0
    gateway.send(OutgoingMessage('27999000001', 'a' * 200))
    sim.credit -= 0.25
    assert provider.get_balance() == 97.75


@pytest.mark.parametrize('outcome, status_class, meaning', [
    (None, S004, MessageDelivered),
    ('failed', S007, MessageError),
    ('expired', S010, MessageExpired),
])
def test_query_status(sim, gateway, outcome, status_class, meaning):
    sim.set_outcome('27999000001', outcome)
    message = gateway.send(OutgoingMessage('27999000001', 'hi'))
    status = gateway.get_provider('clickatell').query_status(message.msgid)
    assert type(status) is status_class and isinstance(status, meaning)
    assert status.msgid == message.msgid


def test_query_status_of_an_unknown_message(sim, gateway):
    with pytest.raises(ClickatellProviderError) as e:
        gateway.get_provider('clickatell').query_status('f' * 32)
    assert e.value.code == 103


def test_api_request(sim, gateway):
    message = gateway.send(OutgoingMessage('27999000001', 'a' * 161))
    answer = gateway.get_provider('clickatell').api_request('getmsgcharge', apimsgid=message.msgid)
    assert answer == 'apiMsgId: {} charge: 2 status: 004'.format(message.msgid)


@pytest.mark.parametrize('overrides, message, error, meaning', [
    ({'password': 'wrong'}, OutgoingMessage('27999000001', 'hi'), E001, exc.AuthError),
    ({'api_id': '1'}, OutgoingMessage('27999000001', 'hi'), E108, exc.RequestError),
    ({}, OutgoingMessage('0799900001', 'hi'), E105, exc.RequestError),
    ({}, OutgoingMessage('27999000001', 'a' * 161).params(concat=1), E113, exc.RequestError),
])
def test_errors(sim, overrides, message, error, meaning):
    gateway = make(sim, **overrides)
    with pytest.raises(error) as e:
        gateway.send(message)
    assert isinstance(e.value, meaning)
    assert sim.messages == []


def test_no_credit(sim, gateway):
    sim.credit = 0.5
    with pytest.raises(E301) as e:
        gateway.send(OutgoingMessage('27999000001', 'hi'))
    assert isinstance(e.value, exc.CreditError)


@pytest.mark.parametrize('call', ['get_balance', 'query_status'])
def test_wrong_credentials_on_every_call(sim, call):
    provider = make(sim, password='wrong').get_provider('clickatell')
    with pytest.raises(E001):
        getattr(provider, call)(*(['f' * 32] if call == 'query_status' else []))
