"""Configuration: which API a provider speaks, what each API takes, and the options they share."""
import re

import pytest
import responses
from smsframework import Gateway, OutgoingMessage, exc
from urllib3.util.retry import Retry

from smsframework_clickatell import ClickatellProvider
from smsframework_clickatell.clients import ClickatellHttpApi, OneApiClient, PlatformClient

from .conftest import CREDENTIALS
from .keyapi import BALANCE_URL, ONE_KEY, ONE_SEND_URL, PLATFORM_KEY, PLATFORM_URL, one_accepted


def make(**options):
    return ClickatellProvider(Gateway(), 'clickatell', **options)


# Which API

@pytest.mark.parametrize('options, client_class, api', [
    ({'api_key': ONE_KEY}, OneApiClient, 'one'),
    ({'api_key': ONE_KEY, 'api': 'one'}, OneApiClient, 'one'),
    ({'api_key': PLATFORM_KEY, 'api': 'platform'}, PlatformClient, 'platform'),
    (CREDENTIALS, ClickatellHttpApi, 'legacy'),
    (dict(CREDENTIALS, api='legacy'), ClickatellHttpApi, 'legacy'),
], ids=['key-defaults-to-one', 'key-one', 'key-platform', 'legacy-by-default', 'legacy-named'])
def test_the_credentials_choose_the_api(options, client_class, api):
    provider = make(**options)
    assert type(provider.api) is client_class
    assert provider.api.api == api


def test_add_provider_lines_of_the_issue_work_side_by_side():
    gateway = Gateway()
    gateway.add_provider('main', ClickatellProvider, api_key=ONE_KEY)
    gateway.add_provider('old', ClickatellProvider, api_key=PLATFORM_KEY, api='platform')
    gateway.add_provider('legacy', ClickatellProvider, api_id='1', user='u', password='p')
    assert [gateway.get_provider(name).api.api for name in ('main', 'old', 'legacy')] == ['one', 'platform', 'legacy']


# Every way to get it wrong: a ValueError that names what to give

@pytest.mark.parametrize('options, says', [
    # credentials of both kinds
    (dict(CREDENTIALS, api_key=ONE_KEY), r'either api_key .* or api_id, user and password .* not both'),
    ({'api_key': ONE_KEY, 'password': 'p'}, r'either api_key .* or api_id, user and password .* not both'),
    (dict(CREDENTIALS, api_key=ONE_KEY, api='platform'), r'not both'),
    # a key with api='legacy'
    ({'api_key': ONE_KEY, 'api': 'legacy'}, r"api='legacy' takes api_id, user and password, not api_key.*"
                                            r"api='one'.*api='platform'"),
    # legacy credentials with a key-based api
    (dict(CREDENTIALS, api='one'), r"api='one' takes api_key, not api_id, user or password.*api='legacy'"),
    (dict(CREDENTIALS, api='platform'), r"api='platform' takes api_key"),
    # missing
    ({}, r"credentials are missing: give api_key=.*api='platform'.*api_id=..., user=... and password=..."),
    ({'api': 'one'}, r'credentials are missing: give api_key='),
    ({'api': 'platform'}, r'credentials are missing: give api_key='),
    ({'api': 'legacy'}, r'credentials are missing: .*api_id=..., user=... and password='),
    # unknown api
    ({'api_key': ONE_KEY, 'api': 'v2'}, r"api must be one of 'one', 'platform', 'legacy', not 'v2'"),
    ({'api_key': ONE_KEY, 'api': 'One'}, r"api must be one of .* not 'One'"),
    (dict(CREDENTIALS, api=''), r"api must be one of"),
    # partial legacy credentials
    ({'api_id': '1', 'user': 'u'}, r'needs api_id, user and password: password missing'),
    ({'user': 'u'}, r'needs api_id, user and password: api_id, password missing'),
    ({'password': 'p', 'api': 'legacy'}, r'needs api_id, user and password: api_id, user missing'),
    # a key that cannot be one
    ({'api_key': ''}, r"api_key must be the key from Clickatell's portal"),
    ({'api_key': '   '}, r"api_key must be the key from Clickatell's portal"),
    ({'api_key': 'two words'}, r"api_key must be the key from Clickatell's portal: printable ASCII, no spaces"),
    ({'api_key': 'k\u00e9y'}, r"printable ASCII"),
], ids=lambda value: None if isinstance(value, dict) else '')
def test_wrong_credentials_raise_a_value_error_naming_what_to_give(options, says):
    with pytest.raises(ValueError, match=says) as caught:
        make(**options)
    for secret in (ONE_KEY, CREDENTIALS['password'], 'two words'):
        assert secret not in str(caught.value)


def test_a_key_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError, match='api_key must be a string, not bytes'):
        make(api_key=ONE_KEY.encode())


def test_a_key_is_used_without_the_white_space_around_it(mocked):
    mocked.add(responses.POST, ONE_SEND_URL, json=one_accepted('27999000001'), status=202)
    make(api_key='  {}\n'.format(ONE_KEY)).send(OutgoingMessage('27999000001', 'Hi'))
    assert mocked.calls[0].request.headers['Authorization'] == ONE_KEY


