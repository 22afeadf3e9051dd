"""Bulk sending, for every API generation: a planner per API packs messages into requests, one runner
sends them.

A planner (one per wire client, from its ``bulk_planner()``) knows what one request of its API can carry:

* :class:`SameTextPlanner` (legacy ``sendmsg``, Platform ``POST /messages``): one text and one set of
  options to many recipients. Messages whose wire parameters are the same but for the recipient form a
  group; a group goes out in requests of at most 600 (legacy) or 200 (Platform) distinct recipients.
* :class:`MixedPlanner` (One API ``POST /v1/message``): each message its own object, so messages with
  different texts share a request, up to 200 each.

Either way a recipient appears at most once per request (two messages to one number go in separate
requests), so every answer line or entry names exactly one message.

The runner (:func:`run`) sends the requests on worker threads, writes each message's outcome as its
request completes, resends exactly the messages a rate limit refused (after ``Retry-After``, or an
exponential backoff with jitter), halves its concurrency while refusals come and raises it again by one
per window of accepted requests (AIMD), stops at the first failure that concerns the account, starts no
request after its time limit, and keeps every outcome when the calling thread is interrupted.
"""
import logging
import math
import numbers
import threading
from collections import deque
from typing import (Any, Callable, Deque, Dict, Hashable, Iterable, List, Mapping, NamedTuple, Optional, Protocol,
                    Sequence, Tuple, Union, cast)

from smsframework import OutgoingMessage, exc

from . import const
from .error import (ClickatellParameterError, ClickatellProviderError, ClickatellResponseError,
                    ClickatellTimeLimitError, is_rate_limited)
from .phone import digits
from .transport import ratelimit

log = logging.getLogger(__name__)

#: A message's wire parameters, or a whole message object, as a client's ``message_params`` makes them.
Params = Dict[str, Any]


class Member(NamedTuple):
    """One message as a planner prepared it: `key` its recipient (digits), `wire` what the API needs for it
    (the parameters but the recipient, or the whole message object), `message` the OutgoingMessage."""
    key: str
    wire: Params
    message: OutgoingMessage


class Batch(NamedTuple):
    """One request: `params` what its messages share (None when each carries its own), `members` its
    :data:`Member` objects, recipients distinct."""
    params: Optional[Params]
    members: Sequence[Member]


class Result(Protocol):
    """What a send says about one message (a :data:`~smsframework_clickatell.clients.results.SendResult`):
    its id, or why it was not sent."""

    @property
    def msgid(self) -> Optional[str]: ...

    @property
    def error(self) -> Optional[BaseException]: ...


#: A client's function from an OutgoingMessage to its wire parameters (or message object).
MessageParams = Callable[[OutgoingMessage], Params]

#: What a planner does with a refused message: the message, and the error that refused it.
Refusal = Tuple[OutgoingMessage, exc.ProviderError]

#: What a request came to: a result per message, or the exception that failed it as a whole.
Outcome = Union[Sequence[Result], BaseException]

# Errors that refuse one message before anything is sent: it cannot be sent as given.
_UNSENDABLE = (ClickatellParameterError, ClickatellProviderError)


