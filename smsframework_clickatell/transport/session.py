"""The pooled HTTP sessions a client talks through: per process, with retries, TLS settings and deadlines.

Two :class:`requests.Session` objects per process and client: one for calls that only read (retried
after any transient failure) and one for calls that write (retried only when the connection could not
be made); see :mod:`~smsframework_clickatell.transport.retries`. Each is shared by every thread of the
process: its connection pool is thread-safe and sized by the `pool_size` option. A session never
crosses a ``fork()``: a pooled socket used by both parent and child would interleave their requests and
answers on one connection. A process that finds sessions made by another process (its parent) makes its
own and leaves the inherited ones alone (closing them could disturb the parent's connections).
"""
import os
import weakref
from typing import TYPE_CHECKING, Any, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from .. import const
from .deadline import arm_current
from .retries import RetryPolicies

if TYPE_CHECKING:
    from requests.sessions import _Settings

# Every live ProcessSession, so that a forked child drops its parent's sessions at once (their sockets
# are then closed in the child alone, which leaves the parent's connections open).
_LIVE: 'weakref.WeakSet[ProcessSession]' = weakref.WeakSet()


class _DeadlineHTTPConnection(HTTPConnection):
    """Arms the call's deadline (:mod:`~smsframework_clickatell.transport.deadline`) when the answer is
    awaited, so that the read time-out bounds the whole answer rather than each socket read."""

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        arm_current(self.sock)
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPSConnection(HTTPSConnection):
    __doc__ = _DeadlineHTTPConnection.__doc__

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        arm_current(self.sock)
        return super().getresponse(*args, **kwargs)


class _DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_POOL_CLASSES = {'http': _DeadlineHTTPConnectionPool, 'https': _DeadlineHTTPSConnectionPool}


class _Adapter(HTTPAdapter):
    """An adapter whose connections arm the call's deadline, direct or through a proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOL_CLASSES
        return manager


class _Session(requests.Session):
    """A session whose TLS verification is what the client passes, whatever the environment says.

    requests replaces ``verify=True`` with ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when it merges
    the environment's settings; proxies and the rest still come from the environment.
    """

    def merge_environment_settings(self, url: Union[str, bytes, None], proxies: Any, stream: Any,
                                   verify: Any, cert: Any) -> '_Settings':
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings['verify'] = verify
        return settings


#: The sessions of one process: (for read-only calls, for writes).
Sessions = Tuple[requests.Session, requests.Session]


class ProcessSession:
    """Makes and hands out the :class:`requests.Session` objects of the current process.

    :param str base_url: the API's base URL
    :param policies: the :class:`~smsframework_clickatell.transport.retries.RetryPolicies`
    :param int pool_size: connections kept open per pool (one pool for reads, one for writes)
    :raises ValueError: a pool size that is not a positive int
    """

    def __init__(self, base_url: str, policies: RetryPolicies,
                 pool_size: int = const.DEFAULT_POOL_SIZE) -> None:
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 1:
            raise ValueError('pool_size must be a positive int, not {!r}'.format(pool_size))
        self.base_url = base_url
        self.policies = policies
        self.pool_size = pool_size
        # (sessions, pid) replaced as one tuple, so a reader never sees sessions with another's pid.
        self._current: Tuple[Optional[Sessions], Optional[int]] = (self._make(), os.getpid())
        _LIVE.add(self)

    def get(self, read_only: bool) -> requests.Session:
        """The session for this process and kind of call, made anew after a fork."""
        sessions, pid = self._current
        if sessions is None or pid != os.getpid():
            # Two threads of a fresh child may both get here; each makes sessions, one pair is kept,
            # the other serves its one request and is then collected. Harmless, and needs no lock (a
            # lock held by a parent thread at fork time would stay locked forever in the child).
            sessions = self._make()
            self._current = (sessions, os.getpid())
        return sessions[0] if read_only else sessions[1]

    def close(self) -> None:
        """Close this process's pooled connections. The next request opens new ones."""
        sessions, pid = self._current
        if sessions is not None and pid == os.getpid():
            for session in sessions:
                session.close()

    def _forget_after_fork(self) -> None:
        self._current = (None, None)

    def _make(self) -> Sessions:
        return self._session(self.policies.read_only), self._session(self.policies.write)

    def _session(self, retry: Retry) -> requests.Session:
        session = _Session()
        # pool_block=False: a thread beyond pool_size opens an extra connection rather than waiting
        # for one (requests passes no pool time-out, so a blocked thread could wait forever).
        adapter = _Adapter(pool_connections=1, pool_maxsize=self.pool_size, max_retries=retry,
                           pool_block=False)
        session.mount(self.base_url + '/', adapter)
        return session


def _after_fork_in_child() -> None:
    for holder in list(_LIVE):
        holder._forget_after_fork()


if hasattr(os, 'register_at_fork'):  # POSIX; the pid check in ProcessSession.get covers the rest
    os.register_at_fork(after_in_child=_after_fork_in_child)

