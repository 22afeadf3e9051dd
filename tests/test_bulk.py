"""send_bulk: many messages in few sendmsg calls, each message updated with its own result."""
import logging
import signal
import threading
import time

import pytest
import responses
from smsframework import OutgoingMessage, exc

from smsframework_clickatell import error
from smsframework_clickatell.error import ClickatellParameterError, ClickatellResponseError
from smsframework_clickatell.simulator.legacy import sendmsg_answer

from .conftest import API_URL, CREDENTIALS, make_provider
from .loopback import HANG, Held, answer, clickatell, fake_msgid, rendezvous, sequence
from .wire import form, without_credentials

SENDMSG = API_URL + '/http/sendmsg'


def number(i):
    return '2799{:07d}'.format(i)


def messages_to(*numbers, body='Hi', **options):
    return [OutgoingMessage(n, body).options(allow_reply=False, **options) for n in numbers]


def answer_each(request):
    """A `responses` callback answering one line per recipient, ids from what was sent."""
    fields = form(request)
    return 200, {}, sendmsg_answer([(n, 'ID: ' + fake_msgid(fields['text'], n)) for n in fields['to'].split(',')])


@pytest.fixture
def sent(gateway):
    messages = []
    gateway.onSend += messages.append
    return messages


def sendmsg_calls(mocked):
    return [without_credentials(form(call.request)) for call in mocked.calls]


def test_messages_with_the_same_text_go_in_one_call(provider, mocked, sent):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    messages = messages_to(number(1), number(2), number(3))
    assert provider.send_bulk(messages) is messages
    assert sendmsg_calls(mocked) == [{'to': ','.join([number(1), number(2), number(3)]), 'text': 'Hi'}]
    assert [m.msgid for m in messages] == [fake_msgid('Hi', number(i)) for i in (1, 2, 3)]
    assert sent == messages
    assert all(m.meta == {} and m.provider == 'clickatell' for m in messages)
    for field, value in CREDENTIALS.items():
        assert form(mocked.calls[0].request)[field] == value


def test_mixed_success_and_errors(provider, mocked, sent):
    mocked.add(responses.POST, SENDMSG, body='\n'.join([
        'ID: aaa To: {}'.format(number(1)),
        'ERR: 105, Invalid Destination Address To: {}'.format(number(2)),
        'ID: ccc To: {}'.format(number(3)),
        'ERR: 122, Destination mobile opted out To: {}'.format(number(4)),
    ]))
    messages = messages_to(number(1), number(2), number(3), number(4))
    provider.send_bulk(messages)
    assert [m.msgid for m in messages] == ['aaa', None, 'ccc', None]
    assert type(messages[1].meta['error']) is error.E105 and isinstance(messages[1].meta['error'], exc.RequestError)
    assert messages[1].meta['error'].message == 'Invalid Destination Address'
    assert type(messages[3].meta['error']) is error.E122
    assert 'error' not in messages[0].meta and 'error' not in messages[2].meta
    assert sent == [messages[0], messages[2]]


def test_a_number_twice_goes_in_separate_calls_so_each_answer_is_unambiguous(provider, mocked):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    a, b = number(1), number(2)
    messages = messages_to(a, a, b, a) + messages_to(a, body='Other')
    provider.send_bulk(messages, workers=1)
    assert [call['to'] for call in sendmsg_calls(mocked)] == [','.join([a, b]), a, a, a]
    assert [call['text'] for call in sendmsg_calls(mocked)] == ['Hi', 'Hi', 'Hi', 'Other']
    assert all(m.msgid for m in messages)


def test_each_message_to_a_repeated_number_gets_its_own_calls_id(provider, mocked):
    calls = iter(['ID: first To: {0}\nID: other To: {1}', 'ID: second', 'ID: third'])
    mocked.add_callback(responses.POST, SENDMSG,
                        callback=lambda request: (200, {}, next(calls).format(number(1), number(2))))
    messages = messages_to(number(1), number(2), number(1), number(1))
    provider.send_bulk(messages, workers=1)
    assert [m.msgid for m in messages] == ['first', 'other', 'second', 'third']


