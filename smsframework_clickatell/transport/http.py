"""HTTP to one Clickatell API, as every wire client uses it.

:class:`Transport` owns what no client should do twice: the pooled sessions of the process
(:mod:`.session`), the retry policies (:mod:`.retries`), TLS settings, time-outs that bound the whole
answer of each attempt (:mod:`.deadline`), a cap on the size of an answer, and keeping credentials out
of every exception, its chain and the locals of its traceback (:mod:`.secrets`). It knows nothing of
Clickatell's answers: it hands back the status and bytes, and the client reads them.
"""
import logging
import math
import numbers
import os
from typing import Iterable, Mapping, NamedTuple, Optional, Tuple, Union

import requests
from urllib3.util.retry import Retry
from urllib3.exceptions import MaxRetryError, NewConnectionError, TimeoutError as Urllib3Timeout

from .. import const
from ..error import ClickatellAnswerTooLarge, ClickatellConnectionError, ClickatellTimeout
from .deadline import watch
from .retries import RetryPolicies, retry_policies
from .secrets import Masker, Secret
from .session import ProcessSession

log = logging.getLogger(__name__)

#: The `timeout` option: seconds, or a (connect, read) pair.
Timeout = Union[float, Tuple[float, float]]
#: The `verify` option: True, False, or the path of a CA bundle.
Verify = Union[bool, str, 'os.PathLike[str]']


