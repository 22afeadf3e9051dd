"""Bulk sending: many messages in few multi-recipient ``sendmsg`` calls.

Messages whose ``sendmsg`` parameters are the same but for `to` (same text, sender, options and params)
form a group; a group goes out as calls of at most 600 distinct recipients. A number that occurs
several times in a group (two messages to one number) goes into separate calls, one occurrence per
call, so every answer line names exactly one message.
"""
import logging
import threading
from collections import deque, namedtuple

from . import const
from .error import ClickatellParameterError, ClickatellProviderError, ClickatellResponseError

log = logging.getLogger(__name__)

#: One ``sendmsg`` call: the parameters but `to`, and the (recipient, message) pairs, recipients distinct.
Batch = namedtuple('Batch', 'params members')

def plan(messages, sendmsg_params):
    """Split messages into batches, and pick out those that cannot be sent.

    :param messages: :class:`smsframework.OutgoingMessage` objects, each at most once
    :param sendmsg_params: a function from a message to its ``sendmsg`` parameters (with `to`)
    :returns: (batches in the order of the messages' first appearance, [(message, error)] for messages
        refused before sending)
    :raises TypeError: what `sendmsg_params` raises for a message that is not an OutgoingMessage or has
        a body that is not a string (a bug in the caller: nothing is sent)
    """
    groups = {}  # wire key -> (params, [(recipient, message)]); dicts keep the order of first appearance
    refused = []
    for message in messages:
        try:
            params = dict(sendmsg_params(message))
            recipient = _recipient(params.pop('to', None))
        except (ClickatellParameterError, ClickatellProviderError) as e:
            refused.append((message, e))
            continue
        groups.setdefault(_wire_key(params), (params, []))[1].append((recipient, message))

    batches = []
    for params, members in groups.values():
        for round_ in _rounds(members):
            for start in range(0, len(round_), const.MAX_RECIPIENTS_PER_POST):
                batches.append(Batch(params, round_[start:start + const.MAX_RECIPIENTS_PER_POST]))
    return batches, refused


