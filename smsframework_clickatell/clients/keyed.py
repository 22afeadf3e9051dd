"""What the two key-based APIs (One API and the Platform SMS integration) share: the key, JSON calls,
reading error answers whatever their HTTP status, the balance, and matching answer entries to messages.

Each API's own module (:mod:`.one`, :mod:`.platform`) says where to send, what a message looks like on
the wire, and how its answers name errors.
"""
import json
import logging
import math
import re
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import (Any, Callable, DefaultDict, Hashable, List, Mapping, NoReturn, Optional, Sequence, Tuple, TypeVar,
                    Union)

import urllib3
from smsframework import OutgoingMessage
from urllib3.exceptions import MaxRetryError

from .. import const, ids
from ..error import (ClickatellApiError, ClickatellApiLimitsError, ClickatellApiServerError,
                     ClickatellApiUnsupportedError, ClickatellParameterError, ClickatellResponseError)
from ..phone import digits, is_phone_number
from ..status import ClickatellMessageStatus
from ..transport import HiddenStr, Secret, Transport
from ..transport.ratelimit import send_until_accepted
# One mapping for every API (re-exported for .one and .platform).
from .legacy import expires_minutes as expires_minutes, wire_sender as wire_sender  # noqa: F401
from .results import JSON, Balance, SendResult

log = logging.getLogger(__name__)

# What an API key may hold: printable ASCII without spaces (it goes raw into a header).
_KEY = re.compile(r'[!-~]{1,256}\Z')

#: What matches an answer entry to a message of the request (:meth:`KeyApiClient.match`).
K = TypeVar('K', bound=Hashable)


