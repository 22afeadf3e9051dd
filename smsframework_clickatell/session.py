"""The pooled HTTP session a client talks through: one per process, with retries and TLS settings.

One :class:`requests.Session` is shared by every thread of a process: its connection pool is
thread-safe and sized by the `pool_size` option. A session never crosses a ``fork()``: a pooled socket
used by both parent and child would interleave their requests and answers on one connection. A process
that finds a session made by another process (its parent) makes its own and leaves the inherited one
alone (closing it could disturb the parent's connections).
"""
import os
import weakref

import requests
from requests.adapters import HTTPAdapter

from . import const

# Every live ProcessSession, so that a forked child drops its parent's sessions at once (their sockets
# are then closed in the child alone, which leaves the parent's connections open).
_LIVE = weakref.WeakSet()


class _Session(requests.Session):
    """A session whose TLS verification is what the client passes, whatever the environment says.

    requests replaces ``verify=True`` with ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` when it merges
    the environment's settings; proxies and the rest still come from the environment.
    """

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings['verify'] = verify
        return settings


class ProcessSession:
    """Makes and hands out the :class:`requests.Session` of the current process.

    :param str base_url: the API's base URL; commands go below it
    :param policies: the :class:`~smsframework_clickatell.retries.RetryPolicies`
    :param int pool_size: connections kept open per pool (two pools: read-only commands and writes)
    """

    def __init__(self, base_url, policies, pool_size=const.DEFAULT_POOL_SIZE):
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 1:
            raise ValueError('pool_size must be a positive int, not {!r}'.format(pool_size))
        self.base_url = base_url
        self.policies = policies
        self.pool_size = pool_size
        # (session, pid) replaced as one tuple, so a reader never sees a session with another's pid.
        self._current = (self._make(), os.getpid())
        _LIVE.add(self)

    def get(self):
        """The session for this process, made anew after a fork."""
        session, pid = self._current
        if pid != os.getpid():
            # Two threads of a fresh child may both get here; each makes a session, one is kept, the
            # other serves its one request and is then collected. Harmless, and needs no lock (a lock
            # held by a parent thread at fork time would stay locked forever in the child).
            session = self._make()
            self._current = (session, os.getpid())
        return session

    def close(self):
        """Close this process's pooled connections. The next request opens new ones."""
        session, pid = self._current
        if pid == os.getpid():
            session.close()

    def _forget_after_fork(self):
        self._current = (None, None)

    def _make(self):
        session = _Session()
        # Requests to read-only commands go through an adapter that retries them; everything else
        # through one that retries only connections that could not be made. requests picks the
        # adapter with the longest matching prefix.
        write = self._adapter(self.policies.write)
        read_only = self._adapter(self.policies.read_only)
        session.mount(self.base_url + '/', write)
        for path in const.READ_ONLY_COMMANDS:
            session.mount('{}/{}'.format(self.base_url, path), read_only)
        return session

    def _adapter(self, retry):
        # pool_block=False: a thread beyond pool_size opens an extra connection rather than waiting
        # for one (requests passes no pool time-out, so a blocked thread could wait forever).
        return HTTPAdapter(pool_connections=1, pool_maxsize=self.pool_size, max_retries=retry,
                           pool_block=False)


def _after_fork_in_child():
    for holder in list(_LIVE):
        holder._forget_after_fork()


if hasattr(os, 'register_at_fork'):  # POSIX; the pid check in ProcessSession.get covers the rest
    os.register_at_fork(after_in_child=_after_fork_in_child)
