"""The wire client of Clickatell's legacy HTTP API ("Developers' Central": api_id, user, password).

:class:`ClickatellHttpApi` knows the commands, the form encoding and the text answers; it knows nothing
of Flask, and of smsframework messages only what :meth:`~ClickatellHttpApi.message_params` reads from
them. Every request is a POST of a form-encoded body (so the credentials never appear in a URL) through
the shared :class:`~smsframework_clickatell.transport.Transport`.
"""
import logging
import re
from collections import defaultdict
from typing import Any, Callable, DefaultDict, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urlencode

import requests
import urllib3
from smsframework import OutgoingMessage
from urllib3.exceptions import MaxRetryError

from .. import bulk, const
from ..error import (ClickatellHTTPError, ClickatellHTTPServerError, ClickatellParameterError,
                     ClickatellProviderError, ClickatellResponseError, concerns_message)
from ..phone import digits, is_phone_number
from ..status import ClickatellMessageStatus
from ..text import encode_text
from ..transport import HiddenBytes, Secret, Transport
from .results import Balance, SendResult

log = logging.getLogger(__name__)

#: A command's parameters: a dict, or a sequence of (name, value) pairs.
FormParams = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]

#: (connect, read) time-out in seconds (kept here for code written against 1.0 previews).
DEFAULT_TIMEOUT = const.DEFAULT_TIMEOUT

#: Parameter names that carry the account's credentials: set by the client, never logged.
CREDENTIAL_PARAMS = frozenset(('api_id', 'user', 'password', 'session_id'))

_FORM_HEADERS = {'Content-Type': 'application/x-www-form-urlencoded'}
# A message id as Clickatell writes it (32 hex digits; simulators use other letters and digits).
_MSGID = re.compile(r'[\w-]{1,64}\Z')

# "KEY: value" pairs; several on one line ("ID: abc To: 2799900001"). A key is a word at the start of
# the line or after white space, followed by a colon.
_FIELD = re.compile(r'(?:^|(?<=\s))([A-Za-z]+):(?:\s+|$)')


def parse_line(line: str) -> Dict[str, str]:
    """The ``KEY: value`` fields of one answer line, as an ordered dict.

    >>> parse_line('ID: 3c7a4f To: 2799900001')
    {'ID': '3c7a4f', 'To': '2799900001'}
    >>> parse_line('ERR: 105, Invalid Destination Address To: 12')
    {'ERR': '105, Invalid Destination Address', 'To': '12'}

    :returns: an empty dict when the line holds no field
    """
    fields: Dict[str, str] = {}
    matches = list(_FIELD.finditer(line))
    if matches and line[:matches[0].start()].strip():
        return {}  # text before the first key: not a line of fields
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(line)
        fields.setdefault(match.group(1), line[match.end():end].strip())
    return fields


def error_from_fields(fields: Mapping[str, str]) -> Optional[ClickatellProviderError]:
    """The :class:`ClickatellProviderError` an ``ERR`` field describes, or None when there is none.

    ``ERR: 301, No credit left`` gives :class:`~smsframework_clickatell.error.E301`; an error
    without a code (as ``/utils`` commands answer) gives the base class with code None.
    """
    if 'ERR' not in fields:
        return None
    code, sep, text = fields['ERR'].partition(',')
    if sep and code.strip().isdigit():
        return ClickatellProviderError(code.strip(), text.strip())
    if fields['ERR'].strip().isdigit():
        return ClickatellProviderError(fields['ERR'].strip())
    return ClickatellProviderError(None, fields['ERR'])