class KeyApiClient:
    """A client of a key-based API. Safe to share between threads, and across ``fork()``.

    :param str api_key: the API key (kept out of every repr, log line, exception and traceback)
    :param str base_url: default ``https://platform.clickatell.com``; a URL given is used as it is
    :param options: `timeout`, `verify`, `retries` and `pool_size`, as
        :class:`~smsframework_clickatell.transport.Transport` takes them
    :raises ValueError: an empty key, or one that cannot go in a header (the message never shows it)
    :raises TypeError: a key that is not a string, or an option of the wrong type
    """

    #: The provider's `api` option that selects the client (set by each API's class).
    api = ''
    #: The path that sends messages.
    send_path = ''

    def __init__(self, api_key: Union[str, Secret], *, base_url: str = const.PLATFORM_BASE_URL,
                 **options: Any) -> None:
        if not isinstance(api_key, (str, Secret)):
            raise TypeError('api_key must be a string, not {}'.format(type(api_key).__name__))
        key = Secret(api_key)  # at once: no frame local holds it in the clear
        del api_key
        if not _KEY.match(key.value.strip()):
            raise ValueError('api_key must be the key from Clickatell\'s portal: printable ASCII, no spaces')
        key = Secret(key.value.strip())
        self._headers = {'Authorization': HiddenStr(key.value), 'Accept': 'application/json'}
        self.transport = Transport(base_url, secrets=(key,), **options)
        self.base_url = self.transport.base_url

    @staticmethod
    def default_url(https: bool = True) -> str:
        """Clickatell's base URL for the key-based APIs (always HTTPS)."""
        return const.PLATFORM_BASE_URL

    def __repr__(self) -> str:
        return '<{} base_url={!r}>'.format(type(self).__name__, getattr(self, 'base_url', None))

    @property
    def timeout(self) -> Tuple[float, float]:
        return self.transport.timeout

    def close(self) -> None:
        """Close the pooled connections of the current process. Later requests open new ones."""
        self.transport.close()

    # Calls

    def call(self, method: str, path: str, *, what: str, read_only: bool, payload: Optional[JSON] = None,
             params: Optional[Mapping[str, str]] = None) -> Tuple[int, Optional[JSON]]:
        """Make a JSON call and return its HTTP status and JSON document.

        The document never holds the key: an answer that echoes it has it replaced by ``<hidden>``
        before anything reads it, so that no exception, log line or traceback frame can show it.

        A read (`read_only`) is retried as the transport's policy says (connection failures, time-outs,
        HTTP 429 and 5xx), and also after an internal error or a rate limit that the body names under
        another status (One API 19 or 43 with HTTP 200 or 400). A write is retried only when the
        connection could not be made.

        :param payload: the JSON body, or None
        :returns: (HTTP status, the document: a dict, or None for an empty body)
        :raises ClickatellApiError: an error answer for the whole request (of the class its code, or
            without one its HTTP status, means)
        :raises ClickatellResponseError: a body that is not JSON (quoted, without the key), or not an object
        :raises ClickatellParameterError: a payload that JSON cannot carry (nothing is sent)
        :raises: what :meth:`Transport.request <smsframework_clickatell.transport.Transport.request>` raises
        """
        headers = dict(self._headers)
        body: Optional[bytes] = None
        if payload is not None:
            headers['Content-Type'] = 'application/json'
            body = _json_body(payload)
        retry = self.transport.retries.read_only if read_only else None
        while True:
            try:
                return self._answer(method, path, what=what, read_only=read_only, body=body, headers=headers,
                                    params=params)
            except (ClickatellApiServerError, ClickatellApiLimitsError) as e:
                # A read refused by an internal error (One API 19, "try again") or a rate limit under an
                # HTTP status urllib3 does not retry (an HTTP 200 or 400 carrying the code): retried
                # here, charged to the same policy as an HTTP 5xx. A write never is.
                if retry is None or e.http_status in const.RETRY_STATUSES:
                    raise
                error = e
            try:
                retry = retry.increment(method, '/' + path, response=_ERROR_RESPONSE)
            except MaxRetryError:
                raise error from None
            log.warning('Clickatell %s %s answered %s; retrying (%r)', self.api, what, error, retry)
            retry.sleep()

    def _answer(self, method: str, path: str, *, what: str, read_only: bool, body: Optional[bytes],
                headers: Mapping[str, str], params: Optional[Mapping[str, str]]) -> Tuple[int, Optional[JSON]]:
        """One call and its reading (see :meth:`call`)."""
        status, reason, retry_after, document, unreadable = self._exchange(
            method, path, what=what, read_only=read_only, body=body, headers=headers, params=params)
        if unreadable is not None:
            if status >= 300:
                # The status says more than the body can: an error page of a proxy or of Clickatell.
                raise ClickatellApiError(None, '{}: {}'.format(reason or 'HTTP error', _quoted(unreadable)),
                                         api=self.api, http_status=status, retry_after=retry_after)
            raise ClickatellResponseError('Unexpected answer from Clickatell {} (expected a JSON object)'.format(
                what), unreadable)
        error = self.request_error(document, status, retry_after)
        if error is None and status >= 300 and not has_entries(document):
            # An error status whose body names no error: the status is all there is to go by.
            text = reason or 'HTTP error'
            if document:
                text += ': ' + _quoted(json.dumps(document, ensure_ascii=False))
            error = ClickatellApiError(None, text, api=self.api, http_status=status, retry_after=retry_after)
        if error is not None:
            raise error
        return status, document

    def _exchange(self, method: str, path: str, *, what: str, read_only: bool, body: Optional[bytes],
                  headers: Mapping[str, str], params: Optional[Mapping[str, str]],
                  ) -> Tuple[int, str, Optional[float], Optional[JSON], Optional[str]]:
        """One call through the transport: (status, reason, retry_after, document, unreadable).

        `document` is the answer's JSON object with the key masked in every string (None for an empty
        body); `unreadable` is the masked body when it is not a JSON object, else None. The transport
        masks the key in the answer's bytes, as it is and JSON-escaped; only an escape sequence
        (``\\u0041``, ``\\/``) can spell it otherwise, so a body with a backslash is masked again once
        decoded. Nothing the key could be in outlives this frame, which never raises once the answer is in.
        """
        answer = self.transport.request(method, path, what=what, read_only=read_only, body=body,
                                        headers=headers, params=params)
        retry_after = _retry_after(answer.headers.get('Retry-After'))
        text = answer.text
        document: object = None
        if text:
            try:
                document = json.loads(text, parse_constant=_no_constant)
            except (ValueError, RecursionError):
                document = _UNREADABLE
        if isinstance(document, dict) and '\\' in text:
            try:
                document = _masked(document, self.transport.mask)
            except RecursionError:  # nested deeper than any answer of Clickatell's
                document = _UNREADABLE
        if document is not None and not isinstance(document, dict):
            return answer.status, answer.reason, retry_after, None, self.transport.mask(text)
        return answer.status, answer.reason, retry_after, document, None

    def request_error(self, document: Optional[JSON], http_status: int,
                      retry_after: Optional[float] = None) -> Optional[ClickatellApiError]:
        """The error a whole answer reports, or None (each API reads its own error shape)."""
        raise NotImplementedError

    def error(self, code: Optional[Union[int, str]], text: Optional[str], http_status: Optional[int] = None,
              retry_after: Optional[float] = None) -> ClickatellApiError:
        """A :class:`ClickatellApiError` of this API, its text masked."""
        return ClickatellApiError(code, None if text is None else self.transport.mask(str(text)), api=self.api,
                                  http_status=http_status, retry_after=retry_after)

    # Sending

    def message_params(self, message: OutgoingMessage) -> JSON:
        """The wire object of an :class:`smsframework.OutgoingMessage` (see each API)."""
        raise NotImplementedError

    def send_message(self, params: JSON) -> str:
        """Send one message, given as the wire object :meth:`message_params` made (see each API). A refusal
        for the rate limit is sent again, within the `retries` budget (see
        :func:`~smsframework_clickatell.transport.ratelimit.send_until_accepted`).

        :returns: Clickatell's apiMessageId
        :raises ClickatellApiLimitsError: still refused for the rate limit when the budget is spent
        :raises: as :meth:`send_once`
        """
        return send_until_accepted(lambda: self.send_once(params), self.transport.retries.read_only)

    def send_once(self, params: JSON) -> str:
        """Send one message once (see each API).

        :returns: Clickatell's apiMessageId
        :raises ClickatellApiError: the request or the message was refused (a message refused alone
            raises a :class:`smsframework.exc.MessageSendError` subclass)
        :raises ClickatellResponseError: an answer that says nothing certain about the message
        :raises: otherwise as :meth:`call`
        """
        raise NotImplementedError

    def match(self, document: Optional[JSON], keys: Sequence[K], recipients: Sequence[str], what: str,
              entry_key: Callable[[JSON], Optional[K]]) -> List[SendResult]:
        """Match the ``messages`` entries of an answer to the messages of the request.

        Each message gets the one entry whose key (:func:`entry_key`) is its own. A message whose key it
        shares with another message of the request, or that no entry or several entries name, gets a
        :class:`ClickatellResponseError`: it may or may not have been sent. One entry without a
        recipient answers for a request of one message.

        :param keys: each message's key, in order
        :param recipients: each message's recipient (digits), in order
        :param entry_key: an answer entry → its key, or None when it names no recipient
        :returns: a :class:`SendResult` per message, in order
        :raises ClickatellResponseError: no list of entries
        """
        entries = document.get('messages') if document else None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ClickatellResponseError('Unexpected answer from Clickatell {} (no list of messages)'.format(what),
                                          self.transport.mask(json.dumps(document)))
        counts = Counter(keys)
        found: DefaultDict[Optional[K], List[JSON]] = defaultdict(list)
        for entry in entries:
            key = entry_key(entry)
            if key is None and len(entries) == 1 and len(keys) == 1:
                key = keys[0]
            if key in counts:
                found[key].append(entry)
            else:
                log.warning('Clickatell %s answered about a message it was not sent: %s', what,
                            self.transport.mask(json.dumps(entry)[:200]))
        results: List[SendResult] = []
        for key, number in zip(keys, recipients):
            named = found.get(key, ())
            if counts[key] == 1 and len(named) == 1:
                results.append(self.entry_result(number, named[0]))
            else:
                why = 'no entry' if not named else '{} entries'.format(len(named))
                if counts[key] > 1:
                    why = 'entries that cannot be told apart from another message\'s'
                results.append(SendResult(number, None, ClickatellResponseError(
                    'Clickatell {} answered {} for a message to {}: it may or may not have been sent'.format(
                        what, why, number), self.transport.mask(json.dumps(entries[:10])))))
        return results

    def entry_result(self, number: str, entry: JSON) -> SendResult:
        """The :class:`SendResult` of one answer entry: its apiMessageId, or its error."""
        error = self.entry_error(entry)
        if error is None and entry.get('accepted') is False:
            error = self.error(None, 'the message was not accepted (no reason given)')
        if error is not None:
            return SendResult(number, None, error)
        msgid = entry.get('apiMessageId')
        if not isinstance(msgid, str) or not ids.is_message_id(msgid):
            return SendResult(number, None, ClickatellResponseError(
                'Clickatell accepted a message to {} without an apiMessageId: it may or may not have '
                'been sent'.format(number), self.transport.mask(json.dumps(entry))))
        return SendResult(number, msgid, None)

    def entry_error(self, entry: JSON) -> Optional[ClickatellApiError]:
        """The error of one answer entry, or None (each API reads its own error shape)."""
        raise NotImplementedError

    # Reading

    def get_balance(self) -> float:
        """The account's balance (:meth:`get_balance_details` without the currency).

        :rtype: float
        """
        return self.get_balance_details().amount

    def get_balance_details(self) -> Balance:
        """The account's balance and its currency (``GET /public-client/balance``).

        :rtype: Balance
        :raises ClickatellApiUnsupportedError: One API: this key cannot read the balance (HTTP 401, 403 or
            404, or code 41, from an endpoint documented for the Platform only)
        :raises ClickatellResponseError: an answer without a numeric balance
        :raises: otherwise as :meth:`call`
        """
        try:
            _, document = self.call('GET', 'public-client/balance', what='balance', read_only=True)
        except ClickatellApiError as e:
            # A key that may not read it (401/403), or no such resource for this key (404, One API 41).
            if self.api == 'one' and (e.http_status in (401, 403, 404) or e.code == 41):
                raise ClickatellApiUnsupportedError(
                    e.code, 'this One API key cannot read the balance (Clickatell documents no balance call '
                    'for One API; this one answered HTTP {}: {}; if sending fails too, the key itself is '
                    'wrong)'.format(e.http_status, e.message),
                    api=self.api, http_status=e.http_status) from None
            raise
        answer = document or {}
        amount = answer.get('balance')
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not math.isfinite(amount):
            raise ClickatellResponseError('Unexpected answer from Clickatell balance (expected a number)',
                                          self.transport.mask(json.dumps(document)))
        currency = answer.get('currency')
        return Balance(float(amount), currency if isinstance(currency, str) and currency else None)

    def query_status(self, msgid: str) -> ClickatellMessageStatus:
        """A message's status, as the status receiver would report it (see each API)."""
        raise NotImplementedError


