"""No credential in any exception the package raises, in its chain, or in the frame locals of its traceback
(what error trackers record), whatever the failure. Against loopback servers."""
import os
import traceback
from urllib.parse import quote, quote_plus, urlencode

import pytest
from smsframework import Gateway, OutgoingMessage

from smsframework_clickatell import ClickatellProvider
from smsframework_clickatell.error import ClickatellParameterError

from .conftest import closed_port_url
from .loopback import DROP, HANG, answer

# Characters that form-encoding changes, so that the encoded form is hunted too.
PASSWORD = 'p@ss wörd&=1'
CREDENTIALS = {'api_id': '3456789', 'user': 'alice', 'password': PASSWORD}
FORMS = {PASSWORD, quote(PASSWORD, safe=''), quote_plus(PASSWORD, safe=''),
         quote_plus(PASSWORD, safe='', encoding='iso-8859-1')}


def provider_for(url, **options):
    options.setdefault('timeout', (1, 0.3))
    options.setdefault('retries', 0)
    return ClickatellProvider(Gateway(), 'clickatell', api_url=url, **CREDENTIALS, **options)


def everything_about(error):
    """What an error tracker would record: the formatted chain with every frame's locals, and the reprs
    and attributes of every exception in the chain."""
    recorded = traceback.TracebackException.from_exception(error, capture_locals=True)
    # The test's own frames hold the credentials it passed: what matters is every frame below them.
    recorded.stack = traceback.StackSummary.from_list(
        [frame for frame in recorded.stack if os.sep + 'tests' + os.sep not in frame.filename])
    texts = [''.join(recorded.format())]
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        texts += [str(error), repr(error), repr(error.args), repr(vars(error))]
        for attribute in ('request', 'response'):
            value = getattr(error, attribute, None)
            if value is not None:
                texts += [repr(vars(value))]
        error = error.__cause__ or error.__context__
    return '\n'.join(texts)



def echo(request):
    """A server whose answer quotes the request it got, credentials and all."""
    return answer('Unexpected request: ' + urlencode(request.fields))


FAILURES = {
    'http error': (lambda request: answer('Internal error', status=500), None),
    'err answer': (lambda request: answer('ERR: 001, Authentication failed'), None),
    'timeout': (lambda request: HANG, None),
    'dropped connection': (lambda request: DROP, None),
    'answer echoing the request': (echo, None),
    'connection refused': (None, closed_port_url),
}


@pytest.mark.parametrize('call', [
    lambda provider: provider.send(OutgoingMessage('27999000001', 'Hi')),
    lambda provider: provider.get_balance(),
], ids=['send', 'get_balance'])
@pytest.mark.parametrize('failure', sorted(FAILURES))
def test_no_failure_shows_the_password_anywhere(loopback, call, failure):
    script, url = FAILURES[failure]
    provider = provider_for(url() if url else loopback(script).url)
    with pytest.raises(Exception) as raised:
        call(provider)
    recorded = everything_about(raised.value)
    assert not [form for form in FORMS if form in recorded], recorded


def test_a_bulk_error_kept_in_meta_shows_no_password(loopback):
    provider = provider_for(loopback(echo).url)
    messages = [OutgoingMessage('2799900000{}'.format(n), 'Hi') for n in range(3)]
    with pytest.raises(Exception) as raised:
        provider.send_bulk(messages)
    for error in [raised.value] + [m.meta['error'] for m in messages if 'error' in m.meta]:
        recorded = everything_about(error)
        assert not [form for form in FORMS if form in recorded], recorded


def test_a_parameter_that_cannot_be_sent_shows_no_password_in_its_traceback(loopback):
    provider = provider_for(loopback().url)
    with pytest.raises(ClickatellParameterError) as raised:
        provider.send(OutgoingMessage('27999000001', 'Hi').params(cliMsgId='€uro'))
    recorded = everything_about(raised.value)
    assert not [form for form in FORMS if form in recorded], recorded


@pytest.mark.parametrize('field', ['password', 'user', 'api_id'])
def test_a_credential_that_cannot_be_sent_as_latin1_is_refused_at_construction_by_name(field):
    credentials = dict(CREDENTIALS, **{field: 'secret-€-value'})
    with pytest.raises(ValueError, match='^{} has characters that cannot be sent as ISO-8859-1$'.format(field)):
        ClickatellProvider(Gateway(), 'clickatell', **credentials)


def test_a_password_refused_at_construction_is_in_no_frame_local():
    with pytest.raises(ValueError) as raised:
        ClickatellProvider(Gateway(), 'clickatell', **dict(CREDENTIALS, password='secret-€-value'))
    assert 'secret' not in everything_about(raised.value)
