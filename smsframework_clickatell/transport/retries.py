"""Retry policies: which failed requests are tried again, how often and after how long.

Two :class:`urllib3.util.Retry` policies derive from the provider's ``retries`` option:

* ``read_only``, for commands that only read (:data:`~smsframework_clickatell.const.READ_ONLY_COMMANDS`):
  retried after connection errors, time-outs, dropped connections and the statuses in
  :data:`~smsframework_clickatell.const.RETRY_STATUSES`. Every command is a POST, which urllib3 does not
  retry by default, so POST is added to the policy's allowed methods.
* ``write``, for everything else (``sendmsg``, ``delmsg``, ...): retried only when the connection could
  not be established, so the request surely never reached Clickatell and a message is never sent twice.
  Read errors (the connection dropped or timed out after the request went out) and error statuses are
  never retried.

urllib3 retries inside the connection pool, with its backoff. ``ERR: 901`` ("internal error, please retry")
is an HTTP 200 answer urllib3 cannot see, so the client retries it itself for read-only commands, charged
to the same ``read_only`` policy (see :meth:`ClickatellHttpApi.request`).
"""
from typing import Collection, FrozenSet, NamedTuple, Optional, Union

from urllib3.util.retry import Retry

from .. import const

class RetryPolicies(NamedTuple):
    """The two policies a client uses."""
    read_only: Retry
    write: Retry


class _CappedBackoffRetry(Retry):
    """A Retry that never waits more than :data:`~smsframework_clickatell.const.RETRY_BACKOFF_MAX`.

    urllib3 2 takes a ``backoff_max`` argument, but 1.26 (still supported) has none and caps its
    backoff at 120 s: `retries=8` would wait 64 s before the last attempt. Bounding the computation
    itself caps both the same way. :meth:`Retry.new` keeps the class, so the policies derived from
    one stay capped.
    """

    def get_backoff_time(self) -> float:
        return min(super().get_backoff_time(), const.RETRY_BACKOFF_MAX)


def retry_policies(retries: Union[int, Retry] = const.DEFAULT_RETRIES) -> RetryPolicies:
    """The retry policies for a provider's ``retries`` option.

    :param retries: the most retries of one request (0 or False: none), or a :class:`urllib3.util.Retry`
        to take counts, backoff and statuses from (``read_only`` uses it with POST allowed; ``write``
        keeps only its connect count and backoff)
    :rtype: RetryPolicies
    :raises TypeError: `retries` is neither an int nor a Retry
    :raises ValueError: a negative count, or a Retry that could retry forever (no `total` and not every
        one of `connect`, `read`, `status` and `other` given)
    """
    if isinstance(retries, Retry):
        template = retries
    elif isinstance(retries, int):
        if retries < 0:
            raise ValueError('retries must be 0 or more, not {!r}'.format(retries))
        template = _default_retry(int(retries))
    else:
        raise TypeError('retries must be an int or a urllib3 Retry, not {!r}'.format(retries))

    # With raise_on_status off, the last error status is answered rather than raised as a RetryError,
    # so it is reported as the HTTP error it is.
    read_only = template.new(
        allowed_methods=_with_post(template.allowed_methods),
        raise_on_status=False,
    )
    # Three independent guards keep a write from going out twice: read errors re-raise (read=False), no
    # status is retried (empty forcelist, Retry-After ignored), and POST is not an allowed method
    # (urllib3's default list lacks it; note an *empty* list would allow every method).
    write = template.new(
        read=False,
        status=0,
        other=0,
        status_forcelist=(),
        respect_retry_after_header=False,
        allowed_methods=Retry.DEFAULT_ALLOWED_METHODS - {'POST'},
        raise_on_status=False,
    )
    for policy in (read_only, write):
        if not _bounded(policy):
            raise ValueError('retries must be bounded: give the Retry a total, or every one of connect, '
                             'read, status and other')
    return RetryPolicies(read_only, write)


def _default_retry(count: int) -> Retry:
    return _CappedBackoffRetry(
        total=count,
        connect=count,
        read=count,
        status=count,
        other=0,  # TLS and proxy failures: retrying does not fix a certificate
        status_forcelist=const.RETRY_STATUSES,
        backoff_factor=const.RETRY_BACKOFF_FACTOR,
        # Clickatell sends no Retry-After; one from a proxy in between could stall a sender for hours.
        respect_retry_after_header=False,
    )


def _with_post(methods: Optional[Collection[str]]) -> Optional[FrozenSet[str]]:
    if methods is None:  # None: every method
        return None
    return frozenset(m.upper() for m in methods) | {'POST'}


def _bounded(policy: Retry) -> bool:
    if isinstance(policy.total, int):  # an int, or False (no retries at all)
        return True
    return all(count is not None for count in (policy.connect, policy.read, policy.status, policy.other))
