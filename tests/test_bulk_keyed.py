"""send_bulk on the key-based APIs (One API, Platform), rate limits, and send()'s resends after a refusal.

At the HTTP boundary (`responses`, or a loopback server where threads or interrupts matter); time goes
through a fake clock, so backoffs are seen, never waited for.
"""
import json
import threading

import pytest
import responses
from smsframework import Gateway, OutgoingMessage, exc

from smsframework_clickatell import bulk
from smsframework_clickatell.error import (ClickatellApiAuthError, ClickatellApiLimitsError,
                                           ClickatellApiRequestError, ClickatellApiServerError,
                                           ClickatellResponseError, ClickatellTimeLimitError)

from .keyapi import KEYS, ONE_SEND_URL, PLATFORM_SEND_URL, key_provider
from .jsonloopback import JsonLoopbackServer, one_api
from .loopback import HANG, Held, fake_msgid, rendezvous
from .test_bulk import Interrupted, interrupt_main  # noqa: F401  (the fixture)

ONE = ONE_SEND_URL
PLATFORM = PLATFORM_SEND_URL


def number(i):
    return '2799{:07d}'.format(i)


@pytest.fixture
def sent():
    return []


@pytest.fixture
def one(sent):
    provider = key_provider('one')
    provider.gateway.onSend += sent.append
    return provider


@pytest.fixture
def platform(sent):
    provider = key_provider('platform')
    provider.gateway.onSend += sent.append
    return provider


def body(call):
    return json.loads(call.request.body)


def accepted(message):
    return {'apiMessageId': fake_msgid(message['content'], message['to']), 'accepted': True, 'to': message['to'],
            'error': None}


def refused(message, code=43, description='Rate limit exceeded'):
    return {'accepted': False, 'to': message['to'], 'error': {'code': code, 'description': description}}


def one_answer(entries, status=None, headers=None):
    if status is None:
        status = 202 if all(e.get('accepted') for e in entries) else 207
    return status, dict(headers or {}), json.dumps({'messages': entries, 'error': None})


class OneApiServer:
    """A `responses` callback for POST /v1/message that counts what it accepted.

    `decide(message, n)` says what becomes of a message object the n-th time (from 0) its recipient is
    seen: None accepts it, an int refuses it with that code. `whole` is a list of answers to give, in turn,
    to whole requests instead (then nothing in them is accepted).
    """

    def __init__(self, decide=lambda message, n: None, whole=()):
        self.decide = decide
        self.whole = list(whole)
        self.seen = {}
        self.accepted = {}
        self.requests = []
        self.lock = threading.Lock()

    def __call__(self, request):
        document = json.loads(request.body)
        with self.lock:
            self.requests.append(document)
            if self.whole:
                return self.whole.pop(0)
            entries = []
            for message in document['messages']:
                n = self.seen.get(message['to'], 0)
                self.seen[message['to']] = n + 1
                code = self.decide(message, n)
                if code is None:
                    self.accepted[message['to']] = self.accepted.get(message['to'], 0) + 1
                    entries.append(accepted(message))
                else:
                    entries.append(refused(message, code))
        return one_answer(entries)


def texts(count, start=0):
    return [OutgoingMessage(number(i), 'Text {}'.format(i)) for i in range(start, start + count)]


# One API: what goes over the wire

def test_one_api_puts_different_texts_in_one_request(one, mocked, sent, fake_clock):
    server = OneApiServer()
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = [OutgoingMessage(number(1), 'Hello'), OutgoingMessage(number(2), 'Привет', src='Shop'),
                OutgoingMessage('+27 99 000 0003', 'Bye').params(clientMessageId='c-3')]
    assert one.send_bulk(messages) is messages
    assert len(mocked.calls) == 1
    assert body(mocked.calls[0]) == {'messages': [
        {'channel': 'sms', 'to': number(1), 'content': 'Hello'},
        {'channel': 'sms', 'to': number(2), 'content': 'Привет', 'from': 'Shop'},
        {'channel': 'sms', 'to': '27990000003', 'content': 'Bye', 'clientMessageId': 'c-3'},
    ]}
    request = mocked.calls[0].request
    assert request.headers['Authorization'] == KEYS['one'] and request.headers['Content-Type'] == 'application/json'
    assert [m.msgid for m in messages] == [fake_msgid('Hello', number(1)), fake_msgid('Привет', number(2)),
                                           fake_msgid('Bye', '27990000003')]
    assert sent == messages and all(m.meta == {} for m in messages)
    assert fake_clock.waits == []