class ClickatellHttpApi:
    """A client of Clickatell's legacy HTTP API for one account. Safe to share between threads, and
    across ``fork()`` (each process gets its own connections).

    :param api_id: the HTTP API's id
    :param user: the account's user name
    :param password: the account's password (kept out of every repr, log line, exception and traceback)
    :param base_url: scheme and host, default ``http://api.clickatell.com``; commands go to
        ``{base_url}/http/{command}``
    :param options: `timeout`, `verify`, `retries` and `pool_size`, as
        :class:`~smsframework_clickatell.transport.Transport` takes them (the provider's docstring and
        the README's option table say what each does)
    :raises ValueError: a credential that is empty or cannot be sent as ISO-8859-1 (the message names
        the field, never the value), or an option out of range
    :raises TypeError: an option of the wrong type
    """

    #: The `api` option of the provider that selects this client.
    api = 'legacy'

    def __init__(self, api_id: Union[str, int], user: str, password: Union[str, Secret], *,
                 base_url: str = const.HTTP_BASE_URL, **options: Any) -> None:
        password = Secret(password)  # at once: no frame local holds it in the clear
        for name, value in (('api_id', api_id), ('user', user)):
            _check_credential(name, value)
        _check_credential('password', password)
        self.api_id = str(api_id)
        self.user = str(user)
        # The credentials' share of every form body, encoded once; a Secret, so it shows nowhere.
        self._credentials_form = Secret(urlencode(
            (('api_id', self.api_id), ('user', self.user), ('password', password.value)),
            encoding='iso-8859-1'))
        self.transport = Transport(base_url, secrets=(password,), **options)
        self.base_url = self.transport.base_url

    @staticmethod
    def default_url(https: bool = False) -> str:
        """Clickatell's base URL for this API."""
        return const.HTTPS_BASE_URL if https else const.HTTP_BASE_URL

    def __repr__(self) -> str:
        # getattr: a repr may be asked for before __init__ is done (a traceback's frame locals).
        return '<{} api_id={!r} user={!r} base_url={!r}>'.format(
            type(self).__name__, getattr(self, 'api_id', None), getattr(self, 'user', None),
            getattr(self, 'base_url', None))

    @property
    def timeout(self) -> Tuple[float, float]:
        return self.transport.timeout

    @property
    def session(self) -> requests.Session:
        """The :class:`requests.Session` of the current process that writes go through."""
        return self.transport.session()

    def close(self) -> None:
        """Close the pooled connections of the current process. Later requests open new ones."""
        self.transport.close()

    # Commands

    def _api_request(self, method: str, **params: Any) -> str:
        """Run a command once (with the transport's retries) and return Clickatell's answer as text.

        Every command goes through here, and everything above (error codes, parsing) reads what it
        returns: replace it on an instance to fake Clickatell in tests, as with smsframework-clickatell
        0.0.x (``provider.api._api_request = lambda method, **params: 'ID: 1234'``).

        :param str method: the command (``sendmsg``, ``getbalance``, ... or a path such as
            ``utils/routeCoverage``)
        :param params: the command's parameters (credentials are added; None values are left out)
        :returns: the answer's text, stripped
        :raises ClickatellConnectionError: Clickatell could not be reached, or did not answer in time
            (:class:`ClickatellTimeout`)
        :raises ClickatellHTTPError: an HTTP status of 300 or more (ClickatellHTTPServerError for 5xx);
            redirects are not followed
        :raises ClickatellParameterError: a parameter cannot be form-encoded as ISO-8859-1
        :raises ClickatellAnswerTooLarge: an answer over 1 MiB
        """
        path = _path(method)
        body = self._encode(params)
        if log.isEnabledFor(logging.DEBUG):
            log.debug('Clickatell %s: %s', method, _loggable(params))
        answer = self.transport.request('POST', path, what=method, read_only=path.lower() in const.READ_ONLY_COMMANDS,
                                        body=body, headers=_FORM_HEADERS)
        if answer.status >= 300:
            error_class = ClickatellHTTPServerError if answer.status >= 500 else ClickatellHTTPError
            reason = answer.reason
            if answer.is_redirect:
                reason += ' (to {}; not followed)'.format(self.transport.mask(answer.headers.get('Location', '')))
            raise error_class(answer.status, reason)
        return answer.text

    def request(self, command: str, params: FormParams = ()) -> str:
        """Run a command and return Clickatell's answer as text.

        Read-only commands (:data:`~smsframework_clickatell.const.READ_ONLY_COMMANDS`) are retried after
        transient failures, including an ``ERR: 901`` answer; other commands only when the connection
        could not be made (see :mod:`~smsframework_clickatell.transport.retries`).

        :param str command: ``sendmsg``, ``getbalance``, ... or a path below the base URL
            (``utils/routeCoverage``)
        :param params: a dict or a sequence of (name, value) pairs
        :returns: the answer's text, unchanged
        :raises ClickatellProviderError: (the class for its code) when the answer is a single ``ERR:``
        :raises: as :meth:`_api_request`
        """
        items = dict(params.items() if hasattr(params, 'items') else params)
        retry = self.transport.retries.read_only if _path(command).lower() in const.READ_ONLY_COMMANDS else None
        while True:
            text = self._api_request(command, **items)
            error = _whole_call_error(self.transport.mask(text))
            if error is None:
                return text
            if retry is None or error.code != 901:
                raise error
            # ERR 901 is an HTTP 200 answer, out of urllib3's sight: retry it here, charged to the same
            # policy as an HTTP 5xx (its status count, total and backoff).
            try:
                retry = retry.increment('POST', '/' + _path(command), response=_ERR_901_RESPONSE)
            except MaxRetryError:
                raise error from None
            log.warning('Clickatell %s answered %s; retrying (%r)', command, error, retry)
            retry.sleep()

    def request_fields(self, command: str, params: FormParams = (), expect: Sequence[str] = ()) -> Dict[str, str]:
        """Run a one-answer command and return the fields of its answer.

        :param expect: field names the answer must have
        :raises ClickatellResponseError: the answer is not one line with every expected field
        :raises: whatever :meth:`request` raises
        """
        text = self.request(command, params)
        fields = parse_line(text) if len(text.splitlines()) == 1 else {}
        missing = [name for name in expect if not fields.get(name)]
        if not fields or missing:
            raise ClickatellResponseError(
                'Unexpected answer from Clickatell {} (expected {})'.format(command, ', '.join(expect)),
                self.transport.mask(text))
        return fields

    def send_message(self, params: FormParams) -> str:
        """``sendmsg`` to one recipient.

        :param params: the sendmsg parameters (`to`, `text`, ...)
        :returns: the apiMsgId
        :raises: as :meth:`request_fields`
        """
        return self.request_fields('sendmsg', params, expect=('ID',))['ID']

    def send_multi(self, params: FormParams, recipients: Iterable[Union[str, int]]) -> List[SendResult]:
        """One ``sendmsg`` to several recipients (never retried once it may have reached Clickatell).

        :param params: the sendmsg parameters but `to` (a `to` among them is ignored)
        :param recipients: distinct phone numbers, digits only, at most
            :data:`~smsframework_clickatell.const.MAX_RECIPIENTS_PER_POST`
        :returns: a :class:`SendResult` per recipient, in the order of `recipients`
        :raises ValueError: no recipients, too many, duplicates, or a number that is not all digits
            (nothing is sent)
        :raises ClickatellProviderError: the answer is one ``ERR:`` for the whole call with a code that
            concerns the account or the service (E001, E301, E901, ...; see
            :func:`~smsframework_clickatell.error.concerns_message`); a code that concerns the message
            (E123, ...) becomes every recipient's error instead
        :raises ClickatellResponseError: no line of the answer is an ``ID:`` or ``ERR:``
        :raises: otherwise as :meth:`_api_request` (connection, HTTP and parameter errors)
        """
        numbers = [str(number) for number in recipients]
        _check_recipients(numbers)
        items = params.items() if hasattr(params, 'items') else params
        fields = {name: value for name, value in items if name != 'to'}
        fields['to'] = ','.join(numbers)
        text = self._api_request('sendmsg', **fields)
        return match_recipients(text, numbers, mask=self.transport.mask)


    def bulk_planner(self) -> bulk.SameTextPlanner:
        """How :meth:`~smsframework_clickatell.ClickatellProvider.send_bulk` packs this API's messages: one
        text and set of options to up to 600 recipients per ``sendmsg``."""
        return bulk.SameTextPlanner(self.message_params, self.send_multi, const.MAX_RECIPIENTS_PER_POST,
                                    bulk.legacy_recipient, bulk.form_key)

    def get_balance(self) -> float:
        """The account's credit.

        :rtype: float
        :raises: as :meth:`request_fields`
        """
        fields = self.request_fields('getbalance', expect=('Credit',))
        try:
            return float(fields['Credit'])
        except ValueError:
            raise ClickatellResponseError('Unreadable credit from Clickatell getbalance',
                                          fields['Credit']) from None

    def get_balance_details(self) -> Balance:
        """The account's credit, as a :class:`~smsframework_clickatell.clients.results.Balance` without a
        currency (the legacy API counts credits).

        :raises: as :meth:`request_fields`
        """
        return Balance(self.get_balance(), None)

    def query_message(self, apimsgid: Optional[str]) -> int:
        """The status code of a message (``querymsg``).

        :param str apimsgid: the apiMsgId that ``sendmsg`` returned
        :rtype: int
        :raises ClickatellParameterError: an empty id (nothing is sent)
        :raises ClickatellResponseError: the answer has no numeric status, or is about another message
        :raises: as :meth:`request_fields` (E103 for an id Clickatell does not know)
        """
        apimsgid = '' if apimsgid is None else str(apimsgid).strip()
        if not apimsgid:
            raise ClickatellParameterError('querymsg needs a message id')
        fields = self.request_fields('querymsg', {'apimsgid': apimsgid}, expect=('ID', 'Status'))
        if fields['ID'].lower() != apimsgid.lower():
            raise ClickatellResponseError('Clickatell querymsg answered about another message',
                                          'ID: {} Status: {}'.format(fields['ID'], fields['Status']))
        if not fields['Status'].isdigit():
            raise ClickatellResponseError('Unreadable status from Clickatell querymsg', fields['Status'])
        return int(fields['Status'])

    def query_status(self, msgid: str) -> ClickatellMessageStatus:
        """A message's status (``querymsg``), as the status receiver would report it.

        :returns: the :class:`~smsframework_clickatell.status.ClickatellMessageStatus` for its code,
            `rtime` now (naive UTC), ``meta['status']`` the code
        :raises: as :meth:`query_message`
        """
        code = self.query_message(msgid)
        return ClickatellMessageStatus.from_code(code, msgid=str(msgid).strip(), meta={'status': code})

    # smsframework messages

    def message_params(self, message: OutgoingMessage) -> Dict[str, Any]:
        """The ``sendmsg`` parameters for an :class:`smsframework.OutgoingMessage`, as they will go over
        the wire (no credentials). See the README's table of options.

        :rtype: dict
        :raises ClickatellParameterError: an option that cannot be sent (a non-numeric `expires`)
        :raises ClickatellProviderError: E113 when the text needs more than 35 parts
        :raises TypeError: a body that is not a str
        """
        options = message.provider_options
        params: Dict[str, Any] = {'to': message.dst}
        sender = options.senderId or message.src
        if sender:
            params['from'] = wire_sender(sender)
        if options.status_report:
            params['deliv_ack'] = 1
            # Without a callback level Clickatell pushes no report at all: ask for intermediate + final.
            params['callback'] = const.CALLBACK_INTERMEDIATE_AND_FINAL
        if options.escalate:
            params['escalate'] = 1
        if options.allow_reply:
            params['mo'] = 1
        if options.expires is not None:
            params['validity'] = expires_minutes(options.expires)

        encoded = encode_text(message.body)
        params.update(encoded.params)
        if encoded.parts > 1:
            params['concat'] = encoded.parts
        params.update(message.provider_params)
        if encoded.parts > const.MAX_PARTS and 'concat' not in message.provider_params:
            raise ClickatellProviderError(113, 'Maximum message parts exceeded: the text needs {} parts, '
                                               'at most {} are possible'.format(encoded.parts, const.MAX_PARTS))
        return params

    # Wire

    def _encode(self, params: Mapping[str, Any]) -> HiddenBytes:
        """The form body: credentials first, then `params`, ISO-8859-1 as Clickatell reads it."""
        pairs = [(name, _wire_value(value)) for name, value in params.items()
                 if name not in CREDENTIAL_PARAMS and value is not None]
        try:
            encoded = urlencode(pairs, encoding='iso-8859-1')
        except UnicodeEncodeError:
            culprit = next(name for name, value in pairs if not _latin1(value))
            raise ClickatellParameterError(
                'Parameter {!r} has characters that cannot be sent as ISO-8859-1'.format(culprit)
            ) from None
        return HiddenBytes('{}&{}'.format(self._credentials_form.value, encoded).rstrip('&').encode('ascii'))


