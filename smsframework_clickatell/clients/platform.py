"""The wire client of the Platform SMS integration (an API key; accounts from 2016 to 2019).

``POST /messages`` sends one text to up to 200 recipients. Errors are ``errorCode`` / ``error`` /
``errorDescription`` fields, for the whole request (top level) or one recipient; HTTP 200 may carry
them, so the body is read whatever the status.
"""
import json
from typing import Iterable, List, Optional, Union, cast

from smsframework import OutgoingMessage

from .. import bulk, const
from ..error import ClickatellApiError, ClickatellParameterError, ClickatellResponseError
from ..phone import digits
from ..status import ClickatellMessageStatus, platform_status
from .keyed import (KeyApiClient, content, expires_minutes, int_code, message_id, milliseconds_to_utc,
                    recipient, wire_sender)
from .results import JSON, SendResult


class PlatformClient(KeyApiClient):
    """A client of the Platform SMS integration. See
    :class:`~smsframework_clickatell.clients.keyed.KeyApiClient` for the constructor."""

    api = 'platform'

    def message_params(self, message: OutgoingMessage) -> JSON:
        """The Platform body of an :class:`smsframework.OutgoingMessage`: ``{"content", "to": [digits],
        "from"}``, `expires` as ``validityPeriod`` (minutes), and the message's ``.params(...)`` merged
        in as they are, winning over the mapped fields. status_report, escalate and allow_reply are
        settings of the integration, not of a message: they are not sent.

        :raises ClickatellParameterError: no recipient phone number, a text with a lone surrogate, or an
            `expires` that is not a whole number of minutes
        :raises TypeError: a body that is not a str
        """
        options = message.provider_options
        params: JSON = {'content': content(message.body), 'to': [recipient(message.dst)]}
        sender = options.senderId or message.src
        if sender:
            params['from'] = wire_sender(sender)
        if options.expires is not None:
            params['validityPeriod'] = expires_minutes(options.expires)
        params.update(message.provider_params)
        return params

    def send_once(self, params: JSON) -> str:
        params = dict(params)
        number = _one_recipient(params.pop('to', None))
        [result] = self.send_to_many(params, [number])
        if result.error is not None:
            raise result.error
        return cast(str, result.msgid)  # no error, so the id (a SendResult has exactly one of them)

    def send_to_many(self, params: JSON, recipients: Iterable[Union[str, int]]) -> List[SendResult]:
        """One ``POST /messages`` of one text to up to 200 distinct recipients; never retried once it may
        have reached Clickatell.

        :param params: the body but ``to`` (a ``to`` among them is replaced)
        :param recipients: distinct phone numbers, digits only
        :returns: a :class:`~smsframework_clickatell.clients.results.SendResult` per recipient, in order
        :raises ValueError: no recipients, more than 200, duplicates, or one not all digits (nothing is sent)
        :raises ClickatellApiError: the whole request was refused (108: AuthError, ...)
        :raises ClickatellResponseError: an answer without a list of messages
        :raises: otherwise as :meth:`call`
        """
        numbers = [str(number) for number in recipients]
        if not numbers or len(numbers) > const.MAX_MESSAGES_PER_REQUEST:
            raise ValueError('a Platform request takes 1 to {} recipients, not {}'.format(
                const.MAX_MESSAGES_PER_REQUEST, len(numbers)))
        if len(set(numbers)) != len(numbers):
            raise ValueError('the recipients of one request must be distinct')
        if not all(number.isdigit() and number.isascii() for number in numbers):
            raise ValueError('recipients must be phone numbers in digits')
        body = dict(params, to=numbers)
        _, document = self.call('POST', 'messages', what='messages', read_only=False, payload=body)
        return self.match(document, numbers, numbers, 'messages',
                          lambda entry: digits(str(entry.get('to') or '')) or None)

    def bulk_planner(self) -> bulk.SameTextPlanner:
        """How :meth:`~smsframework_clickatell.ClickatellProvider.send_bulk` packs this API's messages: one
        text and set of options to up to 200 recipients per request."""
        return bulk.SameTextPlanner(self.message_params, self.send_to_many, const.MAX_MESSAGES_PER_REQUEST,
                                    _one_recipient, _json_key)

    def request_error(self, document: Optional[JSON], http_status: int,
                      retry_after: Optional[float] = None) -> Optional[ClickatellApiError]:
        return self._error(document or {}, http_status, retry_after)

    def entry_error(self, entry: JSON) -> Optional[ClickatellApiError]:
        return self._error(entry)

    def _error(self, fields: JSON, http_status: Optional[int] = None,
               retry_after: Optional[float] = None) -> Optional[ClickatellApiError]:
        """The error that ``errorCode`` / ``error`` / ``errorDescription`` fields name, or None when
        they are null or empty; the text is ``error`` and ``errorDescription`` both, when both are given."""
        code, error, description = (fields.get(name) for name in ('errorCode', 'error', 'errorDescription'))
        if code in (None, '') and not error:
            return None
        texts = [str(text) for text in (error, description) if text]
        text = '{} ({})'.format(*texts) if len(texts) == 2 and texts[0] != texts[1] else (texts[0] if texts else None)
        return self.error(code, text, http_status, retry_after)

    def query_status(self, msgid: str) -> ClickatellMessageStatus:
        """A message's status (``GET /public-client/message/status?messageId=``): the
        :class:`~smsframework_clickatell.status.ClickatellMessageStatus` of its legacy code (the
        Platform's ``statusCode``, or the code its ``status`` name stands for), ``status`` the name,
        `rtime` now (naive UTC) unless the answer has a time, ``meta['status']`` the name.

        :raises ClickatellParameterError: an id that is not one (nothing is sent)
        :raises ClickatellResponseError: an answer without a status
        :raises: otherwise as :meth:`call`
        """
        msgid = message_id(msgid)
        _, document = self.call('GET', 'public-client/message/status', what='message status', read_only=True,
                                params={'messageId': msgid})
        document = document or {}
        name, code = document.get('status'), int_code(document.get('statusCode'))
        if not isinstance(name, str):
            name = None
        if name is None and code is None:
            raise ClickatellResponseError('Unexpected answer from Clickatell message status (no status)',
                                          self.transport.mask(str(document)[:300]))
        return platform_status(code, name, msgid=msgid, rtime=milliseconds_to_utc(document.get('timestamp')),
                               meta={'status': name, 'statusCode': code})


def _one_recipient(to: object) -> str:
    """The one recipient (digits) of a message's body, ``"to": [digits]`` as :meth:`message_params` makes
    it; ``.params(to=...)`` may have replaced it with anything.

    :raises ClickatellParameterError: not one phone number (nothing is sent)
    """
    recipients = to if isinstance(to, list) else [to]
    number = recipients[0] if len(recipients) == 1 else None
    number = digits(str(number)) if isinstance(number, (str, int)) and not isinstance(number, bool) else ''
    if not number:
        raise ClickatellParameterError('a message goes to one recipient phone number, not {!r}'.format(
            to if isinstance(to, list) else str(to)[:40]))
    return number


def _json_key(params: JSON) -> str:

    """What of a body goes over the wire: messages with the same key share requests."""
    return json.dumps(params, sort_keys=True, ensure_ascii=False, allow_nan=False)