# Helpers for both APIs

def has_entries(document: Optional[JSON]) -> bool:
    """Whether an answer has entries for its messages (then they say what became of each)."""
    entries = (document or {}).get('messages')
    return isinstance(entries, list) and len(entries) > 0


def message_id(msgid: Optional[str]) -> str:
    """A message id checked before it goes into a URL.

    :raises ClickatellParameterError: empty, or not an id (letters, digits, ``-``, ``_``; at most 64)
    """
    value = '' if msgid is None else str(msgid).strip()
    if not ids.is_message_id(value):
        raise ClickatellParameterError('a message id is 1 to 64 letters, digits, "-" or "_", not {!r}'.format(
            value[:80]))
    return value


def recipient(dst: Optional[str]) -> str:
    """The recipient of a message as the key-based APIs take it: its digits.

    :raises ClickatellParameterError: no phone number
    """
    dst = '' if dst is None else str(dst)
    if not is_phone_number(dst):
        raise ClickatellParameterError('a message needs one recipient phone number, not {!r}'.format(dst[:40]))
    return digits(dst)


def content(body: object) -> str:
    """The text of a message as JSON carries it.

    :raises TypeError: not a str
    :raises ClickatellParameterError: a lone surrogate, which no encoding can carry
    """
    if not isinstance(body, str):
        raise TypeError('message body must be str, not {}'.format(type(body).__name__))
    try:
        body.encode('utf-8')
    except UnicodeEncodeError:
        raise ClickatellParameterError('the text holds a lone surrogate, which cannot be sent') from None
    return body


