"""Suites written for smsframework-clickatell 0.0.x fake Clickatell by replacing
``provider.api._api_request`` with a function ``(method, **params) -> answer text``: that seam still
works, and everything above it (error codes, parsing) runs on what the replacement returns."""
import pytest
import responses
from smsframework import OutgoingMessage

from smsframework_clickatell import ClickatellProvider
from smsframework_clickatell.error import E301
from smsframework_clickatell.simulator.legacy import sendmsg_answer

ANSWERS = {
    'sendmsg': 'ID: 1234abcd',
    'getbalance': 'Credit: 10.5',
    'querymsg': 'ID: 1234abcd Status: 004',
}


@pytest.fixture
def faked(gateway):
    """A provider whose _api_request is replaced, 0.0.x style; `calls` records what it was asked."""
    provider = gateway.add_provider('clickatell', ClickatellProvider, api_id=1, user='kolypto', password='123')
    calls = []

    def api_request(method, **params):
        calls.append((method, params))
        return ANSWERS[method]
    provider.api._api_request = api_request
    # Any request that still went to the network would fail: no URL is registered.
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        yield provider, calls


def test_send_goes_through_the_replaced_api_request(gateway, faked):
    provider, calls = faked
    message = gateway.send(OutgoingMessage('+123', 'hi').params(deliv_time=15))
    assert message.msgid == '1234abcd'
    assert calls == [('sendmsg', {'to': message.dst, 'text': 'hi', 'mo': 1, 'deliv_time': 15})]


@pytest.mark.parametrize('call', [lambda p: p.get_balance(), lambda p: p.getbalance()], ids=['get_balance', 'getbalance'])
def test_the_balance_comes_from_the_replaced_api_request(faked, call):
    provider, calls = faked
    assert call(provider) == 10.5
    assert calls == [('getbalance', {})]


def test_api_request_and_query_status_come_from_the_replaced_api_request(faked):
    provider, calls = faked
    assert provider.api_request('querymsg', apimsgid='1234abcd') == 'ID: 1234abcd Status: 004'
    assert provider.query_status('1234abcd').delivered
    assert calls == [('querymsg', {'apimsgid': '1234abcd'})] * 2


def test_an_error_answer_of_the_replacement_raises_its_class(gateway, faked):
    provider, _ = faked
    provider.api._api_request = lambda method, **params: 'ERR: 301, No credit left'
    with pytest.raises(E301):
        gateway.send(OutgoingMessage('+123', 'hi'))


def test_send_bulk_goes_through_the_replaced_api_request(faked):
    provider, calls = faked
    provider.api._api_request = lambda method, **params: sendmsg_answer(
        [(to, 'ID: {:032x}'.format(n)) for n, to in enumerate(params['to'].split(','))])
    messages = provider.send_bulk([OutgoingMessage('2799900000{}'.format(n), 'hi') for n in range(3)])
    assert [m.msgid for m in messages] == ['{:032x}'.format(n) for n in range(3)]
