"""The wire client for Clickatell's legacy HTTP API.

:class:`ClickatellHttpApi` knows the commands, the form encoding and the text answers; it knows
nothing of smsframework messages or Flask. Every request is a POST of a form-encoded body (so the
credentials never appear in a URL), with a time-out, over the pooled session of the current process
(:mod:`~smsframework_clickatell.session`), retried as :mod:`~smsframework_clickatell.retries` says.
"""
import logging
import numbers
import os
import re
from collections import defaultdict, namedtuple
from urllib.parse import urlencode

import requests
from urllib3.exceptions import MaxRetryError

from . import const
from .error import (ClickatellConnectionError, ClickatellHTTPError, ClickatellHTTPServerError,
                    ClickatellParameterError, ClickatellProviderError, ClickatellResponseError,
                    ClickatellTimeout, concerns_message)
from .retries import retry_policies
from .session import ProcessSession

log = logging.getLogger(__name__)

#: (connect, read) time-out in seconds: Clickatell answers well within it, a dead peer does not hang us.
DEFAULT_TIMEOUT = (5.0, 30.0)

#: Parameter names that carry the account's credentials: set by the client, never logged.
CREDENTIAL_PARAMS = frozenset(('api_id', 'user', 'password', 'session_id'))

_FORM_HEADERS = {'Content-Type': 'application/x-www-form-urlencoded'}
_READ_ONLY = frozenset(path.lower() for path in const.READ_ONLY_COMMANDS)
# A message id as Clickatell writes it (32 hex digits; simulators use other letters and digits).
_MSGID = re.compile(r'^[\w-]+$')

#: What a multi-recipient ``sendmsg`` says about one recipient: its apiMsgId, or the error (a
#: :class:`ClickatellProviderError`, or a :class:`ClickatellResponseError` when the answer says
#: nothing certain about it); exactly one of `msgid` and `error` is set.
SendResult = namedtuple('SendResult', 'to msgid error')

# "KEY: value" pairs; several on one line ("ID: abc To: 2799900001"). A key is a word at the start of
# the line or after white space, followed by a colon.
_FIELD = re.compile(r'(?:^|(?<=\s))([A-Za-z]+):(?:\s+|$)')


class _Secret:
    """Holds a credential so that it shows in no repr, traceback local dump or log line."""
    __slots__ = ('value',)

    def __init__(self, value):
        self.value = str(value)

    def __repr__(self):
        return '<hidden>'

    __str__ = __repr__


def parse_line(line):
    """The ``KEY: value`` fields of one answer line, as an ordered dict.

    >>> parse_line('ID: 3c7a4f To: 2799900001')
    {'ID': '3c7a4f', 'To': '2799900001'}
    >>> parse_line('ERR: 105, Invalid Destination Address To: 12')
    {'ERR': '105, Invalid Destination Address', 'To': '12'}

    :returns: an empty dict when the line holds no field
    """
    fields = {}
    matches = list(_FIELD.finditer(line))
    if matches and line[:matches[0].start()].strip():
        return {}  # text before the first key: not a line of fields
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(line)
        fields.setdefault(match.group(1), line[match.end():end].strip())
    return fields