def test_api_request_is_the_legacy_apis_alone():
    with pytest.raises(exc.UnsupportedError, match='legacy HTTP API; this provider uses One API'):
        make(api_key=ONE_KEY).api_request('getbalance')


# api_url

@pytest.mark.parametrize('options', [{'api_key': ONE_KEY}, {'api_key': PLATFORM_KEY, 'api': 'platform'},
                                     {'api_key': ONE_KEY, 'https': False}], ids=['one', 'platform', 'https-ignored'])
def test_the_key_based_apis_default_to_platform_clickatell_com_over_https(mocked, options):
    mocked.add(responses.GET, BALANCE_URL, json={'balance': 1.5, 'currency': 'ZAR'})
    provider = make(**options)
    assert provider.api.base_url == PLATFORM_URL == 'https://platform.clickatell.com'
    assert provider.get_balance() == 1.5


@pytest.mark.parametrize('options, url', [
    ({'api_key': ONE_KEY}, 'http://127.0.0.1:8099/v1/message'),
    ({'api_key': PLATFORM_KEY, 'api': 'platform'}, 'http://127.0.0.1:8099/messages'),
])
@pytest.mark.parametrize('api_url', ['http://127.0.0.1:8099', 'http://127.0.0.1:8099/'])
def test_an_api_url_is_used_as_it_is_even_plain_http(mocked, options, url, api_url):
    mocked.add(responses.POST, url, json={'messages': [{'apiMessageId': 'm1', 'accepted': True,
                                                        'to': '27999000001'}]}, status=202)
    provider = make(api_url=api_url, **options)
    assert provider.send(OutgoingMessage('27999000001', 'Hi')).msgid == 'm1'
    assert mocked.calls[0].request.url == url


def test_an_api_url_with_a_path_prefix_keeps_it(mocked):
    mocked.add(responses.GET, 'http://proxy.test/clickatell/public-client/balance', json={'balance': 2})
    assert make(api_key=ONE_KEY, api_url='http://proxy.test/clickatell').get_balance() == 2.0


@pytest.mark.parametrize('options, base_url', [
    (CREDENTIALS, 'http://api.clickatell.com'),
    (dict(CREDENTIALS, https=True), 'https://api.clickatell.com'),
    (dict(CREDENTIALS, api_url='http://127.0.0.1:9/'), 'http://127.0.0.1:9'),
])
def test_the_legacy_api_keeps_its_urls(options, base_url):
    assert make(**options).api.base_url == base_url


# Options shared by all three

ALL_THREE = [{'api_key': ONE_KEY}, {'api_key': PLATFORM_KEY, 'api': 'platform'}, CREDENTIALS]
ALL_THREE_IDS = ['one', 'platform', 'legacy']


@pytest.mark.parametrize('credentials', ALL_THREE, ids=ALL_THREE_IDS)
def test_timeout_verify_retries_pool_size_and_receiver_auth_work_for_every_api(credentials, tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('')
    provider = make(timeout=(1, 7), verify=str(bundle), retries=Retry(total=2, backoff_factor=0), pool_size=3,
                    receiver_auth=('cb', 'cb-pass'), **credentials)
    transport = provider.api.transport
    assert transport.timeout == (1.0, 7.0)
    assert transport.verify == str(bundle)
    assert transport.retries.read_only.total == 2 and transport.retries.write.read is False
    assert transport._sessions.pool_size == 3
    assert provider.receiver_auth is not None and provider.receiver_auth.user == 'cb'


@pytest.mark.parametrize('credentials', ALL_THREE, ids=ALL_THREE_IDS)
def test_the_defaults_of_the_shared_options_are_the_same_for_every_api(credentials):
    transport = make(**credentials).api.transport
    assert (transport.timeout, transport.verify, transport.retries.read_only.total,
            transport._sessions.pool_size) == ((5.0, 30.0), True, 3, 10)


@pytest.mark.parametrize('credentials', ALL_THREE, ids=ALL_THREE_IDS)
@pytest.mark.parametrize('option, raised, says', [
    ({'timeout': 0}, ValueError, 'timeout must be positive'),
    ({'timeout': None}, TypeError, 'timeout must be seconds'),
    ({'verify': '/no/such/bundle.pem'}, ValueError, 'verify: no CA bundle'),
    ({'retries': -1}, ValueError, 'retries must be 0 or more'),
    ({'pool_size': 0}, ValueError, 'pool_size must be a positive int'),
    ({'receiver_auth': ('user',)}, TypeError, 'receiver_auth must be a (user, password) pair'),
])
def test_a_wrong_shared_option_is_refused_alike_for_every_api(credentials, option, raised, says):
    with pytest.raises(raised, match=re.escape(says)):
        make(**dict(credentials, **option))


# Secrets at rest

@pytest.mark.parametrize('options', [{'api_key': ONE_KEY}, {'api_key': ONE_KEY, 'api': 'platform'}],
                         ids=['one', 'platform'])
def test_the_key_is_in_no_repr(options):
    provider = make(**options)
    shown = [repr(provider), str(provider), repr(provider.api), repr(provider.api.transport),
             repr(vars(provider.api)), repr(vars(provider.api.transport))]
    assert not [text for text in shown if ONE_KEY in text]
