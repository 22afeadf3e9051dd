"""The provider with an API key (One API and Platform) against the simulator, over real sockets."""
import pytest
from smsframework import Gateway, MessageDelivered, MessageError, MessageExpired, OutgoingMessage, exc

from smsframework_clickatell import ClickatellProvider
from smsframework_clickatell.error import ClickatellApiError
from smsframework_clickatell.status import OneApiDelivered, OneApiError, OneApiExpired, S004, S007, S010

APIS = ['one', 'platform']


def make(sim, api, **overrides):
    gateway = Gateway()
    options = dict({'api_key': sim.api_key}, **overrides)
    gateway.add_provider('clickatell', ClickatellProvider, api=api, api_url=sim.url, timeout=2, **options)
    return gateway


@pytest.fixture(params=APIS)
def api(request):
    return request.param


@pytest.fixture
def gateway(sim, api):
    gateway = make(sim, api)
    yield gateway
    gateway.get_provider('clickatell').close()


@pytest.mark.parametrize('body, parts', [
    ('Grüße aus Köln!', 1), ('Привет, мир', 1), ('a' * 400, 3), ('€' * 71, 2)])
def test_send(sim, api, gateway, body, parts):
    message = gateway.send(OutgoingMessage('+27 999 000 001', body, src='+27 833 001 171')
                           .params(clientMessageId='o17'))
    [sent] = sim.messages
    assert (sent.api, sent.msgid, sent.to, sent.text, sent.sender, sent.client_message_id, sent.parts) == (
        api, message.msgid, '27999000001', body, '27833001171', 'o17', parts)
    assert sim.credit == 100 - parts


def test_balance(sim, api, gateway):
    provider = gateway.get_provider('clickatell')
    assert provider.get_balance() == 100.0
    gateway.send(OutgoingMessage('27999000001', 'hi'))
    assert tuple(provider.get_balance_details()) == (99.0, 'ZAR')


@pytest.mark.parametrize('api, outcome, status_class, meaning', [
    ('one', None, OneApiDelivered, MessageDelivered),
    ('one', 'expired', OneApiExpired, MessageExpired),
    ('one', 'failed', OneApiError, MessageError),
    ('platform', None, S004, MessageDelivered),
    ('platform', 'expired', S010, MessageExpired),
    ('platform', 'failed', S007, MessageError),
])
def test_query_status(sim, api, outcome, status_class, meaning):
    gateway = make(sim, api)
    sim.set_outcome('27999000001', outcome)
    message = gateway.send(OutgoingMessage('27999000001', 'hi'))
    status = gateway.get_provider('clickatell').query_status(message.msgid)
    assert type(status) is status_class and isinstance(status, meaning)
    assert status.msgid == message.msgid
    assert status.status == sim.messages[0].status_name


def test_query_status_of_an_unknown_message(sim, api, gateway):
    with pytest.raises(ClickatellApiError) as e:
        gateway.get_provider('clickatell').query_status('f' * 32)
    assert e.value.code == {'one': 41, 'platform': 103}[api]


@pytest.mark.parametrize('call', ['send', 'get_balance', 'query_status'])
def test_a_wrong_key_is_an_auth_error(sim, api, call):
    provider = make(sim, api, api_key='wrong').get_provider('clickatell')
    # The provider reads a One API key refused on the balance as a key that cannot read it.
    expected = exc.UnsupportedError if (api, call) == ('one', 'get_balance') else exc.AuthError
    with pytest.raises(expected) as e:
        if call == 'send':
            provider.send(OutgoingMessage('27999000001', 'hi'))
        else:
            getattr(provider, call)(*(['f' * 32] if call == 'query_status' else []))
    if expected is exc.AuthError:
        assert e.value.code == {'one': 1, 'platform': 108}[api]
    assert sim.messages == []


@pytest.mark.parametrize('api, setup, message, code, meaning', [
    ('one', None, OutgoingMessage('0799900001', 'hi'), 25, exc.RequestError),
    ('one', 'no credit', OutgoingMessage('27999000001', 'hi'), 20, exc.CreditError),
    ('one', None, OutgoingMessage('27999000001', 'a' * (35 * 153 + 1)), 100, exc.RequestError),
    ('platform', None, OutgoingMessage('0799900001', 'hi'), 105, exc.ProviderError),
    ('platform', 'no credit', OutgoingMessage('27999000001', 'hi'), 301, exc.ProviderError),
    ('platform', None, OutgoingMessage('27999000001', 'a' * (35 * 153 + 1)), 113, exc.ProviderError),
])
def test_refusals(sim, api, setup, message, code, meaning):
    if setup == 'no credit':
        sim.credit = 0
    with pytest.raises(ClickatellApiError) as e:
        make(sim, api).send(message)
    assert e.value.code == code and isinstance(e.value, meaning)
    assert sim.messages == []


class Clock:
    """The rate limit's clock, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize('api', APIS)
def test_the_rate_limit_refuses_whole_requests_with_429(sim, api):
    from smsframework_clickatell.error import is_rate_limited
    clock = sim.account.clock = Clock()
    sim.rate_limit = 2
    gateway = make(sim, api)
    gateway.send(OutgoingMessage('27999000001', 'one'))
    clock.now += 0.5
    gateway.send(OutgoingMessage('27999000002', 'two'))
    with pytest.raises(exc.LimitsError) as e:
        gateway.send(OutgoingMessage('27999000003', 'three'))
    assert is_rate_limited(e.value) and e.value.http_status == 429 and e.value.retry_after == 1.0
    assert e.value.code == {'one': 43, 'platform': None}[api]
    clock.now += 0.6  # the first message is over a second old
    gateway.send(OutgoingMessage('27999000003', 'three'))
    assert [m.text for m in sim.messages] == ['one', 'two', 'three']