@pytest.mark.parametrize('count, sizes', [(600, [600]), (601, [600, 1]), (1201, [600, 600, 1]), (1800, [600] * 3)])
def test_at_most_600_recipients_per_call(provider, mocked, count, sizes):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    numbers = [number(i) for i in range(count)]
    messages = messages_to(*numbers)
    provider.send_bulk(messages)
    to_lists = sorted((call['to'].split(',') for call in sendmsg_calls(mocked)), key=lambda to: numbers.index(to[0]))
    expected, start = [], 0
    for size in sizes:
        expected.append(numbers[start:start + size])
        start += size
    assert to_lists == expected
    assert [m.msgid for m in messages] == [fake_msgid('Hi', n) for n in numbers]


def test_messages_are_grouped_by_everything_that_goes_on_the_wire(provider, mocked):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    n = number
    messages = [
        OutgoingMessage(n(1), 'Hi').options(allow_reply=False),
        OutgoingMessage(n(2), 'Hello').options(allow_reply=False),                    # other text
        OutgoingMessage(n(3), 'Hi', src='Shop').options(allow_reply=False),           # other sender
        OutgoingMessage(n(4), 'Hi').options(allow_reply=False, status_report=True),   # other options
        OutgoingMessage(n(5), 'Hi').options(allow_reply=False).params(cliMsgId='a'),  # other params
        OutgoingMessage(n(6), 'Hi').options(allow_reply=False).params(queue=1, deliv_time=5),
        OutgoingMessage(n(7), 'Hi').options(allow_reply=False).params(deliv_time=5, queue=1),  # same as 6
        OutgoingMessage(n(8), 'Hi').options(allow_reply=False),                       # same as 1
        OutgoingMessage(n(9), 'Hi'),                                                  # mo=1
        OutgoingMessage(n(10), 'Hi', src='+1 (555) 000').options(allow_reply=False, senderId='15550'),
        OutgoingMessage(n(11), 'Hi', src='Other').options(allow_reply=False, senderId='15550'),
    ]
    provider.send_bulk(messages, workers=1)
    calls = sendmsg_calls(mocked)
    assert [call['to'] for call in calls] == [
        ','.join([n(1), n(8)]), n(2), n(3), n(4), n(5), ','.join([n(6), n(7)]), n(9), ','.join([n(10), n(11)])]
    assert calls[2]['from'] == 'Shop'
    assert (calls[3]['deliv_ack'], calls[3]['callback']) == ('1', '3')
    assert calls[4]['cliMsgId'] == 'a'
    assert (calls[5]['queue'], calls[5]['deliv_time']) == ('1', '5')
    assert calls[6]['mo'] == '1'
    assert calls[7]['from'] == '15550'
    assert all(m.msgid for m in messages)


def test_unicode_and_long_texts_keep_their_wire_form(provider, mocked):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    messages = messages_to(number(1), number(2), body='Привет') + messages_to(number(3), number(4), body='a' * 161)
    provider.send_bulk(messages, workers=1)
    first, second = sendmsg_calls(mocked)
    assert first == {'to': ','.join([number(1), number(2)]), 'unicode': '1', 'text': '041F04400438043204350442'}
    assert second == {'to': ','.join([number(3), number(4)]), 'text': 'a' * 161, 'concat': '2'}


def test_a_single_recipient_group_takes_an_id_without_to(provider, mocked, sent):
    mocked.add(responses.POST, SENDMSG, body='ID: only')
    messages = messages_to(number(1))
    provider.send_bulk(messages)
    assert messages[0].msgid == 'only' and sent == messages


def test_a_single_recipients_error_without_to_is_that_messages_error(provider, mocked, sent):
    mocked.add(responses.POST, SENDMSG, body='ERR: 105, Invalid Destination Address')
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    messages = messages_to(number(1)) + messages_to(number(2), body='Other')
    provider.send_bulk(messages, workers=1)
    assert messages[0].msgid is None and type(messages[0].meta['error']) is error.E105
    assert messages[1].msgid == fake_msgid('Other', number(2))
    assert sent == [messages[1]]


