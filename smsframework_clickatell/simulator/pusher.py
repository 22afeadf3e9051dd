"""Pushing to the application's URLs: delivery reports in the background, incoming messages on demand.

Clickatell pushes status reports on its own time, after it has answered the send; so does the
simulator, from one background thread that works through a queue in order (a message's 003 always
goes before its 004). A push that fails (no connection, no answer in time, any status but 2xx) is
tried again after each of the configured delays, then given up and logged.
"""
import base64
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union, cast
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

log = logging.getLogger('smsframework_clickatell.simulator')

#: Seconds to wait before each retry of a failed push: three retries, quickly.
DEFAULT_RETRY_DELAYS = (0.1, 0.3, 1.0)
#: Seconds a push may take to connect and to be answered.
DEFAULT_TIMEOUT = 5.0

#: A form push's fields: (name, value) pairs, values text, raw bytes (sent percent-encoded) or numbers.
FormData = Sequence[Tuple[str, Union[str, bytes, int]]]


@dataclass
class Push:
    """One push to the application.

    :ivar str kind: ``'status'`` or ``'mo'``
    :ivar str api: ``'legacy'``, ``'platform'`` or ``'one'``
    :ivar str url: where it goes (user and password, if the URL had any, are sent as Basic
        authentication instead)
    :ivar str method: ``'GET'`` (fields in the query string) or ``'POST'``
    :ivar str encoding: ``'form'`` (url-encoded fields) or ``'json'``
    :ivar data: (name, value) pairs for a form, values str or raw bytes; a dict for JSON
    :ivar str msgid: the id of the message it is about
    :ivar int attempts: tries made so far
    :ivar http_status: the last answer's HTTP status, or None when there was none
    :ivar error: why the last try failed, or None
    :ivar bool delivered: the application answered 2xx
    """
    kind: str
    api: str
    url: str
    method: str
    encoding: str
    data: Union[FormData, Mapping[str, Any]]
    msgid: str = ''
    attempts: int = 0
    http_status: Optional[int] = None
    error: Optional[str] = None
    delivered: bool = False

    def fields(self) -> Mapping[str, Any]:
        """What was pushed, as text: a dict of fields (raw bytes decoded as ISO-8859-1), or the JSON."""
        if self.encoding == 'json':
            return cast(Mapping[str, Any], self.data)
        return {name: value.decode('iso-8859-1') if isinstance(value, bytes) else value
                for name, value in cast(FormData, self.data)}


class PushFailed(Exception):
    """A push the application did not accept, after every retry.

    :ivar Push push: the push, with its last HTTP status or error
    """

    def __init__(self, push: Push) -> None:
        self.push = push
        reason = push.error or 'HTTP {}'.format(push.http_status)
        super().__init__('{} push to {} failed after {} attempt(s): {}'.format(
            push.kind, _safe_url(push.url), push.attempts, reason))


class Pusher:
    """Delivers pushes: in order from a background thread (:meth:`submit`), or at once (:meth:`deliver`).

    :param retry_delays: seconds to wait before each retry; its length is the number of retries
    :param float timeout: seconds each try may take
    """

    def __init__(self, retry_delays: Iterable[float] = DEFAULT_RETRY_DELAYS, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.retry_delays = tuple(float(d) for d in retry_delays)
        if any(d < 0 for d in self.retry_delays):
            raise ValueError('retry delays must not be negative')
        self.timeout = float(timeout)
        self.history: List[Push] = []
        self._queue: Deque[Push] = deque()
        self._busy = 0
        self._condition = threading.Condition()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        # No proxy (the environment's must not capture loopback pushes) and no redirects followed.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name='clickatell-simulator-pusher', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; pushes still queued are dropped (and logged)."""
        self._stopping.set()
        with self._condition:
            dropped = len(self._queue)
            self._queue.clear()
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(self.timeout + 1)
        if dropped:
            log.warning('Simulator stopped with %d push(es) not made', dropped)

    def made(self) -> List[Push]:
        """The pushes made or given up so far, oldest first."""
        with self._condition:
            return list(self.history)

    def submit(self, push: Push) -> None:
        """Queue a push for the background thread."""
        with self._condition:
            self._queue.append(push)
            self._condition.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until every queued push has been made or given up.

        :returns: True, or False when `timeout` seconds passed first
        """
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(left)
        return True

    def deliver(self, push: Push) -> Push:
        """Make a push now, retrying as configured; the push records the outcome.

        :returns: the push
        """
        for delay in (None,) + self.retry_delays:
            if delay is not None:
                if self._stopping.wait(delay):
                    break
            self._attempt(push)
            if push.delivered:
                break
        with self._condition:
            self.history.append(push)
        if not push.delivered:
            log.warning('%s', PushFailed(push))
        return push

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._queue and not self._stopping.is_set():
                    self._condition.wait()
                if self._stopping.is_set():
                    return
                push = self._queue.popleft()
                self._busy += 1
            try:
                self.deliver(push)
            except Exception:  # a bug must not kill the thread and silently stop every later push
                log.exception('Simulator failed to make a %s push', push.kind)
            finally:
                with self._condition:
                    self._busy -= 1
                    self._condition.notify_all()

    def _attempt(self, push: Push) -> None:
        push.attempts += 1
        push.http_status, push.error = None, None
        try:
            with self._opener.open(_http_request(push), timeout=self.timeout) as answer:
                answer.read()
                push.http_status = answer.status
        except urllib.error.HTTPError as e:
            push.http_status = e.code
            e.close()
        except (OSError, ValueError) as e:  # URLError, refused, time-out; ValueError: a bad URL
            push.error = '{}: {}'.format(type(e).__name__, getattr(e, 'reason', e))
        push.delivered = push.http_status is not None and 200 <= push.http_status < 300
        if not push.delivered and push.error is None:
            push.error = 'HTTP {}'.format(push.http_status)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other that is not 2xx: a failed push."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _http_request(push: Push) -> urllib.request.Request:
    parts = urlsplit(push.url)
    headers: Dict[str, str] = {}
    if parts.username is not None:
        pair = '{}:{}'.format(unquote(parts.username), unquote(parts.password or ''))
        headers['Authorization'] = 'Basic ' + base64.b64encode(pair.encode('utf-8')).decode('ascii')
    url = urlunsplit(parts._replace(netloc=parts.netloc.rpartition('@')[2]))
    if push.encoding == 'json':
        payload = json.dumps(push.data).encode('utf-8')
        content_type = 'application/json'
    else:
        payload = urlencode(push.data).encode('ascii')
        content_type = 'application/x-www-form-urlencoded'
    if push.method == 'GET':
        if push.encoding == 'json':
            raise ValueError('a JSON push goes by POST')
        url += ('&' if parts.query else '?') + payload.decode('ascii')
        return urllib.request.Request(url, headers=headers, method='GET')
    headers['Content-Type'] = content_type
    return urllib.request.Request(url, data=payload, headers=headers, method='POST')


def _safe_url(url: str) -> str:
    """A URL as logs and errors show it: no user, password or query."""
    try:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc.rpartition('@')[2], parts.path, '', ''))
    except ValueError:
        return '<unreadable URL>'
