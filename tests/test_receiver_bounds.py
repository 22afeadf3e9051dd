"""What a request can make the receivers do is bounded: every field has a length cap, checked before any
pattern sees the value, so that a field of 65,000 characters costs no more than a short one.

Measured as work, not time: a spy on every compiled pattern of the package records what it was given.
"""
import re
import sys

import pytest

from smsframework_clickatell.receivers import rules
from smsframework_clickatell.receivers.formats import MAX_QUERY_SIZE

from .pushes import FORM, IM, STATUS, send

# Patterns that scan the raw query string or body, once per piece (linear: see their comments);
# every other pattern reads one field.
REQUEST_PATTERNS = {'smsframework_clickatell.receivers.formats._XML_START',
                    'smsframework_clickatell.receivers.formats._MALFORMED_ESCAPE'}

# (receiver, the rest of a push, the field made too long, its cap)
CAPPED_FIELDS = [
    (IM, 'text=hi', 'from', rules.MAX_PHONE_LENGTH),
    (IM, 'from=1&text=hi', 'to', rules.MAX_PHONE_LENGTH),
    (IM, 'from=1&text=hi', 'moMsgId', rules.MAX_ID_LENGTH),
    (IM, 'from=1&text=hi', 'timestamp', rules.MAX_TIMESTAMP_LENGTH),
    (IM, 'from=1&text=hi', 'charset', rules.MAX_NAME_LENGTH),
    (IM, 'from=1&text=hi', 'api_id', rules.MAX_NAME_LENGTH),
    (IM, 'from=1&text=hi', 'network', rules.MAX_NAME_LENGTH),
    (IM, 'from=1&text=hi', 'udh', rules.MAX_UDH_LENGTH),
    (STATUS, 'status=004', 'apiMsgId', rules.MAX_ID_LENGTH),
    (STATUS, 'status=004', 'moMsgId', rules.MAX_ID_LENGTH),
    (STATUS, 'apiMsgId=x&status=004', 'cliMsgId', rules.MAX_ID_LENGTH),
    (STATUS, 'apiMsgId=x', 'status', rules.MAX_NUMBER_LENGTH),
    (STATUS, 'apiMsgId=x&status=004', 'charge', rules.MAX_NUMBER_LENGTH),
    (STATUS, 'apiMsgId=x&status=004', 'timestamp', rules.MAX_NUMBER_LENGTH),
    (STATUS, 'apiMsgId=x&status=004', 'api_id', rules.MAX_NAME_LENGTH),
]
CAPPED_IDS = ['{}-{}'.format(url.rsplit('/', 1)[1], name) for url, _, name, _ in CAPPED_FIELDS]


class PatternSpy:
    """Stands for a compiled pattern and records the length of every string it is given."""

    def __init__(self, pattern, name, calls):
        self.pattern, self.name, self.calls = pattern, name, calls

    def __getattr__(self, attr):
        method = getattr(self.pattern, attr)
        if attr not in ('match', 'fullmatch', 'search', 'finditer', 'findall', 'split', 'sub', 'subn'):
            return method

        def spied(*args, **kwargs):
            string = args[1] if attr in ('sub', 'subn') else args[0]
            self.calls.append((self.name, len(string)))
            return method(*args, **kwargs)
        return spied


@pytest.fixture
def patterns(monkeypatch):
    """Every compiled pattern in the package's modules replaced by a spy: the (pattern, length) calls."""
    calls = []
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith('smsframework_clickatell'):
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, re.Pattern):
                monkeypatch.setattr(module, attr, PatternSpy(value, module_name + '.' + attr, calls))
    assert calls == [] and any(isinstance(v, PatternSpy) for v in vars(rules).values())
    return calls


def assert_refused(response, hooks, reason):
    assert (response.status_code, response.get_data(as_text=True)) == (400, reason + '\n')
    assert hooks.messages == [] and hooks.statuses == []


def test_a_sender_of_65000_digits_is_refused_before_any_pattern_sees_it(client, hooks, patterns):
    """The quadratic phone pattern of 0.0.x took 10 s of CPU on this; now no pattern even reads it."""
    response = client.get(IM + '?text=hi&from=' + '9' * 65000 + 'x')
    assert_refused(response, hooks, 'field from is longer than 32 characters')
    assert [call for call in patterns if call[0] == 'smsframework_clickatell.phone._NUMBER'] == []
    assert [call for call in patterns if call[0] not in REQUEST_PATTERNS and call[1] > 32] == []


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('length', ['cap+1', 65000])
@pytest.mark.parametrize('url, rest, name, cap', CAPPED_FIELDS, ids=CAPPED_IDS)
def test_a_field_over_its_cap_is_refused_before_any_pattern_reads_it(
        client, hooks, patterns, url, rest, name, cap, length, method):
    value = '9' * (cap + 1 if length == 'cap+1' else length)
    response = send(client, url, method, rest + '&' + name + '=' + value)
    assert_refused(response, hooks, 'field {} is longer than {} characters'.format(name, cap))
    assert [call for call in patterns if call[0] not in REQUEST_PATTERNS and call[1] > cap] == []
    # The request-wide patterns read each piece of the query string or body once: linear work.
    pieces = (rest + '&' + name).count('&') + 1
    assert len([call for call in patterns if call[0] in REQUEST_PATTERNS]) <= 2 * pieces + 2


@pytest.mark.parametrize('url, rest, name, cap', CAPPED_FIELDS, ids=CAPPED_IDS)
def test_a_field_at_its_cap_is_not_refused_for_its_length(client, hooks, url, rest, name, cap):
    response = send(client, url, 'GET', rest + '&' + name + '=' + '9' * cap)
    assert 'longer than' not in response.get_data(as_text=True)


@pytest.mark.parametrize('name', ['charge', 'timestamp'])
def test_a_number_no_float_can_hold_is_refused_even_under_a_higher_cap(client, hooks, monkeypatch, name):
    """float('9' * 400) is inf: the hook would get a number no arithmetic can use."""
    monkeypatch.setattr(rules, 'MAX_NUMBER_LENGTH', 1000)
    response = send(client, STATUS, 'GET', 'apiMsgId=x&status=004&' + name + '=' + '9' * 400)
    assert_refused(response, hooks, "field {} is not a finite number: '{}'".format(name, '9' * 40))


@pytest.mark.parametrize('extra, status', [(0, 200), (1, 400)])
def test_the_query_string_is_capped_like_the_body(client, hooks, extra, status):
    query = 'from=1&text=hi&padding='
    response = client.get(IM + '?' + query + 'x' * (MAX_QUERY_SIZE - len(query) + extra))
    assert response.status_code == status
    if status == 400:
        assert_refused(response, hooks, 'the query string is longer than 65536 bytes')


def test_a_form_body_is_capped_by_the_body_cap_not_the_query_cap(client, hooks):
    body = b'from=1&text=' + b'x' * (MAX_QUERY_SIZE - 20)
    assert client.post(IM, data=body, content_type=FORM).status_code == 200