def int_code(value: object) -> Optional[int]:
    """A code as an int: an int, or its ASCII digits in a string (``"4"``); None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    return None


def milliseconds_to_utc(value: object) -> Optional[datetime]:
    """A time in milliseconds since the epoch as naive UTC, or None when it is not such a time."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


_UNREADABLE = object()
# What Retry.increment is shown for an error answer it did not see: a status it counts.
_ERROR_RESPONSE = urllib3.HTTPResponse(body=b'', status=200, preload_content=False)


def _json_body(payload: JSON) -> bytes:
    """The UTF-8 JSON of a request body (non-ASCII text as it is, not escaped).

    :raises ClickatellParameterError: a value JSON cannot carry (NaN, a lone surrogate)
    :raises TypeError: a value of a type JSON does not have
    """
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False).encode('utf-8')
    except (ValueError, UnicodeEncodeError) as e:
        reason = 'a lone surrogate' if isinstance(e, UnicodeEncodeError) else str(e)
        raise ClickatellParameterError('the message cannot be sent as JSON: {}'.format(reason)) from None


def _masked(value: Any, mask: Callable[[str], str]) -> Any:
    """A JSON value with `mask` applied to every string in it (object names are left as they are)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {name: _masked(item, mask) for name, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, mask) for item in value]
    return value


def _no_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds from a ``Retry-After`` header of seconds (a date is not honoured), or None."""
    if value and value.strip().isdigit() and len(value.strip()) <= 6:
        return float(value.strip())
    return None


def _quoted(text: str, limit: int = 200) -> str:

    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit] + '...'