# What Retry.increment is shown for an ERR 901 answer: a status it counts, without an HTTP error.
_ERR_901_RESPONSE = urllib3.HTTPResponse(body=b'', status=200, preload_content=False)


def _check_credential(name: str, value: object) -> None:
    """Refuse a credential that is empty or cannot be sent; the message names it, never shows it."""
    # Only booleans as locals: this frame is in the traceback of the ValueError.
    empty = value is None or str(value.value if isinstance(value, Secret) else value) == ''
    if empty:
        raise ValueError('{} is required for the legacy API'.format(name))
    sendable = _latin1(value.value if isinstance(value, Secret) else value)
    if not sendable:
        raise ValueError('{} has characters that cannot be sent as ISO-8859-1'.format(name))


def wire_sender(sender: str) -> str:
    """A sender as Clickatell wants it: a phone number's digits alone, an alphanumeric sender ID as it is."""
    sender = str(sender)
    if is_phone_number(sender):
        return digits(sender)
    return sender


def expires_minutes(value: Union[int, float, str]) -> int:
    """The `expires` option as a whole, positive number of minutes.

    :raises ClickatellParameterError: anything else
    """
    minutes: Optional[int]
    try:
        minutes = int(value)
        whole = float(value) == minutes
    except (TypeError, ValueError, OverflowError):
        minutes, whole = None, False
    if isinstance(value, bool) or not whole or minutes is None or minutes <= 0:
        raise ClickatellParameterError(
            'expires must be a positive whole number of minutes, not {!r}'.format(value))
    return minutes