def test_a_whole_call_error_about_the_messages_goes_to_each_and_the_rest_is_sent(provider, mocked, sent):
    mocked.add(responses.POST, SENDMSG, body='ERR: 123, Invalid Sender ID')
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    bad = messages_to(number(1), number(2), senderId='Unapproved')
    good = messages_to(number(3))
    provider.send_bulk(bad + good, workers=1)
    assert [type(m.meta['error']) for m in bad] == [error.E123, error.E123]
    assert bad[0].meta['error'] is not bad[1].meta['error']
    assert good[0].msgid and sent == good


@pytest.mark.parametrize('failure, raised', [
    ('ERR: 001, Authentication failed', error.E001),
    ('ERR: 301, No credit left', exc.CreditError),
    ('ERR: 901, Internal error (please retry)', error.E901),
    ('<html>Maintenance</html>', ClickatellResponseError),
])
def test_an_account_failure_raises_and_the_calls_already_made_keep_their_results(
        provider, mocked, sent, failure, raised):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    mocked.add(responses.POST, SENDMSG, body=failure)
    first = messages_to(number(1), number(2), body='first')
    failed = messages_to(number(3), number(4), body='second')
    never = messages_to(number(5), body='third')
    with pytest.raises(raised) as caught:
        provider.send_bulk(first + failed + never, workers=1)
    assert [m.msgid for m in first] == [fake_msgid('first', number(1)), fake_msgid('first', number(2))]
    assert all(m.msgid is None and m.meta['error'] is caught.value for m in failed)
    assert never[0].msgid is None and never[0].meta == {}
    assert sent == first
    assert len(mocked.calls) == 2


@pytest.mark.parametrize('failure, raised', [
    (responses.ConnectionError('refused'), exc.ConnectionError),
    (500, exc.ServerError),
    (403, exc.MessageSendError),
])
def test_a_connection_or_http_failure_raises_like_send(provider, mocked, failure, raised):
    if isinstance(failure, int):
        mocked.add(responses.POST, SENDMSG, body='no', status=failure)
    else:
        mocked.add(responses.POST, SENDMSG, body=failure)
    messages = messages_to(number(1), number(2))
    with pytest.raises(raised):
        provider.send_bulk(messages)
    assert [m.msgid for m in messages] == [None, None]


def test_messages_that_cannot_be_sent_are_refused_alone(provider, mocked, sent):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    fine = messages_to(number(1), number(2))
    bad_expires = OutgoingMessage(number(3), 'Hi').options(expires='soon')
    too_long = OutgoingMessage(number(4), 'a' * (153 * 35 + 1))
    no_number = OutgoingMessage('', 'Hi')
    two_numbers = OutgoingMessage(number(6), 'Hi').params(to='1,2')
    unsendable_sender = messages_to(number(7), number(8), senderId='Магазин')
    messages = fine + [bad_expires, too_long, no_number, two_numbers] + unsendable_sender
    provider.send_bulk(messages)
    assert [m.msgid is not None for m in messages] == [True, True] + [False] * 6
    assert type(bad_expires.meta['error']) is ClickatellParameterError
    assert type(too_long.meta['error']) is error.E113
    assert type(no_number.meta['error']) is ClickatellParameterError
    assert type(two_numbers.meta['error']) is ClickatellParameterError
    assert all(type(m.meta['error']) is ClickatellParameterError and "'from'" in str(m.meta['error'])
               for m in unsendable_sender)
    assert sent == fine
    assert len(mocked.calls) == 1


def test_a_body_that_is_not_text_raises_before_anything_is_sent(provider, mocked):
    with pytest.raises(TypeError):
        provider.send_bulk(messages_to(number(1)) + [OutgoingMessage(number(2), b'bytes')])
    assert len(mocked.calls) == 0


def test_a_message_listed_twice_is_sent_once(provider, mocked, sent):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    message = messages_to(number(1))[0]
    provider.send_bulk([message, message])
    assert sendmsg_calls(mocked) == [{'to': number(1), 'text': 'Hi'}]
    assert sent == [message]


