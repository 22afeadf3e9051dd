"""Matching a multi-recipient sendmsg answer to its recipients: every recipient gets its own line's
result or an error, never another's msgid."""
import logging

import pytest
import responses

from smsframework_clickatell import error
from smsframework_clickatell.api import SendResult, match_recipients
from smsframework_clickatell.error import ClickatellResponseError

from .conftest import API_URL
from .wire import form, without_credentials

A, B, C = '27999000001', '27999000002', '27999000003'


def summary(results):
    """(to, msgid or the error's class name and code) per result."""
    return [(r.to, r.msgid if r.error is None else (type(r.error).__name__, getattr(r.error, 'code', None)))
            for r in results]


CASES = [
    # (what it pins, answer, recipients, expected summary)
    ('one line per recipient, in order',
     'ID: a1 To: {A}\nID: b1 To: {B}', [A, B], [(A, 'a1'), (B, 'b1')]),
    ('lines in any order',
     'ID: b1 To: {B}\nID: a1 To: {A}', [A, B], [(A, 'a1'), (B, 'b1')]),
    ('mixed success and errors',
     'ID: a1 To: {A}\nERR: 105, Invalid Destination Address To: {B}\n'
     'ERR: 121, Destination mobile number blocked To: {C}',
     [A, B, C], [(A, 'a1'), (B, ('E105', 105)), (C, ('E121', 121))]),
    ('an error with a code not in the table',
     'ERR: 999, Something new To: {A}\nID: b1 To: {B}', [A, B],
     [(A, ('ClickatellProviderError', 999)), (B, 'b1')]),
    ('Windows line ends and blank lines',
     'ID: a1 To: {A}\r\n\r\nID: b1 To: {B}\r\n', [A, B], [(A, 'a1'), (B, 'b1')]),
    ('a To written with a plus',
     'ID: a1 To: +{A}\nID: b1 To: {B}', [A, B], [(A, 'a1'), (B, 'b1')]),
    ('a recipient without a line gets an error, not a guess',
     'ID: a1 To: {A}', [A, B], [(A, 'a1'), (B, ('ClickatellResponseError', None))]),
    ('a recipient with two lines gets an error',
     'ID: a1 To: {A}\nID: a2 To: {A}\nID: b1 To: {B}', [A, B],
     [(A, ('ClickatellResponseError', None)), (B, 'b1')]),
    ('a line for a number not sent to is not taken for another',
     'ID: a1 To: {A}\nID: x1 To: 27111111111', [A, B], [(A, 'a1'), (B, ('ClickatellResponseError', None))]),
    ('a line without To among several names nobody',
     'ID: a1 To: {A}\nID: x1', [A, B], [(A, 'a1'), (B, ('ClickatellResponseError', None))]),
    ('one recipient: an ID without To is its id',
     'ID: a1', [A], [(A, 'a1')]),
    ('one recipient: an ID with its To',
     'ID: a1 To: {A}', [A], [(A, 'a1')]),
    ('one recipient: an ID naming another number is not taken',
     'ID: a1 To: {B}', [A], [(A, ('ClickatellResponseError', None))]),
    ('one recipient: two IDs without To are not taken',
     'ID: a1\nID: a2', [A], [(A, ('ClickatellResponseError', None))]),
    ('several recipients: one ID without To cannot be attributed',
     'ID: a1', [A, B], [(A, ('ClickatellResponseError', None)), (B, ('ClickatellResponseError', None))]),
    ('one recipient: an error without To that concerns the message',
     'ERR: 105, Invalid Destination Address', [A], [(A, ('E105', 105))]),
    ('one recipient: an error with To',
     'ERR: 001, Authentication failed To: {A}', [A], [(A, ('E001', 1))]),
    ('a whole-call error that concerns the message goes to every recipient',
     'ERR: 123, Invalid Sender ID', [A, B], [(A, ('E123', 123)), (B, ('E123', 123))]),
    ('an ID with white space in it is not an id',
     'ID: a 1 To: {A}\nID: b1 To: {B}', [A, B], [(A, ('ClickatellResponseError', None)), (B, 'b1')]),
]


