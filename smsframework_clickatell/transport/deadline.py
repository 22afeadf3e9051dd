"""A deadline for a whole answer, not for each socket read.

A socket time-out bounds one ``recv``: a peer that trickles a byte a second never trips it, and holds the
caller for as long as it likes. Here the read time-out bounds the whole answer of an attempt instead:
when an attempt starts waiting for its answer (:meth:`Attempts.arm`, called by the connection classes of
:mod:`~smsframework_clickatell.transport.session`), its socket is registered with one watchdog thread
per process, which shuts the socket down at the deadline. The blocked read then ends at once, whatever
the peer does, and the call reports a time-out.
"""
import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any, Dict, List, Optional

_local = threading.local()


class Attempts:
    """The deadline state of one call, which may make several attempts (urllib3's retries).

    Made by the transport around a call (:func:`watch`); each attempt re-arms it with its own socket.

    :param float seconds: the time an attempt has from the start of its wait for the answer
    """

    __slots__ = ('seconds', 'fired', '_entry')

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._entry: Optional[List[Any]] = None

    def arm(self, sock: Optional[socket.socket]) -> None:
        """Start the deadline of a new attempt on `sock` (the previous attempt's is dropped)."""
        self.disarm()
        self.fired = False
        if sock is not None:
            self._entry = _watchdog().add(time.monotonic() + self.seconds, sock, self)

    def disarm(self) -> None:
        """Stop watching; the socket is left alone."""
        if self._entry is not None:
            _watchdog().cancel(self._entry)
            self._entry = None


class watch:
    """Context manager: the calls that urllib3 makes in this thread within it are bounded by `seconds`
    per attempt. ``fired`` on the result says whether the deadline cut the last attempt short."""

    def __init__(self, seconds: float) -> None:
        self.attempts = Attempts(seconds)

    def __enter__(self) -> Attempts:
        self._outer = getattr(_local, 'attempts', None)
        _local.attempts = self.attempts
        return self.attempts

    def __exit__(self, *exc_info: object) -> None:
        self.attempts.disarm()
        _local.attempts = self._outer


def arm_current(sock: Optional[socket.socket]) -> None:
    """Arm the deadline of the call running in this thread, if there is one (from the connection classes)."""
    attempts = getattr(_local, 'attempts', None)
    if attempts is not None:
        attempts.arm(sock)


class _Watchdog:
    """One daemon thread that shuts sockets down at their deadlines."""

    def __init__(self) -> None:
        self._heap: List[List[Any]] = []  # [deadline, sequence, socket or None when cancelled, attempts]
        self._sequence = itertools.count()
        self._by_socket: Dict[int, List[Any]] = {}
        self._cancelled = 0
        self._condition = threading.Condition(threading.Lock())
        thread = threading.Thread(target=self._run, name='clickatell-deadline', daemon=True)
        thread.start()

    def add(self, deadline: float, sock: socket.socket, attempts: Attempts) -> List[Any]:
        entry = [deadline, next(self._sequence), sock, attempts]
        with self._condition:
            # A pooled connection serves one call after another: the newest call's deadline is the
            # one that counts for its socket.
            earlier = self._by_socket.get(id(sock))
            if earlier is not None and earlier[2] is not None:
                earlier[2] = None
                self._cancelled += 1
            self._by_socket[id(sock)] = entry
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._condition.notify()
        return entry

    def cancel(self, entry: List[Any]) -> None:
        with self._condition:
            if entry[2] is not None and self._by_socket.get(id(entry[2])) is entry:
                del self._by_socket[id(entry[2])]
            if entry[2] is not None:
                entry[2] = None  # left in the heap, skipped when it comes up
                self._cancelled += 1
                if self._cancelled > 1024 and self._cancelled * 2 > len(self._heap):
                    # Calls far shorter than their time-out leave many entries behind: drop them.
                    self._heap = [e for e in self._heap if e[2] is not None]
                    heapq.heapify(self._heap)
                    self._cancelled = 0

    def _run(self) -> None:
        with self._condition:
            while True:
                while self._heap and self._heap[0][2] is None:
                    heapq.heappop(self._heap)
                    self._cancelled -= 1
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                entry = heapq.heappop(self._heap)
                _, _, sock, attempts = entry
                if self._by_socket.get(id(sock)) is entry:
                    del self._by_socket[id(sock)]
                attempts.fired = True
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing is waiting on it


class _State:
    """The watchdog of this process, and the lock that starts it once."""
    dog: Optional[_Watchdog] = None
    lock = threading.Lock()


def _watchdog() -> _Watchdog:
    """The watchdog of this process, started on first use (and anew in a forked child)."""
    dog = _State.dog
    if dog is None:
        with _State.lock:
            dog = _State.dog
            if dog is None:
                dog = _State.dog = _Watchdog()
    return dog


def _after_fork_in_child() -> None:
    # The parent's thread is not in the child, and a lock a parent thread held stays held.
    _State.dog = None
    _State.lock = threading.Lock()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)