def match_recipients(text: str, recipients: Sequence[str],
                     mask: Optional[Callable[[str], str]] = None) -> List[SendResult]:
    """Match a multi-recipient ``sendmsg`` answer to its recipients.

    Each recipient gets the one line that names it (``ID: x To: n`` or ``ERR: c, text To: n``). A
    recipient named by no line, or by several, gets a :class:`ClickatellResponseError` rather than a
    guess: its message may or may not have been sent. Lines that name no recipient of the call are
    logged. A single line without ``To:`` answers for the whole call: an ``ID:`` is the message id when
    there is one recipient; an ``ERR:`` raises, or becomes every recipient's error when its code
    concerns the message.

    :param str text: the answer
    :param recipients: the distinct numbers the call was for, digits only
    :param mask: a function that removes credentials from a text quoted in an error or a log line
    :returns: a :class:`SendResult` per recipient, in order
    :raises: as :meth:`ClickatellHttpApi.send_multi`
    """
    if mask is not None:
        text = mask(text)
    lines = [line for line in (raw.strip() for raw in text.splitlines()) if line]
    fields = [_answer_fields(line) for line in lines]
    if not any(_is_result(f) for f in fields):
        raise ClickatellResponseError('Unexpected answer from Clickatell sendmsg (expected ID: or ERR: lines)',
                                      text)
    if len(lines) == 1 and 'To' not in fields[0]:
        return _whole_call_results(fields[0], recipients, text)

    wanted = set(recipients)
    found: DefaultDict[str, List[Dict[str, str]]] = defaultdict(list)
    unexpected: List[str] = []
    for line, f in zip(lines, fields):
        number = f.get('To', '')
        if not (number.isdigit() and number.isascii()):
            number = digits(number)
        if _is_result(f) and number in wanted:
            found[number].append(f)
        else:
            unexpected.append(line)
    if unexpected:
        log.warning('Clickatell sendmsg to %d recipients answered %d line(s) naming none of them: %r',
                    len(recipients), len(unexpected), unexpected[:10])

    results: List[SendResult] = []
    for number in recipients:
        lines_for = found.get(number, ())
        if len(lines_for) == 1:
            results.append(_recipient_result(number, lines_for[0]))
        else:
            what = 'no line' if not lines_for else '{} lines'.format(len(lines_for))
            results.append(SendResult(number, None, ClickatellResponseError(
                'Clickatell sendmsg answered {} for recipient {}: it may or may not have been '
                'sent'.format(what, number), text)))
    return results