def test_a_new_attempt_clears_the_last_ones_results(provider, mocked):
    mocked.add(responses.POST, SENDMSG, body='ERR: 105, Invalid Destination Address')
    mocked.add(responses.POST, SENDMSG, body='ID: now')
    message = messages_to(number(1))[0]
    message.meta = {'mine': 1}
    provider.send_bulk([message])
    assert message.meta['error'].code == 105
    provider.send_bulk([message])
    assert message.msgid == 'now' and message.meta == {'mine': 1}


def test_an_empty_list(provider, mocked):
    assert provider.send_bulk([]) == []


def test_any_iterable_is_accepted_and_returned_as_a_list(provider, mocked):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    result = provider.send_bulk(m for m in messages_to(number(1), number(2)))
    assert [m.msgid for m in result] == [fake_msgid('Hi', number(1)), fake_msgid('Hi', number(2))]


@pytest.mark.parametrize('workers', [0, -1, 1.5, None])
def test_invalid_workers_are_refused(provider, mocked, workers):
    with pytest.raises(ValueError, match='workers'):
        provider.send_bulk(messages_to(number(1), number(2), body='x') + messages_to(number(3)), workers=workers)


def test_a_failing_on_send_hook_propagates_after_every_message_is_updated(gateway, provider, mocked):
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)

    def hook(message):
        raise RuntimeError('hook')
    gateway.onSend += hook
    messages = messages_to(number(1)) + messages_to(number(2), body='Other')
    with pytest.raises(RuntimeError, match='hook'):
        provider.send_bulk(messages)
    assert all(m.msgid for m in messages)


