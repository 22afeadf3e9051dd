"""`receiver_auth`: HTTP Basic authentication on the receivers."""
import logging

import pytest
from smsframework import Gateway

from smsframework_clickatell import ClickatellProvider
from smsframework_clickatell.receivers.auth import BasicCredentials

from .conftest import CREDENTIALS, RECEIVER_AUTH, receiving_app
from .pushes import IM, MO_LATIN1_ASCII, STATUS, STATUS_DOC, basic, send

USER, PASSWORD = RECEIVER_AUTH
PUSHES = [(IM, MO_LATIN1_ASCII), (STATUS, STATUS_DOC)]
PUSH_IDS = ['im', 'status']


@pytest.fixture
def guarded():
    """A client for receivers with `receiver_auth`, and the hook recorder."""
    return receiving_app(receiver_auth=RECEIVER_AUTH)


# (what the request carries, its Authorization header or None)
REFUSED = [
    ('no credentials', None),
    ('a wrong password', basic(USER, 'wrong')),
    ('the password with one character more', basic(USER, PASSWORD + 'x')),
    ('the password with one character less', basic(USER, PASSWORD[:-1])),
    ('a wrong user', basic('someone', PASSWORD)),
    ('the account password', basic(USER, CREDENTIALS['password'])),
    ('an empty password', basic(USER, '')),
    ('no password', 'Basic ' + 'Y2xpY2thdGVsbC1jYWxsYmFjaw=='),  # base64 of the user name, no colon
    ('another scheme', 'Bearer ' + PASSWORD),
    ('malformed base64', 'Basic ***'),
    ('non-ASCII in place of base64', 'Basic \u00e9t\u00e9'),
    ('the scheme alone', 'Basic'),
]


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
@pytest.mark.parametrize('what, authorization', REFUSED, ids=[r[0] for r in REFUSED])
def test_a_request_without_the_credentials_is_refused_with_401(
        guarded, caplog, url, query, method, what, authorization):
    client, hooks = guarded
    headers = {'Authorization': authorization} if authorization is not None else {}
    response = send(client, url, method, query, headers=headers)
    assert (response.status_code, response.mimetype) == (401, 'text/plain')
    assert response.get_data(as_text=True) == 'authentication required\n'
    assert response.headers['WWW-Authenticate'] == 'Basic realm="Clickatell callbacks", charset="UTF-8"'
    assert hooks.messages == [] and hooks.statuses == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert PASSWORD not in caplog.text and 'wrong' not in caplog.text


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('url, query', PUSHES, ids=PUSH_IDS)
def test_a_request_with_the_credentials_is_handled(guarded, url, query, method):
    client, hooks = guarded
    response = send(client, url, method, query, headers={'Authorization': basic(USER, PASSWORD)})
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    assert len(hooks.messages + hooks.statuses) == 1


@pytest.mark.parametrize('authorization', [
    'basic ' + basic(USER, PASSWORD)[6:],   # the scheme is case-insensitive
    '  Basic   ' + basic(USER, PASSWORD)[6:] + ' ',
])
def test_the_header_is_read_leniently_where_http_allows(guarded, authorization):
    client, hooks = guarded
    assert client.get(STATUS + '?' + STATUS_DOC, headers={'Authorization': authorization}).status_code == 200


def test_credentials_are_checked_before_the_request_is_read(guarded):
    """A stranger learns nothing about what the receiver accepts, and its body is not read."""
    client, hooks = guarded
    assert client.get(STATUS + '?status=nonsense').status_code == 401
    assert client.post(STATUS, data=b'x' * 100000).status_code == 401


def test_non_ascii_credentials_are_compared_as_utf8():
    client, hooks = receiving_app(receiver_auth=('gérard', 'mot de passe ü'))
    response = client.get(STATUS + '?' + STATUS_DOC, headers={'Authorization': basic('gérard', 'mot de passe ü')})
    assert response.status_code == 200


def test_a_password_with_a_colon_is_accepted():
    client, hooks = receiving_app(receiver_auth=('user', 'pa:ss:word'))
    url = STATUS + '?' + STATUS_DOC
    assert client.get(url, headers={'Authorization': basic('user', 'pa:ss:word')}).status_code == 200
    assert client.get(url, headers={'Authorization': basic('user', 'pa')}).status_code == 401


def test_without_receiver_auth_the_receivers_are_open_and_ignore_credentials(client, hooks):
    assert client.get(STATUS + '?' + STATUS_DOC).status_code == 200
    assert client.get(STATUS + '?' + STATUS_DOC, headers={'Authorization': basic('any', 'thing')}).status_code == 200


def test_the_receiver_password_shows_in_no_repr():
    gateway = Gateway()
    provider = gateway.add_provider('clickatell', ClickatellProvider, receiver_auth=RECEIVER_AUTH, **CREDENTIALS)
    assert repr(provider.receiver_auth) == "<BasicCredentials user='clickatell-callback' password=<hidden>>"
    assert PASSWORD not in repr(provider) and PASSWORD not in repr(vars(provider))


@pytest.mark.parametrize('option, error, message', [
    (('hunter2',), TypeError, 'receiver_auth must be a (user, password) pair, not tuple'),
    ('user:hunter2', TypeError, 'receiver_auth must be a (user, password) pair, not str'),
    ((None, 'hunter2'), TypeError, 'receiver_auth: the user name must be a string, not NoneType'),
    (('user', b'hunter2'), TypeError, 'receiver_auth: the password must be a string, not bytes'),
    (('', 'hunter2'), ValueError, 'receiver_auth: the user name is empty'),
    (('user', ''), ValueError, 'receiver_auth: the password is empty'),
    (('us:er', 'hunter2'), ValueError, 'receiver_auth: the user name must not contain ":"'),
])
def test_an_unusable_receiver_auth_is_refused_when_the_provider_is_made(option, error, message):
    """...with a message that does not repeat the password."""
    with pytest.raises(error) as raised:
        Gateway().add_provider('clickatell', ClickatellProvider, receiver_auth=option, **CREDENTIALS)
    assert str(raised.value) == message


def test_receiver_auth_takes_a_list_or_ready_credentials():
    assert BasicCredentials.from_option(['u', 'p']).check(basic('u', 'p'))
    ready = BasicCredentials('u', 'p')
    assert BasicCredentials.from_option(ready) is ready
    assert BasicCredentials.from_option(None) is None
