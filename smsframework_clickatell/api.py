"""The wire client for Clickatell's legacy HTTP API.

:class:`ClickatellHttpApi` knows the commands, the form encoding and the text answers; it knows
nothing of smsframework messages or Flask. Every request is a POST of a form-encoded body (so the
credentials never appear in a URL), over one pooled :class:`requests.Session`, with a time-out.
"""
import logging
import re
from urllib.parse import urlencode

import requests

from . import const
from .error import (ClickatellConnectionError, ClickatellHTTPError, ClickatellHTTPServerError,
                    ClickatellParameterError, ClickatellProviderError, ClickatellResponseError,
                    ClickatellTimeout)

log = logging.getLogger(__name__)

#: (connect, read) time-out in seconds: Clickatell answers well within it, a dead peer does not hang us.
DEFAULT_TIMEOUT = (5.0, 30.0)

#: Parameter names that carry the account's credentials: set by the client, never logged.
CREDENTIAL_PARAMS = frozenset(('api_id', 'user', 'password', 'session_id'))

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
    """A client of Clickatell's legacy HTTP API for one account.

    :param api_id: the HTTP API's id
    :param user: the account's user name
    :param password: the account's password (kept out of every repr, log line and exception)
    :param base_url: scheme and host, default ``http://api.clickatell.com``; commands go to
        ``{base_url}/http/{command}``
    :param timeout: seconds, or a (connect, read) tuple, applied to every request
    :param verify: TLS verification: True, or the path of a CA bundle
    """

    def __init__(self, api_id, user, password, *, base_url=const.HTTP_BASE_URL,
                 timeout=DEFAULT_TIMEOUT, verify=True):
        self.api_id = str(api_id)
        self.user = str(user)
        self._password = _Secret(password)
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.verify = verify
        self.session = requests.Session()

    def __repr__(self):
        return '<{} api_id={!r} user={!r} base_url={!r}>'.format(
            type(self).__name__, self.api_id, self.user, self.base_url)

    def close(self):
        """Close the pooled connections."""
        self.session.close()

    # Commands

    def request(self, command, params=()):
        """Run a command and return Clickatell's answer as text.

        :param str command: ``sendmsg``, ``getbalance``, ... or a path below the base URL
            (``utils/routeCoverage``)
        :param params: a dict or a sequence of (name, value) pairs
        :returns: the answer's text, unchanged
        :raises ClickatellProviderError: (the class for its code) when the answer is a single ``ERR:``
        :raises ClickatellConnectionError: Clickatell could not be reached, or did not answer in time
        :raises ClickatellHTTPError: an HTTP status of 400 or more (ClickatellHTTPServerError for 5xx)
        :raises ClickatellParameterError: a parameter cannot be form-encoded as ISO-8859-1
        """
        body = self._encode(params)
        path = command if '/' in command else 'http/' + command
        url = '{}/{}'.format(self.base_url, path)
        log.debug('Clickatell %s: %s', command, _loggable(params))
        try:
            response = self.session.post(
                url, data=body, timeout=self.timeout, verify=self.verify,
                headers={'Content-Type': 'application/x-www-form-urlencoded'})
        except requests.Timeout as e:
            raise ClickatellTimeout('Clickatell did not answer {} in time: {}'.format(
                command, _describe(e))) from e
        except requests.RequestException as e:
            raise ClickatellConnectionError('Cannot reach Clickatell for {}: {}'.format(
                command, _describe(e))) from e
        if response.status_code >= 400:
            error_class = ClickatellHTTPServerError if response.status_code >= 500 else ClickatellHTTPError
            raise error_class(response.status_code, response.reason or '')
        text = response.content.decode('utf-8', 'replace').strip()
        lines = text.splitlines()
        if len(lines) == 1:
            error = error_from_fields(parse_line(lines[0]))
            if error is not None:
                raise error
        return text

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

    # Wire encoding

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
