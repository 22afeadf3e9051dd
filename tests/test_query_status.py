"""query_status: a message's status, asked of Clickatell (querymsg) rather than pushed by it."""
from datetime import datetime, timezone

import pytest
import responses
from smsframework import MessageAccepted, MessageDelivered, MessageError, MessageStatus, exc

from smsframework_clickatell import ClickatellMessageStatus, error
from smsframework_clickatell.error import ClickatellParameterError, ClickatellResponseError
from smsframework_clickatell.status import S003, S004

from .conftest import API_URL
from .wire import form, without_credentials

QUERYMSG = API_URL + '/http/querymsg'
MSGID = '996f364775e24b8432f45d77da8eca47'


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def test_a_delivered_message(provider, mocked):
    mocked.add(responses.POST, QUERYMSG, body='ID: {} Status: 004'.format(MSGID))
    before = utcnow()
    status = provider.query_status(MSGID)
    after = utcnow()
    assert type(status) is S004 and isinstance(status, MessageDelivered)
    assert (status.msgid, status.status_code, status.status) == (MSGID, 4, 'Received by recipient')
    assert status.meta == {'status': 4}
    assert status.provider == 'clickatell'
    assert before <= status.rtime <= after and status.rtime.tzinfo is None
    assert without_credentials(form(mocked.calls[0].request)) == {'apimsgid': MSGID}


@pytest.mark.parametrize('code, expected_class, meaning', [
    ('003', S003, MessageAccepted), ('007', None, MessageError), ('001', None, MessageStatus),
])
def test_each_code_gives_its_status_class(provider, mocked, code, expected_class, meaning):
    mocked.add(responses.POST, QUERYMSG, body='ID: {} Status: {}'.format(MSGID, code))
    status = provider.query_status(MSGID)
    assert isinstance(status, ClickatellMessageStatus) and isinstance(status, meaning)
    if expected_class:
        assert type(status) is expected_class
    assert status.status_code == int(code)


def test_a_code_not_in_the_table_gives_the_base_class(provider, mocked):
    mocked.add(responses.POST, QUERYMSG, body='ID: {} Status: 099'.format(MSGID))
    status = provider.query_status(MSGID)
    assert type(status) is ClickatellMessageStatus and status.status_code == 99


def test_an_unknown_id_raises_e103(provider, mocked):
    mocked.add(responses.POST, QUERYMSG, body='ERR: 103, Unknown API message ID')
    with pytest.raises(error.E103) as caught:
        provider.query_status('nope')
    assert isinstance(caught.value, exc.RequestError)


def test_the_id_is_compared_without_case_and_white_space(provider, mocked):
    mocked.add(responses.POST, QUERYMSG, body='ID: {} Status: 002'.format(MSGID.upper()))
    assert provider.query_status(' {} '.format(MSGID)).msgid == MSGID
    assert without_credentials(form(mocked.calls[0].request)) == {'apimsgid': MSGID}


@pytest.mark.parametrize('body', [
    'ID: 0123456789abcdef0123456789abcdef Status: 004',  # another message
    'ID: {} Status: delivered'.format(MSGID),
    'ID: {}'.format(MSGID),
    'Status: 004',
    '<html>oops</html>',
])
def test_an_answer_that_is_not_this_messages_status_is_a_response_error(provider, mocked, body):
    mocked.add(responses.POST, QUERYMSG, body=body)
    with pytest.raises(ClickatellResponseError):
        provider.query_status(MSGID)


@pytest.mark.parametrize('msgid', ['', '  ', None])
def test_an_empty_id_is_refused_before_asking(provider, mocked, msgid):
    with pytest.raises(ClickatellParameterError, match='message id'):
        provider.query_status(msgid)
    assert len(mocked.calls) == 0


def test_the_gateways_on_status_is_not_fired(gateway, provider, mocked, hooks):
    mocked.add(responses.POST, QUERYMSG, body='ID: {} Status: 004'.format(MSGID))
    provider.query_status(MSGID)
    assert hooks.statuses == []
