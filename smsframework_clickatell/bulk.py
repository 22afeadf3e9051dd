"""Bulk sending: many messages in few multi-recipient ``sendmsg`` calls.

Messages whose ``sendmsg`` parameters are the same but for `to` (same text, sender, options and params)
form a group; a group goes out as calls of at most 600 distinct recipients. A number that occurs
several times in a group (two messages to one number) goes into separate calls, one occurrence per
call, so every answer line names exactly one message.
"""
import logging
import threading
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from . import const
from .error import ClickatellParameterError, ClickatellProviderError

log = logging.getLogger(__name__)

#: One ``sendmsg`` call: the parameters but `to`, and the (recipient, message) pairs, recipients distinct.
Batch = namedtuple('Batch', 'params members')

# The outcome of a batch that was not sent because an earlier one failed for the whole account.
_SKIPPED = object()


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
    """Send batches on up to `workers` threads; the first failure that is not about its messages stops
    the batches not yet started.

    :param send: a function from (params, recipients) to a list of
        :data:`~smsframework_clickatell.api.SendResult`
    :returns: an outcome per batch, in order: its list of results, the exception that stopped it, or
        None when it was not sent because an earlier batch failed
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError('workers must be a positive int, not {!r}'.format(workers))
    stop = threading.Event()

    def attempt(batch):
        if stop.is_set():
            return _SKIPPED
        try:
            return send(batch.params, [recipient for recipient, _ in batch.members])
        except ClickatellParameterError as e:
            # A parameter the wire encoding cannot carry: this group's fault, not the account's.
            return e
        except Exception as e:  # noqa: BLE001 - any other failure stops the batches not yet started
            stop.set()
            return e

    if workers == 1 or len(batches) <= 1:
        outcomes = [attempt(batch) for batch in batches]
    else:
        with ThreadPoolExecutor(max_workers=min(workers, len(batches)),
                                thread_name_prefix='clickatell-bulk') as pool:
            futures = [pool.submit(attempt, batch) for batch in batches]
            try:
                outcomes = [future.result() for future in futures]
            except BaseException:
                stop.set()  # interrupted: let the running calls finish, start no more
                raise
    return [None if outcome is _SKIPPED else outcome for outcome in outcomes]


def is_stopping(outcome):
    """Whether a batch's outcome is a failure that stopped the bulk send."""
    return isinstance(outcome, BaseException) and not isinstance(outcome, ClickatellParameterError)


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