@pytest.mark.parametrize('count, sizes', [(200, [200]), (201, [200, 1]), (450, [200, 200, 50])])
def test_one_api_requests_carry_at_most_200_messages(one, mocked, fake_clock, count, sizes):
    server = OneApiServer()
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = texts(count)
    one.send_bulk(messages, workers=1)
    assert [len(r['messages']) for r in server.requests] == sizes
    assert [m['content'] for r in server.requests for m in r['messages']] == [m.body for m in messages]
    assert all(m.msgid == fake_msgid(m.body, m.dst) for m in messages)


def test_one_api_sends_messages_to_one_number_in_separate_requests(one, mocked, fake_clock):
    server = OneApiServer()
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = [OutgoingMessage(number(1), 'a'), OutgoingMessage(number(2), 'b'), OutgoingMessage(number(1), 'c')]
    one.send_bulk(messages, workers=1)
    assert [[m['content'] for m in r['messages']] for r in server.requests] == [['a', 'b'], ['c']]
    assert [m.msgid for m in messages] == [fake_msgid(m.body, m.dst) for m in messages]


def test_one_api_207_gives_each_message_its_own_result(one, mocked, sent, fake_clock):
    def partial(request):
        objects = body_of(request)['messages']
        return one_answer([accepted(objects[0]), refused(objects[1], 25, 'Invalid recipient'),
                           # objects[2]: no entry at all; objects[3]: accepted
                           accepted(objects[3])])
    mocked.add_callback(responses.POST, ONE, callback=partial)
    messages = texts(4)
    one.send_bulk(messages)
    assert len(mocked.calls) == 1  # a refusal that is not the rate's, and an uncertain one: never resent
    assert messages[0].msgid and messages[3].msgid and sent == [messages[0], messages[3]]
    error = messages[1].meta['error']
    assert type(error) is ClickatellApiRequestError and error.code == 25 and isinstance(error, exc.RequestError)
    uncertain = messages[2].meta['error']
    assert type(uncertain) is ClickatellResponseError and 'may or may not have been sent' in str(uncertain)


def body_of(request):
    return json.loads(request.body)


def test_messages_that_cannot_be_sent_are_refused_alone(one, mocked, fake_clock):
    server = OneApiServer()
    mocked.add_callback(responses.POST, ONE, callback=server)
    fine = texts(2)
    no_number = OutgoingMessage('', 'Hi')
    lone_surrogate = OutgoingMessage(number(9), 'bad \ud800')
    one.send_bulk(fine + [no_number, lone_surrogate])
    assert [len(r['messages']) for r in server.requests] == [2]
    assert all(m.msgid for m in fine)
    assert no_number.msgid is None and no_number.meta['error'].__class__.__name__ == 'ClickatellParameterError'
    assert lone_surrogate.meta['error'].__class__.__name__ == 'ClickatellParameterError'


@pytest.mark.parametrize('status, document, raised', [
    (401, {'messages': [], 'error': {'code': 1, 'description': 'Invalid or missing integration API key'}},
     ClickatellApiAuthError),
    (503, {'messages': [], 'error': {'code': 19, 'description': 'Internal error, try again'}},
     ClickatellApiServerError),
])
def test_one_api_account_or_service_failure_raises_and_is_never_resent(one, mocked, sent, fake_clock, status,
                                                                        document, raised):
    server = OneApiServer(whole=[(status, {}, json.dumps(document))])
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = texts(450)
    with pytest.raises(raised) as caught:
        one.send_bulk(messages, workers=1)
    assert len(server.requests) == 1  # a 5xx may have been accepted: never sent again
    assert all(m.meta['error'] is caught.value for m in messages[:200])
    assert all(m.msgid is None and m.meta == {} for m in messages[200:])
    assert sent == []