def _answer_fields(line: str) -> Dict[str, str]:
    """:func:`parse_line` of one answer line, with a quick path for the line that every sent recipient gets
    (``ID: x To: n``): a bulk answer has 600 of them, and reading them is most of a bulk send's own work."""
    words = line.split()
    if len(words) == 4 and words[0] == 'ID:' and words[2] == 'To:':
        return {'ID': words[1], 'To': words[3]}
    return parse_line(line)


def _whole_call_results(fields: Mapping[str, str], recipients: Sequence[str], text: str) -> List[SendResult]:
    error = error_from_fields(fields)
    if error is not None:
        if not concerns_message(error):
            raise error
        # Each recipient its own instance: they are separate messages' errors.
        return [SendResult(n, None, ClickatellProviderError(error.code, error.message)) for n in recipients]
    if len(recipients) == 1:
        return [SendResult(recipients[0], fields['ID'], None)]
    return [SendResult(n, None, ClickatellResponseError(
        'Clickatell sendmsg answered one ID for {} recipients: recipient {} may or may not have been '
        'sent'.format(len(recipients), n), text)) for n in recipients]


def _recipient_result(number: str, fields: Mapping[str, str]) -> SendResult:
    error = error_from_fields(fields)
    if error is not None:
        return SendResult(number, None, error)
    return SendResult(number, fields['ID'], None)