def error_from_fields(fields):
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
    :param password: the account's password (kept out of every repr, log line and exception)
    :param base_url: scheme and host, default ``http://api.clickatell.com``; commands go to
        ``{base_url}/http/{command}``
    :param timeout: seconds, or a (connect, read) tuple, applied to every request (and to each retry)
    :param verify: TLS verification: True (the CA bundle of :mod:`certifi`), the path of a CA bundle (or
        of a directory of CA certificates), or False (no verification: not advised). Neither
        ``REQUESTS_CA_BUNDLE`` nor ``CURL_CA_BUNDLE`` can change it.
    :param retries: see :func:`~smsframework_clickatell.retries.retry_policies`
    :param int pool_size: connections kept open for reuse, per process: at least the number of threads
        that send at once (more threads still work, opening short-lived extra connections)
    :raises ValueError: a time-out that is not positive, a CA bundle path that does not exist,
        unbounded retries, or a pool size that is not a positive int
    :raises TypeError: `verify`, `timeout` or `retries` of the wrong type
    """

    def __init__(self, api_id, user, password, *, base_url=const.HTTP_BASE_URL,
                 timeout=DEFAULT_TIMEOUT, verify=True, retries=const.DEFAULT_RETRIES,
                 pool_size=const.DEFAULT_POOL_SIZE):
        self.api_id = str(api_id)
        self.user = str(user)
        self._password = _Secret(password)
        self.base_url = base_url.rstrip('/')
        self.timeout = _checked_timeout(timeout)
        self.verify = resolve_verify(verify)
        self.retries = retry_policies(retries)
        self._sessions = ProcessSession(self.base_url, self.retries, pool_size)

    def __repr__(self):
        return '<{} api_id={!r} user={!r} base_url={!r}>'.format(
            type(self).__name__, self.api_id, self.user, self.base_url)

    @property
    def session(self):
        """The :class:`requests.Session` of the current process."""
        return self._sessions.get()

    def close(self):
        """Close the pooled connections of the current process. Later requests open new ones."""
        self._sessions.close()

    # Commands

    def request(self, command, params=()):
        """Run a command and return Clickatell's answer as text.

        Read-only commands (:data:`~smsframework_clickatell.const.READ_ONLY_COMMANDS`) are retried after
        transient failures, including an ``ERR: 901`` answer; other commands only when the connection
        could not be made (see :mod:`~smsframework_clickatell.retries`).

        :param str command: ``sendmsg``, ``getbalance``, ... or a path below the base URL
            (``utils/routeCoverage``)
        :param params: a dict or a sequence of (name, value) pairs
        :returns: the answer's text, unchanged
        :raises ClickatellProviderError: (the class for its code) when the answer is a single ``ERR:``
        :raises ClickatellConnectionError: Clickatell could not be reached, or did not answer in time
        :raises ClickatellHTTPError: an HTTP status of 300 or more (ClickatellHTTPServerError for 5xx);
            redirects are not followed
        :raises ClickatellParameterError: a parameter cannot be form-encoded as ISO-8859-1
        """
        path = _path(command)
        body = self._encode(params)
        if log.isEnabledFor(logging.DEBUG):
            log.debug('Clickatell %s: %s', command, _loggable(params))
        retry = self.retries.read_only if path.lower() in _READ_ONLY else None
        while True:
            response, text = self._post(command, path, body)
            error = _whole_call_error(text)
            if error is None:
                return text
            if retry is None or error.code != 901:
                raise error
            # ERR 901 is an HTTP 200 answer, out of urllib3's sight: retry it here, charged to the same
            # policy as an HTTP 5xx (its status count, total and backoff).
            try:
                retry = retry.increment('POST', '/' + path, response=response.raw)
            except MaxRetryError:
                raise error from None
            log.warning('Clickatell %s answered %s; retrying (%r)', command, error, retry)
            retry.sleep()

    def request_fields(self, command, params=(), expect=()):
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
                text)
        return fields

    def send_message(self, params):
        """``sendmsg`` to one recipient.

        :param params: the sendmsg parameters (`to`, `text`, ...)
        :returns: the apiMsgId
        :raises: as :meth:`request_fields`
        """
        return self.request_fields('sendmsg', params, expect=('ID',))['ID']

    def send_multi(self, params, recipients):
        """One ``sendmsg`` to several recipients (never retried once it may have reached Clickatell).

        :param params: the sendmsg parameters but `to` (a `to` among them is ignored)
        :param recipients: distinct phone numbers, digits only, at most
            :data:`~smsframework_clickatell.const.MAX_RECIPIENTS_PER_POST`
        :returns: a :data:`SendResult` per recipient, in the order of `recipients`
        :raises ValueError: no recipients, too many, duplicates, or a number that is not all digits
            (nothing is sent)
        :raises ClickatellProviderError: the answer is one ``ERR:`` for the whole call with a code that
            concerns the account or the service (E001, E301, E901, ...; see
            :func:`~smsframework_clickatell.error.concerns_message`); a code that concerns the message
            (E123, ...) becomes every recipient's error instead
        :raises ClickatellResponseError: no line of the answer is an ``ID:`` or ``ERR:``
        :raises: otherwise as :meth:`request` (connection, HTTP and parameter errors)
        """
        recipients = [str(number) for number in recipients]
        _check_recipients(recipients)
        items = params.items() if hasattr(params, 'items') else params
        pairs = [(name, value) for name, value in items if name != 'to']
        pairs.append(('to', ','.join(recipients)))
        body = self._encode(pairs)
        if log.isEnabledFor(logging.DEBUG):
            log.debug('Clickatell sendmsg to %d recipients: %s', len(recipients), _loggable(pairs))
        _, text = self._post('sendmsg', _path('sendmsg'), body)
        return match_recipients(text, recipients)

    def get_balance(self):
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

    def query_message(self, apimsgid):
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

    # Wire

    def _post(self, command, path, body):
        """POST a body once (urllib3 retries as the path's policy allows) and return (response, text)."""
        url = '{}/{}'.format(self.base_url, path)
        try:
            # Redirects are not followed: a followed POST would carry the credentials wherever the
            # Location header points.
            response = self.session.post(url, data=body, timeout=self.timeout, verify=self.verify,
                                         allow_redirects=False, headers=_FORM_HEADERS)
        except requests.Timeout as e:
            raise ClickatellTimeout('Clickatell did not answer {} in time: {}'.format(
                command, _describe(e))) from e
        except requests.RequestException as e:
            raise ClickatellConnectionError('Cannot reach Clickatell for {}: {}'.format(
                command, _describe(e))) from e
        if response.status_code >= 300:
            error_class = ClickatellHTTPServerError if response.status_code >= 500 else ClickatellHTTPError
            reason = response.reason or ''
            if response.is_redirect:
                reason += ' (to {}; not followed)'.format(response.headers.get('Location'))
            raise error_class(response.status_code, reason)
        return response, response.content.decode('utf-8', 'replace').strip()

    def _encode(self, params):
        """The form body: credentials first, then `params`, ISO-8859-1 as Clickatell reads it."""
        pairs = [('api_id', self.api_id), ('user', self.user), ('password', self._password.value)]
        items = params.items() if hasattr(params, 'items') else params
        pairs.extend((name, _wire_value(value)) for name, value in items
                     if name not in CREDENTIAL_PARAMS and value is not None)
        try:
            return urlencode(pairs, encoding='iso-8859-1').encode('ascii')
        except UnicodeEncodeError:
            culprit = next(name for name, value in pairs if not _latin1(value))
            raise ClickatellParameterError(
                'Parameter {!r} has characters that cannot be sent as ISO-8859-1'.format(culprit)
            ) from None


def match_recipients(text, recipients):
    """Match a multi-recipient ``sendmsg`` answer to its recipients.

    Each recipient gets the one line that names it (``ID: x To: n`` or ``ERR: c, text To: n``). A
    recipient named by no line, or by several, gets a :class:`ClickatellResponseError` rather than a
    guess: its message may or may not have been sent. Lines that name no recipient of the call are
    logged. A single line without ``To:`` answers for the whole call: an ``ID:`` is the message id when
    there is one recipient; an ``ERR:`` raises, or becomes every recipient's error when its code
    concerns the message.

    :param str text: the answer
    :param recipients: the distinct numbers the call was for, digits only
    :returns: a :data:`SendResult` per recipient, in order
    :raises: as :meth:`ClickatellHttpApi.send_multi`
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fields = [parse_line(line) for line in lines]
    if not any(_is_result(f) for f in fields):
        raise ClickatellResponseError('Unexpected answer from Clickatell sendmsg (expected ID: or ERR: lines)',
                                      text)
    if len(lines) == 1 and 'To' not in fields[0]:
        return _whole_call_results(fields[0], recipients, text)

    wanted = set(recipients)
    found = defaultdict(list)
    unexpected = []
    for line, f in zip(lines, fields):
        number = _digits(f.get('To', ''))
        if _is_result(f) and number in wanted:
            found[number].append(f)
        else:
            unexpected.append(line)
    if unexpected:
        log.warning('Clickatell sendmsg to %d recipients answered %d line(s) naming none of them: %r',
                    len(recipients), len(unexpected), unexpected[:10])

    results = []
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


def _whole_call_results(fields, recipients, text):
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


def _recipient_result(number, fields):
    error = error_from_fields(fields)
    if error is not None:
        return SendResult(number, None, error)
    return SendResult(number, fields['ID'], None)


def _is_result(fields):
    return 'ERR' in fields or bool(_MSGID.match(fields.get('ID', '')))


def _check_recipients(recipients):
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


def _whole_call_error(text):
    """The error of a one-line ``ERR:`` answer, or None."""
    lines = text.splitlines()
    if len(lines) == 1:
        return error_from_fields(parse_line(lines[0]))
    return None


def _path(command):
    return command if '/' in command else 'http/' + command


def _digits(text):
    return re.sub(r'\D', '', text)


def resolve_verify(verify):
    """What to pass as `verify` with every request: True (requests' CA bundle, certifi's), a CA bundle
    path, or False. The session ignores the environment's CA variables (see
    :class:`~smsframework_clickatell.session.ProcessSession`).

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


def _checked_timeout(timeout):
    """A (connect, read) tuple or a number, all positive: a request without a time-out could hang forever."""
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if len(values) not in (1, 2):
        raise ValueError('timeout must be seconds or a (connect, read) pair, not {!r}'.format(timeout))
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError('timeout must be seconds or a (connect, read) pair, not {!r}'.format(timeout))
        if not value > 0:
            raise ValueError('timeout must be positive, not {!r}'.format(timeout))
    return timeout


def _wire_value(value):
    if isinstance(value, bool):
        return int(value)
    return value


def _latin1(value):
    try:
        str(value).encode('iso-8859-1')
        return True
    except UnicodeEncodeError:
        return False


def _loggable(params):
    items = params.items() if hasattr(params, 'items') else params
    return {name: value for name, value in items if name not in CREDENTIAL_PARAMS}


def _describe(error):
    """A one-line description of a requests failure (they carry the URL, never the body)."""
    return '{}: {}'.format(type(error).__name__, error)