def test_no_credential_in_the_logs(provider, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.add_callback(responses.POST, SENDMSG, callback=answer_each)
    provider.send_bulk(messages_to(number(1), number(2)))
    assert 'sendmsg' in caplog.text and CREDENTIALS['password'] not in caplog.text


# Concurrency, against a real server

def test_groups_go_out_concurrently_with_deterministic_results(loopback):
    # The first two requests are held until both are there: only a client that overlaps them brings the
    # server's peak to 2 (one at a time, the first waits out the rendezvous alone).
    server = loopback(rendezvous(2, timeout=1.0))
    provider = make_provider(server.url)
    messages = []
    for group in range(40):
        messages += messages_to(*(number(group * 10 + k) for k in range(3)), body='group {}'.format(group))
    messages += messages_to(number(0), '0123', number(1), body='group 0')  # repeats; 0123 is refused
    provider.send_bulk(messages, workers=4)
    expected = [fake_msgid(m.body, m.dst) for m in messages]
    expected[-2] = None
    assert [m.msgid for m in messages] == expected
    assert type(messages[-2].meta['error']) is error.E105
    assert server.count('sendmsg') == 41
    assert server.peak >= 2
    assert len({r.port for r in server.requests}) <= 4


def test_an_account_failure_stops_the_calls_not_yet_started(loopback):
    server = loopback(sequence(then=lambda request: answer('ERR: 001, Authentication failed')))
    provider = make_provider(server.url)
    messages = []
    for group in range(50):
        messages += messages_to(number(group), number(group + 100), body='group {}'.format(group))
    with pytest.raises(error.E001):
        provider.send_bulk(messages, workers=4)
    # Each worker's first call fails, so none starts a second one.
    calls = server.count('sendmsg')
    assert 1 <= calls <= 4
    assert all(m.msgid is None for m in messages)
    assert sum(isinstance(m.meta.get('error'), error.E001) for m in messages) == 2 * calls


# Interrupts: an exception raised in the caller's thread (a signal handler, Celery's soft time limit,
# KeyboardInterrupt) while requests are in flight.

class Interrupted(Exception):
    """What the test's signal handler raises in the main thread."""


@pytest.fixture
def interrupt_main():
    """A function that, from any thread, makes a signal handler raise :class:`Interrupted` in the main
    thread (where pytest runs the test), as a real signal would."""
    if not hasattr(signal, 'pthread_kill'):
        pytest.skip('needs signal.pthread_kill (POSIX)')

    def handler(signum, frame):
        raise Interrupted('signal {}'.format(signum))
    previous = signal.signal(signal.SIGUSR1, handler)
    main = threading.main_thread().ident
    yield lambda: signal.pthread_kill(main, signal.SIGUSR1)
    signal.signal(signal.SIGUSR1, previous)


def test_an_interrupt_keeps_every_outcome_marks_the_requests_in_flight_and_propagates(
        loopback, interrupt_main, gateway, caplog):
    held = 'group 2'  # among the first four requests: one worker stays on it
    answered = []
    lock = threading.Lock()

    def script(request):
        if request.fields['text'] == held:
            return HANG
        with lock:
            answered.append(request)
            n = len(answered)
        if n == 7:  # the 8th request at the server: every worker has finished a request by now
            interrupt_main()
        if n >= 7:
            # Held too (then answered), so that every worker is stuck and nothing more can start,
            # however late the main thread gets to run the signal handler.
            return Held(clickatell(request))
        return clickatell(request)

    server = loopback(script)
    provider = make_provider(server.url, gateway=gateway, timeout=5)
    sent = []
    gateway.onSend += sent.append
    messages = []
    for group in range(20):
        messages += messages_to(*(number(group * 10 + k) for k in range(3)), body='group {}'.format(group))

    with pytest.raises(Interrupted):
        provider.send_bulk(messages, workers=4)
    state = [(m.msgid, dict(m.meta)) for m in messages]
    assert sent == [m for m in messages if m.msgid]  # onSend fired for the sent ones before it propagated

    # Let the requests still in flight end (the held one is released), so that the server's count is
    # final: a request the client had started may not have arrived yet when the interrupt came.
    server.release()
    deadline = time.monotonic() + 10
    while any(t.name.startswith('clickatell-bulk') for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert [(m.msgid, m.meta) for m in messages] == state  # late answers are logged, never written

    reached = {(r.fields['text'], n) for r in server.requests for n in r.fields['to'].split(',')}
    done, uncertain, untouched = [], [], []
    for m in messages:
        if (m.body, m.dst) not in reached:
            assert m.msgid is None and m.meta == {}, m.body   # never started: safe to send again
            untouched.append(m)
        elif m.msgid is not None:
            assert m.msgid == fake_msgid(m.body, m.dst) and 'error' not in m.meta
            done.append(m)
        else:
            error = m.meta['error']
            assert type(error) is ClickatellResponseError and 'may or may not have been sent' in str(error)
            uncertain.append(m)
    assert all(m in uncertain for m in messages if m.body == held)
    assert done and untouched   # some requests completed before the interrupt, some never started
    assert len({m.body for m in untouched}) >= 10  # at most 1 + 6 answered + 3 held requests reach the server
    # What the held requests answered after the interrupt is logged, msgids included: never lost.
    late = [m for m in uncertain if m.body != held]
    assert late and all(fake_msgid(m.body, m.dst) in caplog.text for m in late)


def test_an_interrupt_propagates_even_when_an_on_send_hook_fails(loopback, interrupt_main, gateway, caplog):
    def script(request):
        if request.fields['text'] == 'second':
            interrupt_main()
            return HANG
        return clickatell(request)
    server = loopback(script)
    provider = make_provider(server.url, gateway=gateway, timeout=5)

    def hook(message):
        raise RuntimeError('hook')
    gateway.onSend += hook
    first, second, third = (messages_to(number(i), number(i + 100), body=text)
                            for i, text in enumerate(('first', 'second', 'third')))
    with pytest.raises(Interrupted):
        provider.send_bulk(first + second + third, workers=1)
    assert [m.msgid for m in first] == [fake_msgid('first', m.dst) for m in first]
    assert all('may or may not' in str(m.meta['error']) for m in second)
    assert all(m.msgid is None and m.meta == {} for m in third)
    assert 'onSend handler failed' in caplog.text
    server.release()