def _is_result(fields: Mapping[str, str]) -> bool:
    return 'ERR' in fields or bool(_MSGID.match(fields.get('ID', '')))


def _check_recipients(recipients: Sequence[str]) -> None:
    if not recipients:
        raise ValueError('sendmsg needs at least one recipient')
    if len(recipients) > const.MAX_RECIPIENTS_PER_POST:
        raise ValueError('sendmsg takes at most {} recipients per POST, not {}'.format(
            const.MAX_RECIPIENTS_PER_POST, len(recipients)))
    if len(set(recipients)) != len(recipients):
        # Two answer lines with the same To could not be told apart.
        raise ValueError('recipients of one sendmsg must be distinct')
    bad = next((n for n in recipients if not n.isdigit() or not n.isascii()), None)
    if bad is not None:
        raise ValueError('recipients must be phone numbers in digits, not {!r}'.format(bad))


def _whole_call_error(text: str) -> Optional[ClickatellProviderError]:
    """The error of a one-line ``ERR:`` answer, or None."""
    lines = text.splitlines()
    if len(lines) == 1:
        return error_from_fields(parse_line(lines[0]))
    return None


def _path(command: str) -> str:
    return command if '/' in command else 'http/' + command


def _wire_value(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    return value


def _latin1(value: object) -> bool:
    try:
        str(value).encode('iso-8859-1')
        return True
    except UnicodeEncodeError:
        return False


def _loggable(params: FormParams) -> Dict[str, Any]:

    items = params.items() if hasattr(params, 'items') else params
    return {name: value for name, value in items if name not in CREDENTIAL_PARAMS}