class Answer(NamedTuple):
    """An HTTP answer, read whole.

    :ivar status: the HTTP status
    :ivar reason: the HTTP reason phrase
    :ivar headers: the answer's headers (case-insensitive)
    :ivar content: the body, at most :data:`~smsframework_clickatell.const.MAX_ANSWER_SIZE` bytes
    :ivar raw: the urllib3 response (for :meth:`urllib3.util.Retry.increment`)
    """
    status: int
    reason: str
    headers: Mapping[str, str]
    content: bytes
    raw: object

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced), stripped."""
        return self.content.decode('utf-8', 'replace').strip()

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400


class Transport:
    """Requests to one API's base URL. Safe to share between threads, and across ``fork()``.

    :param base_url: scheme and host (and a path prefix, if any); requests go to ``{base_url}/{path}``
    :param timeout: seconds, or a (connect, read) pair; the read time-out bounds the whole answer of
        each attempt, not each socket read
    :param verify: True (certifi's CA bundle), a CA bundle path, or False; the environment's CA
        variables cannot change it
    :param retries: see :func:`~smsframework_clickatell.transport.retries.retry_policies`
    :param pool_size: connections kept open per process and kind of call
    :param secrets: credentials to mask in any text this transport quotes
    :param max_answer: the most bytes an answer may have
    :raises ValueError: a time-out that is not positive and finite, a CA bundle path that does not
        exist, unbounded retries, or a pool size that is not a positive int
    :raises TypeError: `verify`, `timeout` or `retries` of the wrong type
    """

    def __init__(self, base_url: str, *, timeout: Timeout = const.DEFAULT_TIMEOUT, verify: Verify = True,
                 retries: Union[int, Retry] = const.DEFAULT_RETRIES, pool_size: int = const.DEFAULT_POOL_SIZE,
                 secrets: Iterable[Secret] = (), max_answer: int = const.MAX_ANSWER_SIZE) -> None:
        self.base_url = base_url.rstrip('/')
        self.timeout = checked_timeout(timeout)
        self.read_timeout = self.timeout[1]
        self.verify = resolve_verify(verify)
        self.retries: RetryPolicies = retry_policies(retries)
        self.max_answer = max_answer
        self._masker = Masker(secrets)
        self._sessions = ProcessSession(self.base_url, self.retries, pool_size)

    def __repr__(self) -> str:
        return '<{} {!r}>'.format(type(self).__name__, self.base_url)

    def session(self, read_only: bool = False) -> requests.Session:
        """The :class:`requests.Session` of the current process for one kind of call."""
        return self._sessions.get(read_only)

    def close(self) -> None:
        """Close the pooled connections of the current process. Later requests open new ones."""
        self._sessions.close()

    def mask(self, text: str) -> str:
        """`text` without this transport's credentials."""
        return self._masker.text(text)

    def request(self, method: str, path: str, *, what: str, read_only: bool,
                body: Optional[bytes] = None, headers: Optional[Mapping[str, str]] = None,
                params: Optional[Mapping[str, str]] = None) -> Answer:
        """Make one call (urllib3 retries it as the `read_only` policy allows) and read its answer whole.

        Redirects are not followed (a followed request would carry the credentials wherever the
        ``Location`` header points): a 3xx is an answer like any other.

        :param method: ``GET`` or ``POST``
        :param path: below the base URL, without a leading slash
        :param what: how errors name the call (``sendmsg``, ``balance``)
        :param read_only: whether the call only reads: then it is retried after any transient failure,
            else only when the connection could not be made
        :param body: the request body (a :class:`~.secrets.HiddenBytes` when it holds credentials)
        :param headers: extra headers (values that hold credentials as :class:`~.secrets.HiddenStr`)
        :param params: query parameters (never credentials)
        :returns: the :class:`Answer`, whatever its status; credentials it echoes are masked
            (:class:`~.secrets.Masker`)
        :raises ClickatellTimeout: no answer, or not the whole of it, within the read time-out
        :raises ClickatellConnectionError: the API could not be reached, or the connection failed
        :raises ClickatellAnswerTooLarge: an answer over `max_answer` bytes
        """
        url = '{}/{}'.format(self.base_url, path)
        session = self._sessions.get(read_only)
        request_headers = {'Accept-Encoding': 'identity'}
        request_headers.update(headers or {})
        # Failures are raised outside the except blocks, so that no exception of requests or urllib3
        # (whose frames and attributes hold the request, credentials included) is kept as a context.
        failure: Optional[Exception] = None
        with watch(self.read_timeout) as attempts:
            try:
                response = session.request(method, url, data=body, headers=request_headers, params=params,
                                           timeout=self.timeout, verify=self.verify,
                                           allow_redirects=False, stream=True)
                content = self._read(response, what)
            except ClickatellAnswerTooLarge as e:
                failure = ClickatellAnswerTooLarge(str(e))
            except (requests.RequestException, OSError) as e:
                failure = self._failure(e, what, attempts.fired)
            else:
                if attempts.fired:  # the deadline cut a close-delimited answer short
                    failure = self._late(what)
        if failure is not None:
            raise failure
        return Answer(response.status_code, self.mask(response.reason or ''), response.headers,
                      self._masker.content(content), response.raw)

    def _read(self, response: requests.Response, what: str) -> bytes:
        declared = response.headers.get('Content-Length', '')
        if declared.isdigit() and int(declared) > self.max_answer:
            response.close()
            raise ClickatellAnswerTooLarge(_too_large(what, self.max_answer))
        chunks, size = [], 0
        for chunk in response.iter_content(16 * 1024):
            size += len(chunk)
            if size > self.max_answer:
                response.close()  # the rest is never read: the connection cannot be reused
                raise ClickatellAnswerTooLarge(_too_large(what, self.max_answer))
            chunks.append(chunk)
        return b''.join(chunks)

    def _late(self, what: str) -> ClickatellTimeout:
        return ClickatellTimeout('Clickatell did not answer {} within {:g} s'.format(what, self.read_timeout))

    def _failure(self, error: BaseException, what: str, late: bool) -> Exception:
        if late or _is_timeout(error):
            if late:
                return self._late(what)
            return ClickatellTimeout('Clickatell did not answer {} in time: {}'.format(
                what, self.mask(_describe(error))))
        return ClickatellConnectionError('Cannot reach Clickatell for {}: {}'.format(
            what, self.mask(_describe(error))))


def _is_timeout(error: BaseException) -> bool:
    if isinstance(error, requests.Timeout):
        return True
    # Retries used up on time-outs: requests wraps urllib3's MaxRetryError in a ConnectionError.
    # urllib3 makes a refused connection (NewConnectionError) a kind of ConnectTimeoutError: it is not one.
    reason = error.args[0] if error.args else None
    return (isinstance(reason, MaxRetryError) and isinstance(reason.reason, Urllib3Timeout)
            and not isinstance(reason.reason, NewConnectionError))


def _too_large(what: str, limit: int) -> str:
    return 'Clickatell answered {} with more than {} bytes: not read'.format(what, limit)


def _describe(error: BaseException) -> str:
    """A one-line description of a requests failure (they carry the URL, never the body)."""
    return '{}: {}'.format(type(error).__name__, ' '.join(str(error).split()))


def resolve_verify(verify: Verify) -> Union[bool, str]:
    """What to pass as `verify` with every request: True (requests' CA bundle, certifi's), a CA bundle
    path, or False. The session ignores the environment's CA variables (see
    :class:`~smsframework_clickatell.transport.session.ProcessSession`).

    :raises ValueError: a path that does not exist
    :raises TypeError: neither a bool nor a path
    """
    if isinstance(verify, bool):
        return verify
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        if not os.path.exists(path):
            raise ValueError('verify: no CA bundle at {!r}'.format(path))
        return path
    raise TypeError('verify must be True, False or the path of a CA bundle, not {!r}'.format(verify))


def checked_timeout(timeout: object) -> Tuple[float, float]:
    """The (connect, read) pair of a `timeout` option: seconds, or a pair, each positive and finite.

    :raises TypeError: not a number or a pair of numbers
    :raises ValueError: a value that is not positive and finite (a call without a bound could hang
        forever; ``float('inf')`` would overflow the socket layer)
    """
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if len(values) not in (1, 2):
        raise ValueError('timeout must be seconds or a (connect, read) pair, not {!r}'.format(timeout))
    pair = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError('timeout must be seconds or a (connect, read) pair, not {!r}'.format(timeout))
        seconds = float(value)
        if not (seconds > 0 and math.isfinite(seconds)):
            raise ValueError('timeout must be positive and finite, not {!r}'.format(timeout))
        pair.append(seconds)
    return (pair[0], pair[-1])