@pytest.mark.parametrize('answer, recipients, expected', [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matching(answer, recipients, expected):
    results = match_recipients(answer.format(A=A, B=B, C=C), recipients)
    assert summary(results) == expected
    assert all(isinstance(r, SendResult) and (r.msgid is None) != (r.error is None) for r in results)


def test_each_recipient_of_a_whole_call_error_gets_its_own_instance():
    first, second = match_recipients('ERR: 123, Invalid Sender ID', [A, B])
    assert first.error is not second.error
    assert (first.error.code, first.error.message) == (123, 'Invalid Sender ID')


def test_an_unattributed_recipients_error_says_it_may_have_been_sent_and_quotes_the_answer():
    _, missing = match_recipients('ID: a1 To: {}\nwhat?'.format(A), [A, B])
    assert isinstance(missing.error, ClickatellResponseError)
    assert 'may or may not have been sent' in str(missing.error) and B in str(missing.error)
    assert 'what?' in missing.error.body


def test_unexpected_lines_are_logged(caplog):
    match_recipients('ID: a1 To: {}\nID: x1 To: 27111111111'.format(A), [A])
    assert 'naming none of them' in caplog.text and '27111111111' in caplog.text


@pytest.mark.parametrize('answer, raised', [
    ('ERR: 001, Authentication failed', error.E001),
    ('ERR: 301, No credit left', error.E301),
    ('ERR: 901, Internal error (please retry)', error.E901),
    ('ERR: 130, Maximum MT limit exceeded until 1700000000', error.E130),
    ('ERR: 004, Account frozen', error.ClickatellProviderError),
])
@pytest.mark.parametrize('recipients', [[A], [A, B]], ids=['one recipient', 'two recipients'])
def test_a_whole_call_error_about_the_account_raises(answer, raised, recipients):
    with pytest.raises(raised):
        match_recipients(answer, recipients)


@pytest.mark.parametrize('answer', ['', '<html>Maintenance</html>', 'OK: 12', 'ID:', 'garbage\nmore garbage'])
def test_an_answer_without_any_result_line_raises(answer):
    with pytest.raises(ClickatellResponseError, match='Unexpected answer'):
        match_recipients(answer, [A, B])


def test_unexpected_lines_do_not_log_at_all_when_everything_matches(caplog):
    caplog.set_level(logging.DEBUG)
    match_recipients('ID: a1 To: {}\nID: b1 To: {}'.format(A, B), [A, B])
    assert caplog.text == ''


@pytest.mark.parametrize('recipients, message', [
    ([], 'at least one'),
    ([str(27990000000 + i) for i in range(601)], 'at most 600'),
    ([A, B, A], 'distinct'),
    ([A, '+27999000002'], 'digits'),
    ([A, ''], 'digits'),
    ([A, '٣٤٥'], 'digits'),  # digits, but not ASCII ones
])
def test_send_multi_refuses_recipients_it_could_not_match_before_sending(provider, mocked, recipients, message):
    with pytest.raises(ValueError, match=message):
        provider.api.send_multi({'text': 'Hi'}, recipients)
    assert len(mocked.calls) == 0


def test_send_multi_sends_its_recipients_whatever_to_the_params_hold(provider, mocked):
    mocked.add(responses.POST, API_URL + '/http/sendmsg', body='ID: a1 To: {}\nID: b1 To: {}'.format(A, B))
    results = provider.api.send_multi({'to': '999', 'text': 'Hi'}, [A, B])
    assert [r.msgid for r in results] == ['a1', 'b1']
    assert without_credentials(form(mocked.calls[0].request)) == {'text': 'Hi', 'to': '{},{}'.format(A, B)}