# Rate limits

def test_refused_messages_are_sent_again_exactly_once_each(one, mocked, sent, fake_clock):
    # Every third message is refused for the rate the first time its number is seen.
    server = OneApiServer(decide=lambda message, n: 43 if n == 0 and int(message['to']) % 3 == 0 else None)
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = texts(450)
    one.send_bulk(messages, workers=1)
    refused_numbers = [m.dst for m in messages if int(m.dst) % 3 == 0]
    # Each request with refusals is followed, after the backoff, by one that carries exactly its refused
    # messages again, and nothing else.
    tos = [[m['to'] for m in r['messages']] for r in server.requests]
    assert tos[1::2] == [[n for n in first if int(n) % 3 == 0] for first in tos[0::2]]
    assert sum(tos[1::2], []) == refused_numbers and len(tos) == 6
    assert server.accepted == {m.dst: 1 for m in messages}
    assert all(m.msgid == fake_msgid(m.body, m.dst) and m.meta == {} for m in messages)
    assert sorted(sent, key=messages.index) == messages
    # Refusals without Retry-After: an exponential backoff, jittered (the fake's jitter is 0.5); an
    # accepted request in between starts the backoff over.
    assert fake_clock.waits == [0.75 * 0.25] * 3


def test_retry_after_of_a_whole_request_refusal_is_honoured(one, mocked, fake_clock):
    limited = (429, {'Retry-After': '7'}, json.dumps(
        {'messages': [], 'error': {'code': 43, 'description': 'Rate limit exceeded'}}))
    server = OneApiServer(whole=[limited, limited])
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = texts(3)
    one.send_bulk(messages)
    assert fake_clock.waits == [7.0, 7.0]
    assert len(server.requests) == 3 and all(r == server.requests[0] for r in server.requests)
    assert server.accepted == {m.dst: 1 for m in messages}
    assert all(m.msgid and m.meta == {} for m in messages)


def test_backoff_grows_while_refusals_go_on(one, mocked, fake_clock):
    server = OneApiServer(decide=lambda message, n: 43 if n < 4 else None)
    mocked.add_callback(responses.POST, ONE, callback=server)
    messages = texts(2)
    one.send_bulk(messages)
    assert fake_clock.waits == [0.75 * 0.25, 0.75 * 0.5, 0.75 * 1.0, 0.75 * 2.0]
    assert server.accepted == {m.dst: 1 for m in messages} and len(server.requests) == 5


def test_partly_accepted_requests_keep_the_shortest_wait(one, mocked, fake_clock):
    # Half of every request is accepted: the account's rate is being reached, which is the aim. Waiting
    # longer and longer would leave its allowance unused.
    accepted_count = {}

    def half(request):
        objects = body_of(request)['messages']
        keep = (len(objects) + 1) // 2
        for m in objects[:keep]:
            accepted_count[m['to']] = accepted_count.get(m['to'], 0) + 1
        return one_answer([accepted(m) for m in objects[:keep]] + [refused(m) for m in objects[keep:]])
    mocked.add_callback(responses.POST, ONE, callback=half)
    messages = texts(200)
    one.send_bulk(messages)
    assert len(fake_clock.waits) >= 5 and set(fake_clock.waits) == {0.75 * 0.25}
    assert accepted_count == {m.dst: 1 for m in messages} and all(m.msgid for m in messages)