def run(batches, send, workers=const.BULK_WORKERS):
    """Send batches on up to `workers` threads, writing each outcome into its messages as it arrives.

    Each message of a completed request gets its result at once, in the worker thread that read the
    answer: `msgid` when sent, ``meta['error']`` when not (the result's error, or the exception of a
    request that failed as a whole). A failure that is not about its messages (authentication, credit,
    the network, ...) stops the batches not yet started; their messages are left as they are.

    The calling thread only waits, so an exception raised in it while requests are in flight (a signal
    handler, Celery's soft time limit, ``KeyboardInterrupt``) cannot lose an outcome: every request that
    completed has already written its messages; the messages of the requests in flight get a
    :class:`ClickatellResponseError` saying they may or may not have been sent; the rest stay untouched.
    Then the exception propagates. The requests in flight are left to finish in their threads (each is
    bounded by the transport's time-out); what they answer is logged, not written, so that the messages
    do not change under a caller that is already handling the interrupt.

    :param batches: :data:`Batch` objects; `members` are (key, message) pairs
    :param send: a function from a batch to a result per member, in order, each with `msgid` and
        `error` (exactly one of them set), as :data:`~smsframework_clickatell.clients.legacy.SendResult`
    :returns: the first failure that stopped the run, or None
    :raises: whatever interrupted the calling thread, once the messages are updated as above
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError('workers must be a positive int, not {!r}'.format(workers))
    state = _Run(batches, send)
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


#: How long the calling thread waits at a time: on platforms where a blocked lock cannot be interrupted
#: (Windows), a signal handler runs within this time.
_POLL_SECONDS = 0.5


class _Run:
    """The shared state of one :func:`run`: batches to start, batches in flight, and the outcome."""

    def __init__(self, batches, send):
        self._send = send
        self._pending = deque(batches)
        self._in_flight = {}       # token -> batch
        self._condition = threading.Condition()
        self._stopped = False      # start no more requests: a failure, or the caller was interrupted
        self._abandoned = False    # the caller was interrupted: answers read now are logged, not written
        self.failure = None

    def work(self):
        """A worker thread: take batches until none is left or the run stops."""
        while True:
            with self._condition:
                if self._stopped or not self._pending:
                    return
                batch = self._pending.popleft()
                token = object()
                self._in_flight[token] = batch
            outcome = self._attempt(batch)
            with self._condition:
                try:
                    del self._in_flight[token]
                    if self._abandoned:
                        _log_late(batch, outcome)
                    else:
                        self._apply(batch, outcome)
                finally:
                    self._condition.notify_all()

    def wait(self):
        """Until every request started has ended and none is left to start."""
        with self._condition:
            while self._in_flight or (self._pending and not self._stopped):
                self._condition.wait(_POLL_SECONDS)

    def abandon(self):
        """The caller was interrupted: start nothing more, and mark the messages in flight as uncertain."""
        with self._condition:
            self._stopped = self._abandoned = True
            for batch in self._in_flight.values():
                error = ClickatellResponseError(
                    'send_bulk was interrupted while the request was in flight: the message may or may not '
                    'have been sent', 'no answer read')
                for _, message in batch.members:
                    message.meta['error'] = error

    def _attempt(self, batch):
        try:
            return self._send(batch)
        except BaseException as e:  # noqa: B036 - a worker must always report back, whatever happens
            return e

    def _apply(self, batch, outcome):
        if isinstance(outcome, BaseException):
            for _, message in batch.members:
                message.meta['error'] = outcome
            if not isinstance(outcome, ClickatellParameterError):
                # A parameter the wire encoding cannot carry is this group's fault; anything else
                # concerns the account or the service: start no more requests.
                self._stopped = True
                if self.failure is None:
                    self.failure = outcome
            return
        if len(outcome) != len(batch.members):  # a client bug; never guess which result is whose
            outcome = [_uncertain('the client returned {} results for {} messages'.format(
                len(outcome), len(batch.members)))] * len(batch.members)
        for (_, message), result in zip(batch.members, outcome):
            if result.error is None:
                message.msgid = result.msgid
            else:
                message.meta['error'] = result.error


class _Uncertain:
    __slots__ = ('msgid', 'error')

    def __init__(self, error):
        self.msgid, self.error = None, error


def _uncertain(why):
    return _Uncertain(ClickatellResponseError(why + ': the message may or may not have been sent', ''))


def _log_late(batch, outcome):
    """The answer of a request that was in flight when the caller was interrupted: its messages were
    marked uncertain, so this log line is where their msgids are kept."""
    if isinstance(outcome, BaseException):
        log.warning('send_bulk was interrupted while a request for %d message(s) was in flight; it has since '
                    'failed: %s', len(batch.members), outcome)
        return
    log.warning('send_bulk was interrupted while a request for %d message(s) was in flight; it has since '
                'been answered: %s', len(batch.members), '; '.join(
                    '{} {}'.format(message.dst, result.msgid if result.error is None else result.error)
                    for (_, message), result in zip(batch.members, outcome)))


def _recipient(to):
    """The recipient of a message as one sendmsg of many carries it: its digits."""
    to = '' if to is None else str(to)
    if to.isdigit() and to.isascii():  # as OutgoingMessage leaves it: the common case, made quick
        return to
    if ',' in to:
        raise ClickatellParameterError('a message goes to one number, not {!r}'.format(to))
    digits = ''.join(c for c in to if c.isdigit() and c.isascii())
    if not digits:
        raise ClickatellParameterError('a message needs a recipient phone number, not {!r}'.format(to))
    return digits


def _wire_key(params):
    # What goes over the wire, whatever the dict's order or the values' types (True and 1 are both "1").
    return tuple(sorted((str(name), str(int(value) if isinstance(value, bool) else value))
                        for name, value in params.items() if value is not None))


def _rounds(members):
    """Split (recipient, message) pairs so that no list holds a recipient twice: the n-th occurrence of
    each number goes into the n-th list. The order of the messages is kept within each list."""
    rounds = []
    seen = {}
    for recipient, message in members:
        n = seen.get(recipient, 0)
        seen[recipient] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append((recipient, message))
    return rounds