class Planner:
    """How one API's messages are packed into requests and sent. Subclasses say how.

    :param message_params: the client's function from an OutgoingMessage to its wire parameters
    :param send: the client's function that sends one :data:`Batch` (see the subclasses)
    :param int per_request: the most messages (or recipients) one request may carry
    """

    def __init__(self, message_params: MessageParams, send: Callable[..., Sequence[Result]],
                 per_request: int) -> None:
        self.message_params = message_params
        self._send = send
        self.per_request = per_request

    def plan(self, messages: Iterable[OutgoingMessage]) -> Tuple[List[Batch], List[Refusal]]:
        """Pack messages into batches, and pick out those that cannot be sent.

        :returns: (batches, [(message, error)] for the messages refused before sending)
        :raises TypeError: what `message_params` raises for a body that is not a string (a bug in the
            caller: nothing is sent)
        """
        members: List[Member] = []
        refused: List[Refusal] = []
        for message in messages:
            try:
                members.append(self.member(message))
            except _UNSENDABLE as e:
                refused.append((message, e))
        return self.pack(members), refused

    def member(self, message: OutgoingMessage) -> Member:
        """The :data:`Member` of a message.

        :raises ClickatellParameterError: a message that cannot be sent as given
        """
        raise NotImplementedError

    def pack(self, members: Sequence[Member]) -> List[Batch]:
        """Batches for members (a plan, or the messages a rate limit refused, to send again)."""
        raise NotImplementedError

    def send(self, batch: Batch) -> Sequence[Result]:
        """Send one batch: a result per member, in order, each with `msgid` and `error`."""
        raise NotImplementedError

    def _chunks(self, members: Iterable[Member]) -> List[List[Member]]:
        """Members in requests of at most `per_request`, no recipient twice in one request, in order."""
        batches: List[List[Member]] = []
        for round_ in _rounds(members):
            for start in range(0, len(round_), self.per_request):
                batches.append(round_[start:start + self.per_request])
        return batches


class SameTextPlanner(Planner):
    """One text to many recipients per request: legacy ``sendmsg``, Platform ``POST /messages``.

    :param send: ``send(params, recipients)``: the client's multi-recipient send
    :param recipient: the recipient (digits) from the `to` of a message's parameters
    :param wire_key: what of the parameters goes on the wire, as a hashable value: messages with the same
        key share requests
    """

    def __init__(self, message_params: MessageParams,
                 send: Callable[[Params, List[str]], Sequence[Result]], per_request: int,
                 recipient: Callable[[Any], str], wire_key: Callable[[Params], Hashable]) -> None:
        super().__init__(message_params, send, per_request)
        self._recipient = recipient
        self._wire_key = wire_key

    def member(self, message: OutgoingMessage) -> Member:
        params = dict(self.message_params(message))
        return Member(self._recipient(params.pop('to', None)), params, message)

    def pack(self, members: Sequence[Member]) -> List[Batch]:
        groups: Dict[Hashable, List[Member]] = {}  # wire key -> [member]; dicts keep the order of first appearance
        for member in members:
            groups.setdefault(self._wire_key(member.wire), []).append(member)
        return [Batch(chunk[0].wire, chunk) for group in groups.values() for chunk in self._chunks(group)]

    def send(self, batch: Batch) -> Sequence[Result]:
        return self._send(batch.params, [member.key for member in batch.members])


class MixedPlanner(Planner):
    """Each message its own object, any texts in one request: One API ``POST /v1/message``.

    :param send: ``send(objects)``: the client's send of several message objects
    """

    def member(self, message: OutgoingMessage) -> Member:
        wire = self.message_params(message)
        to = wire.get('to')
        key = digits(str(to)) if isinstance(to, (str, int)) and not isinstance(to, bool) else ''
        if not key:  # ``.params(to=...)`` may have replaced the recipient with anything
            raise ClickatellParameterError('a message needs one recipient phone number, not {!r}'.format(
                wire.get('to')))
        return Member(key, wire, message)

    def pack(self, members: Sequence[Member]) -> List[Batch]:
        return [Batch(None, chunk) for chunk in self._chunks(members)]

    def send(self, batch: Batch) -> Sequence[Result]:
        return self._send([member.wire for member in batch.members])


def legacy_recipient(to: object) -> str:
    """The recipient of a message as one legacy sendmsg of many carries it: its digits.

    :raises ClickatellParameterError: no number, or several
    """
    to = '' if to is None else str(to)
    if to.isdigit() and to.isascii():  # as OutgoingMessage leaves it: the common case, made quick
        return to
    if ',' in to:
        raise ClickatellParameterError('a message goes to one number, not {!r}'.format(to))
    number = digits(to)
    if not number:
        raise ClickatellParameterError('a message needs a recipient phone number, not {!r}'.format(to))
    return number