def test_at_the_time_limit_refused_messages_keep_their_refusal(one, mocked, sent, fake_clock):
    limited = (429, {'Retry-After': '30'}, json.dumps({'messages': [], 'error': {'code': 43}}))
    server = OneApiServer(whole=[limited] * 10)
    mocked.add_callback(responses.POST, ONE, callback=server)
    first, never = texts(200), texts(5, start=200)
    assert one.send_bulk(first + never, workers=1, time_limit=100) == first + never  # no exception
    # Sent at 0, 30, 60 and 90 s; the next would be at 120 s, after the limit: given up at once.
    assert fake_clock.waits == [30.0, 30.0, 30.0]
    assert len(server.requests) == 4 and server.accepted == {}
    assert all(type(m.meta['error']) is ClickatellApiLimitsError and m.msgid is None for m in first)
    assert all(type(m.meta['error']) is ClickatellTimeLimitError and m.msgid is None for m in never)
    assert isinstance(never[0].meta['error'], exc.LimitsError) and sent == []


@pytest.mark.parametrize('time_limit', [0, -1, float('inf'), float('nan'), '60', True])
def test_an_invalid_time_limit_is_refused(one, mocked, time_limit):
    with pytest.raises(ValueError, match='time_limit'):
        one.send_bulk(texts(2), time_limit=time_limit)


class ScriptedPlanner(bulk.Planner):
    """A planner whose requests never leave the process: each batch is answered by `answer(n, batch)`,
    n the call's number; it records how many calls were running when each started."""

    def __init__(self, answer):
        super().__init__(lambda message: message, None, 10)
        self.answer = answer
        self.lock = threading.Lock()
        self.calls = 0
        self.running = 0
        self.started = []  # (call number, calls running, itself included)

    def member(self, message):
        return bulk.Member(message.dst, None, message)

    def pack(self, members):
        return [bulk.Batch(None, chunk) for chunk in self._chunks(members)]

    def send(self, batch):
        with self.lock:
            n = self.calls
            self.calls += 1
            self.running += 1
            self.started.append((n, self.running))
        try:
            threading.Event().wait(0.005)  # long enough for the other workers to start theirs meanwhile
            return self.answer(n, batch)
        finally:
            with self.lock:
                self.running -= 1


def test_concurrency_drops_to_one_while_refusals_come_and_rises_again_after(fake_clock):
    from smsframework_clickatell.clients.results import SendResult

    def answer(n, batch):
        if n < 30:
            return [SendResult(m.key, None, ClickatellApiLimitsError(43, api='one')) for m in batch.members]
        return [SendResult(m.key, 'id-' + m.key, None) for m in batch.members]

    planner = ScriptedPlanner(answer)
    messages = [OutgoingMessage(number(i), 'x') for i in range(400)]
    for m in messages:
        m.meta = {}
    batches, _ = planner.plan(messages)
    assert bulk.run(batches, planner, workers=8) is None
    assert all(m.msgid == 'id-' + m.dst for m in messages)
    running = dict(planner.started)
    assert max(running[n] for n in range(8)) > 1                # at first, several at once
    assert all(running[n] == 1 for n in range(25, 31))          # refused again and again: one at a time
    assert max(running[n] for n in range(31, planner.calls)) > 1  # accepted: more at once again


def test_a_planner_that_fails_to_pack_again_ends_the_run_instead_of_hanging_it(fake_clock):
    from smsframework_clickatell.clients.results import SendResult

    class Failing(ScriptedPlanner):
        def pack(self, members):
            if self.calls:
                raise RuntimeError('cannot pack')
            return super().pack(members)

    planner = Failing(lambda n, batch: [SendResult(m.key, None, ClickatellApiLimitsError(43, api='one'))
                                        for m in batch.members])
    messages = [OutgoingMessage(number(i), 'x') for i in range(5)]
    for m in messages:
        m.meta = {}
    batches, _ = planner.plan(messages)
    outcome = []
    runner = threading.Thread(target=lambda: outcome.append(bulk.run(batches, planner, workers=2)), daemon=True)
    runner.start()
    runner.join(10)
    assert not runner.is_alive() and str(outcome[0]) == 'cannot pack'
    assert all(type(m.meta['error']) is ClickatellApiLimitsError for m in messages)


