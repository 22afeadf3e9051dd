"""Rate-limit refusals: how long to wait, and sending again exactly what was refused.

Clickatell refuses what exceeds an account's rate (One API code 43, HTTP 429 on the key-based APIs; see
:func:`~smsframework_clickatell.error.is_rate_limited`). A refused message was not accepted, so sending it
again is safe, unlike a message that may have been accepted, which is never sent again. Both ways of
sending share the rules here:

* :func:`send_until_accepted` sends one message again after a refusal, within the ``retries`` budget
  (what ``send()`` does);
* :mod:`smsframework_clickatell.bulk` sends the refused messages of a bulk send again, and lowers its
  concurrency while refusals come.

The wait after a refusal is the answer's ``Retry-After`` when it gave one, else an exponential backoff with
jitter (:func:`refusal_delay`). Time goes through :data:`clock`, which tests replace to see the waits
without waiting.
"""
import logging
import random
import threading
import time
from typing import Callable, Optional, TypeVar

import urllib3
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from .. import const
from ..error import ClickatellApiLimitsError

log = logging.getLogger(__name__)

T = TypeVar('T')


class Clock:
    """Time as the rate-limit rules see it: monotonic seconds, sleeping, waiting on a condition, jitter."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait(self, condition: threading.Condition, seconds: float) -> None:
        """Wait on `condition` (held) for at most `seconds`; a notification may end it sooner."""
        condition.wait(seconds)

    def jitter(self) -> float:
        """A number in [0, 1)."""
        return random.random()


#: The clock in use, looked up at each call (tests replace it).
clock = Clock()


def refusal_delay(retry_after: Optional[float], attempt: int, jitter: float) -> float:
    """Seconds to wait before sending again what was refused.

    :param retry_after: the answer's ``Retry-After`` in seconds, or None: it is honoured as it is
    :param attempt: refusals in a row before this one (0 for the first)
    :param jitter: a number in [0, 1): the wait is between half and all of the exponential step, so that
        senders refused together do not come back together
    """
    if retry_after is not None and retry_after >= 0:
        return float(retry_after)
    step = min(const.REFUSAL_BACKOFF_MAX, const.REFUSAL_BACKOFF * 2.0 ** min(attempt, 32))
    return step / 2 + step / 2 * jitter


# What Retry.increment is shown for a refusal: a 429, counted as a status retry of the policy.
_REFUSED = urllib3.HTTPResponse(body=b'', status=429, preload_content=False)


def send_until_accepted(send: Callable[[], T], policy: Retry, what: str = 'message') -> T:
    """Call `send` again while it raises a rate-limit refusal, within the budget of `policy`.

    Each refusal is charged to `policy` as an HTTP 429 would be (its `status` and `total` counts), so
    ``retries=3`` allows three sends after the first. The wait is :func:`refusal_delay`'s. Any other
    exception, a refusal once the budget is spent, or one whose ``Retry-After`` is longer than
    :data:`~smsframework_clickatell.const.REFUSAL_MAX_WAIT` propagates as it is.

    :param send: sends the message once; raises
        :class:`~smsframework_clickatell.error.ClickatellApiLimitsError` when refused for the rate
    :param policy: the client's read-only policy (``transport.retries.read_only``)
    :returns: what `send` returns
    """
    retry = policy
    attempt = 0
    while True:
        try:
            return send()
        except ClickatellApiLimitsError as error:
            refusal = error
        # Outside the except block: the refusal is raised without another exception as its context.
        delay = refusal_delay(refusal.retry_after, attempt, clock.jitter())
        if delay > const.REFUSAL_MAX_WAIT:
            raise refusal
        try:
            retry = retry.increment('POST', '/' + what, response=_REFUSED)
        except MaxRetryError:
            exhausted = True
        else:
            exhausted = False
        if exhausted:
            raise refusal
        log.warning('Clickatell refused the %s for its rate limit; sending it again in %.2f s', what, delay)
        clock.sleep(delay)
        attempt += 1