def form_key(params: Mapping[str, object]) -> Tuple[Tuple[str, str], ...]:
    """What of legacy form parameters goes over the wire, whatever the dict's order or the values' types
    (True and 1 are both "1")."""
    return tuple(sorted((str(name), str(int(value) if isinstance(value, bool) else value))
                        for name, value in params.items() if value is not None))


def _rounds(members: Iterable[Member]) -> List[List[Member]]:
    """Split members so that no list holds a recipient twice: the n-th occurrence of each number goes into
    the n-th list. The order of the messages is kept within each list."""
    rounds: List[List[Member]] = []
    seen: Dict[str, int] = {}
    for member in members:
        n = seen.get(member.key, 0)
        seen[member.key] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(member)
    return rounds


# The runner

def run(batches: Sequence[Batch], planner: Planner, workers: int = const.BULK_WORKERS,
        time_limit: float = const.BULK_TIME_LIMIT) -> Optional[BaseException]:
    """Send batches on up to `workers` threads, writing each outcome into its messages as it arrives.

    Each message of a completed request gets its result at once, in the worker thread that read the
    answer: `msgid` when sent, ``meta['error']`` when not (the result's error, or the exception of a
    request that failed as a whole). A failure that is not about its messages (authentication, credit,
    the network, ...) stops the batches not yet started; their messages are left as they are.

    Rate limits: a message refused for the rate (:func:`~smsframework_clickatell.error.is_rate_limited`,
    per message or for the whole request) keeps the refusal as ``meta['error']`` and is sent again, before
    the messages not yet sent and packed with the others refused, after the answer's ``Retry-After`` or a
    backoff (:func:`~smsframework_clickatell.transport.ratelimit.refusal_delay`); meanwhile no request
    starts. The number of requests at once is halved (at least one) at the first refusal of each window
    and grows again by one per window of accepted requests, up to `workers`. Once `time_limit` seconds
    have passed (or a wait would end after it), no request starts: refused messages keep their refusal,
    and messages never sent get a :class:`~smsframework_clickatell.error.ClickatellTimeLimitError`. A
    message that may have been accepted is never sent again.

    The calling thread only waits, so an exception raised in it while requests are in flight (a signal
    handler, Celery's soft time limit, ``KeyboardInterrupt``) cannot lose an outcome: every request that
    completed has already written its messages; the messages of the requests in flight get a
    :class:`ClickatellResponseError` saying they may or may not have been sent; the rest stay as they are
    (untouched, or with the refusal of their last attempt). Then the exception propagates. The requests in
    flight are left to finish in their threads (each is bounded by the transport's time-out); what they
    answer is logged, not written, so that the messages do not change under a caller that is already
    handling the interrupt.

    :param batches: :data:`Batch` objects from `planner`
    :param planner: the :class:`Planner` that made them (it sends them, and packs refused ones again)
    :param int workers: the most requests at once
    :param float time_limit: seconds after which no request starts
    :returns: the first failure that stopped the run, or None
    :raises ValueError: `workers` or `time_limit` out of range (nothing is sent)
    :raises: whatever interrupted the calling thread, once the messages are updated as above
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError('workers must be a positive int, not {!r}'.format(workers))
    if (isinstance(time_limit, bool) or not isinstance(time_limit, numbers.Real)
            or not (time_limit > 0 and math.isfinite(time_limit))):
        raise ValueError('time_limit must be positive and finite seconds, not {!r}'.format(time_limit))
    state = _Run(batches, planner, workers, time_limit, ratelimit.clock)
    try:
        # Even one batch goes to a worker: the calling thread must never be inside a request, where an
        # interrupt would land in the HTTP stack with the request's fate unknown.
        for _ in range(min(workers, len(batches))):
            threading.Thread(target=state.work, name='clickatell-bulk', daemon=True).start()
        state.wait()
    except BaseException:
        state.abandon()
        raise
    return state.failure


#: How long the calling thread, or an idle worker, waits at a time: on platforms where a blocked lock
#: cannot be interrupted (Windows), a signal handler runs within this time.
_POLL_SECONDS = 0.5


class _Run:
    """The shared state of one :func:`run`, guarded by one condition."""

    def __init__(self, batches: Iterable[Batch], planner: Planner, workers: int, time_limit: float,
                 clock: ratelimit.Clock) -> None:
        self._planner = planner
        self._clock = clock
        self._pending: Deque[Batch] = deque(batches)
        self._refused: List[Member] = []    # members a rate limit refused, to pack and send again
        self._in_flight: Dict[object, Tuple[Batch, int]] = {}  # token -> (batch, window in which it started)
        self._condition = threading.Condition()
        self._stopped = False       # start no more requests: a failure, the time limit, or an interrupt
        self._abandoned = False     # the caller was interrupted: answers read now are logged, not written
        self._deadline = clock.now() + time_limit
        self._time_limit = time_limit
        # AIMD: requests allowed at once (a float: it grows by 1/limit per accepted request, so by one
        # per window), halved once per window of refusals; the window counts the halvings.
        self._max = workers
        self._limit = float(workers)
        self._window = 0
        self._refusals = 0          # windows refused outright in a row, for the exponential backoff
        self._not_before = clock.now()
        self.failure: Optional[BaseException] = None

    # Workers

    def work(self) -> None:
        """A worker thread: take batches until none is left or the run stops."""
        while True:
            with self._condition:
                try:
                    taken = self._take()
                except BaseException as e:  # noqa: B036 - a planner's bug must end the run, not hang it
                    self._stopped = True
                    self.failure = self.failure or e
                    taken = None
                if taken is None:
                    self._condition.notify_all()
                    return
                token, batch = taken
            outcome = self._attempt(batch)
            with self._condition:
                try:
                    _, window = self._in_flight.pop(token)
                    if self._abandoned:
                        _log_late(batch, outcome)
                    else:
                        self._apply(batch, outcome, window)
                finally:
                    self._condition.notify_all()

    def _take(self) -> Optional[Tuple[object, Batch]]:
        """The next batch to send (with its token, now in flight), or None when this worker is done."""
        while True:
            if self._stopped:
                return None
            now = self._clock.now()
            if not self._pending and not self._refused:
                if not self._in_flight:
                    return None  # all done
                self._condition.wait(_POLL_SECONDS)  # an answer may bring refusals to send again
                continue
            if now >= self._deadline or self._not_before >= self._deadline:
                self._expire()
                return None
            if now < self._not_before:
                self._clock.wait(self._condition, self._not_before - now)
                continue
            if len(self._in_flight) >= max(1, int(self._limit)):
                self._condition.wait(_POLL_SECONDS)
                continue
            if self._refused:
                # Sent again before the rest, packed anew: refusals of several requests may share one.
                self._pending.extendleft(reversed(self._planner.pack(self._refused)))
                self._refused = []
            batch = self._pending.popleft()
            token = object()
            self._in_flight[token] = (batch, self._window)
            return token, batch

    def _attempt(self, batch: Batch) -> Outcome:
        try:
            return self._planner.send(batch)
        except BaseException as e:  # noqa: B036 - a worker must always report back, whatever happens
            return e

    def _apply(self, batch: Batch, outcome: Outcome, window: int) -> None:
        if isinstance(outcome, BaseException):
            for member in batch.members:
                _meta(member)['error'] = outcome
            if is_rate_limited(outcome):
                self._refused.extend(batch.members)
                self._refusal(outcome.retry_after, window, accepted_some=False)
            elif not isinstance(outcome, ClickatellParameterError):
                # A parameter the wire encoding cannot carry is this group's fault; anything else
                # concerns the account or the service: start no more requests.
                self._stopped = True
                if self.failure is None:
                    self.failure = outcome
            return
        if len(outcome) != len(batch.members):  # a client bug; never guess which result is whose
            outcome = [_uncertain('the client returned {} results for {} messages'.format(
                len(outcome), len(batch.members)))] * len(batch.members)
        refused: List[Member] = []
        retry_after: Optional[float] = None
        accepted_some = False
        for member, result in zip(batch.members, outcome):
            meta = _meta(member)
            if result.error is None:
                member.message.msgid = result.msgid
                meta.pop('error', None)  # the refusal of an earlier attempt
                accepted_some = True
            else:
                meta['error'] = result.error
                if is_rate_limited(result.error):
                    refused.append(member)
                    if result.error.retry_after is not None:
                        retry_after = max(retry_after or 0.0, result.error.retry_after)
        if refused:
            self._refused.extend(refused)
            self._refusal(retry_after, window, accepted_some)
        else:
            self._accepted()

    def _refusal(self, retry_after: Optional[float], window: int, accepted_some: bool) -> None:
        """A request came back (partly) refused for the rate: back off, and lower the concurrency."""
        if window == self._window:
            # The first refusal among requests started since the last decrease: the others in flight
            # were sent at the same rate, and must not halve it again.
            self._limit = max(1.0, self._limit / 2)
            self._window += 1
            # A request partly accepted means the account's rate is being reached, which is the aim: the
            # shortest wait. Only refusals of whole requests in a row make the wait grow (a long wait
            # lets the account's allowance go unused once its bucket is full).
            self._refusals = 0 if accepted_some else self._refusals + 1
        delay = ratelimit.refusal_delay(retry_after, max(0, self._refusals - 1), self._clock.jitter())
        self._not_before = max(self._not_before, self._clock.now() + delay)
        log.info('Clickatell refused messages for its rate limit: sending them again in %.2f s, at most %d '
                 'request(s) at once', delay, max(1, int(self._limit)))

    def _accepted(self) -> None:
        self._refusals = 0
        self._limit = min(float(self._max), self._limit + 1 / self._limit)

    def _expire(self) -> None:
        """The time limit passed: start nothing more; what was never sent says why."""
        self._stopped = True
        never = [member for batch in self._pending for member in batch.members]
        self._pending.clear()
        if never:
            error = ClickatellTimeLimitError(
                'not sent: send_bulk\'s time limit of {:g} s passed first'.format(self._time_limit))
            for member in never:
                _meta(member)['error'] = error
        if self._refused:
            log.warning('send_bulk\'s time limit of %g s passed: %d message(s) refused for the rate limit are '
                        'not sent again', self._time_limit, len(self._refused))
        self._refused = []

    # The calling thread

    def wait(self) -> None:
        """Until every request started has ended and none is left to start."""
        with self._condition:
            while self._in_flight or (not self._stopped and (self._pending or self._refused)):
                self._condition.wait(_POLL_SECONDS)

    def abandon(self) -> None:
        """The caller was interrupted: start nothing more, and mark the messages in flight as uncertain."""
        with self._condition:
            self._stopped = self._abandoned = True
            for batch, _ in self._in_flight.values():
                error = ClickatellResponseError(
                    'send_bulk was interrupted while the request was in flight: the message may or may not '
                    'have been sent', 'no answer read')
                for member in batch.members:
                    _meta(member)['error'] = error
            self._condition.notify_all()


def _meta(member: Member) -> Dict[str, Any]:
    # send_bulk gave every message a dict as its meta before planning.
    return cast(Dict[str, Any], member.message.meta)


class _Uncertain:
    __slots__ = ('msgid', 'error')

    def __init__(self, error: BaseException) -> None:
        self.msgid: Optional[str] = None
        self.error: Optional[BaseException] = error


def _uncertain(why: str) -> _Uncertain:
    return _Uncertain(ClickatellResponseError(why + ': the message may or may not have been sent', ''))


def _log_late(batch: Batch, outcome: Outcome) -> None:
    """The answer of a request that was in flight when the caller was interrupted: its messages were
    marked uncertain, so this log line is where their msgids are kept."""
    if isinstance(outcome, BaseException):
        log.warning('send_bulk was interrupted while a request for %d message(s) was in flight; it has since '
                    'failed: %s', len(batch.members), outcome)
        return
    log.warning('send_bulk was interrupted while a request for %d message(s) was in flight; it has since '
                'been answered: %s', len(batch.members), '; '.join(
                    '{} {}'.format(member.message.dst, result.msgid if result.error is None else result.error)
                    for member, result in zip(batch.members, outcome)))