# Platform

def platform_answer(request):
    document = body_of(request)
    entries = [{'apiMessageId': fake_msgid(document['content'], to), 'accepted': True, 'to': to,
                'errorCode': None, 'error': None, 'errorDescription': None} for to in document['to']]
    return 202, {}, json.dumps({'messages': entries, 'errorCode': None, 'error': None, 'errorDescription': None})


def test_platform_groups_same_text_messages_up_to_200_recipients(platform, mocked, sent, fake_clock):
    mocked.add_callback(responses.POST, PLATFORM, callback=platform_answer)
    same = [OutgoingMessage(number(i), 'Same').options(expires=60) for i in range(250)]
    other = [OutgoingMessage(number(1000), 'Other', src='+1 555 0100')]
    platform.send_bulk(same + other, workers=1)
    assert [body(c) for c in mocked.calls] == [
        {'content': 'Same', 'to': [number(i) for i in range(200)], 'validityPeriod': 60},
        {'content': 'Same', 'to': [number(i) for i in range(200, 250)], 'validityPeriod': 60},
        {'content': 'Other', 'to': [number(1000)], 'from': '15550100'},
    ]
    assert all(m.msgid == fake_msgid(m.body, m.dst) for m in same + other)
    assert sent == same + other


def test_platform_207_and_429(platform, mocked, fake_clock):
    calls = []

    def answer_(request):
        document = body_of(request)
        calls.append(document['to'])
        if len(calls) == 1:
            return 429, {'Retry-After': '2'}, json.dumps({'messages': [], 'error': 'Throttled'})
        entries = [{'apiMessageId': fake_msgid(document['content'], document['to'][0]), 'accepted': True,
                    'to': document['to'][0]},
                   {'accepted': False, 'to': document['to'][1], 'errorCode': 105, 'error': 'Invalid destination',
                    'errorDescription': 'Invalid destination address'}]
        return 207, {}, json.dumps({'messages': entries})
    mocked.add_callback(responses.POST, PLATFORM, callback=answer_)
    messages = [OutgoingMessage(number(1), 'Hi'), OutgoingMessage(number(2), 'Hi')]
    platform.send_bulk(messages)
    assert calls == [[number(1), number(2)]] * 2 and fake_clock.waits == [2.0]
    assert messages[0].msgid == fake_msgid('Hi', number(1))
    assert messages[1].msgid is None and messages[1].meta['error'].code == 105


def test_a_recipient_replaced_by_params_that_is_not_one_number_is_refused_alone(platform, one, mocked, fake_clock):
    mocked.add_callback(responses.POST, PLATFORM, callback=platform_answer)
    mocked.add_callback(responses.POST, ONE, callback=OneApiServer())
    for provider in (platform, one):
        fine = OutgoingMessage(number(1), 'Hi')
        several = OutgoingMessage(number(2), 'Hi').params(to=[number(3), number(4)])
        none = OutgoingMessage(number(5), 'Hi').params(to='')
        provider.send_bulk([fine, several, none])
        assert fine.msgid
        assert [type(m.meta['error']).__name__ for m in (several, none)] == ['ClickatellParameterError'] * 2
    assert [len(body(c).get('to', body(c).get('messages'))) for c in mocked.calls] == [1, 1]


# send(): one message, refused for the rate, sent again within the retry budget

def test_send_sends_a_refused_message_again_honouring_retry_after(one, mocked, fake_clock):
    limited = (429, {'Retry-After': '3'}, json.dumps({'messages': [], 'error': {'code': 43}}))
    server = OneApiServer(whole=[limited, limited])
    mocked.add_callback(responses.POST, ONE, callback=server)
    message = one.send(OutgoingMessage(number(1), 'Hi'))
    assert message.msgid == fake_msgid('Hi', number(1))
    assert fake_clock.waits == [3.0, 3.0] and len(server.requests) == 3


def test_send_gives_up_when_the_retry_budget_is_spent(mocked, fake_clock):
    provider = key_provider('one', retries=1)
    server = OneApiServer(decide=lambda message, n: 43)
    mocked.add_callback(responses.POST, ONE, callback=server)
    with pytest.raises(ClickatellApiLimitsError):
        provider.send(OutgoingMessage(number(1), 'Hi'))
    assert len(server.requests) == 2 and fake_clock.waits == [0.75 * 0.25]


def test_send_does_not_wait_for_a_retry_after_beyond_the_longest_wait(one, mocked, fake_clock):
    limited = (429, {'Retry-After': '3600'}, json.dumps({'messages': [], 'error': {'code': 43}}))
    mocked.add_callback(responses.POST, ONE, callback=OneApiServer(whole=[limited]))
    with pytest.raises(ClickatellApiLimitsError) as caught:
        one.send(OutgoingMessage(number(1), 'Hi'))
    assert caught.value.retry_after == 3600 and fake_clock.waits == []


def test_send_never_resends_what_may_have_been_accepted(one, mocked, fake_clock):
    server = OneApiServer(whole=[(500, {}, json.dumps({'messages': [], 'error': {'code': 18}}))])
    mocked.add_callback(responses.POST, ONE, callback=server)
    with pytest.raises(ClickatellApiServerError):
        one.send(OutgoingMessage(number(1), 'Hi'))
    assert len(server.requests) == 1


# Threads and interrupts, against a real server

@pytest.fixture
def json_loopback():
    servers = []

    def start(script):
        server = JsonLoopbackServer(script).__enter__()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.__exit__(None, None, None)


def test_one_api_requests_go_out_concurrently(json_loopback, fake_clock):
    server = json_loopback(rendezvous(2, timeout=1.0, then=one_api))
    provider = key_provider('one', api_url=server.url)
    messages = texts(1000)
    provider.send_bulk(messages, workers=5)
    assert server.peak >= 2 and server.count('/v1/message') == 5
    assert all(m.msgid == 'id' + m.dst for m in messages)


def test_an_interrupt_of_a_one_api_send_bulk_keeps_every_outcome(json_loopback, interrupt_main, caplog):  # noqa: F811
    lock = threading.Lock()
    arrived = []

    def script(request):
        with lock:
            arrived.append(request)
            n = len(arrived)
        if n == 2:
            return HANG
        if n == 4:
            interrupt_main()
        if n >= 4:
            # Both workers held: nothing more starts, however late the handler runs; then answered.
            return Held(one_api(request))
        return one_api(request)

    server = json_loopback(script)
    gateway = Gateway()
    provider = key_provider('one', api_url=server.url, gateway=gateway, timeout=5)
    sent = []
    gateway.onSend += sent.append
    messages = texts(2000)  # ten requests
    with pytest.raises(Interrupted):
        provider.send_bulk(messages, workers=2)
    state = [(m.msgid, dict(m.meta)) for m in messages]
    server.release()
    for thread in threading.enumerate():
        if thread.name.startswith('clickatell-bulk') and thread.is_alive():
            thread.join(10)
    assert [(m.msgid, m.meta) for m in messages] == state  # late answers are logged, never written
    reached = {m['to'] for r in server.requests for m in r.body['messages']}
    in_flight = {m['to'] for r in arrived[1:2] + arrived[3:] for m in r.body['messages']}
    for m in messages:
        if m.dst not in reached:
            assert m.msgid is None and m.meta == {}
        elif m.dst in in_flight:
            assert 'may or may not have been sent' in str(m.meta['error'])
        else:
            assert m.msgid == 'id' + m.dst or 'may or may not' in str(m.meta['error'])
    assert sum(1 for m in messages if m.msgid) >= 200 and sum(1 for m in messages if m.dst not in reached) >= 1000
    assert sent == [m for m in messages if m.msgid]
    assert all('id' + m['to'] in caplog.text for m in arrived[3].body['messages'])  # late msgids kept
