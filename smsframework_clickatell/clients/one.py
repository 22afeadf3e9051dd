"""The wire client of One API (an API key; what an account opened today has).

``POST /v1/message`` takes a list of message objects, each with its own recipient and text, so messages
with different texts go in one request (at most 200). An error is an object ``{"code", "description"}``,
for the whole request (top level) or one message.
"""
import json
from typing import Any, List, Optional, Sequence, Set, Tuple, cast

from smsframework import OutgoingMessage

from .. import bulk, const
from ..error import ClickatellApiError, ClickatellApiRequestError, ClickatellResponseError
from ..phone import digits
from ..status import OneApiStatus
from .keyed import (KeyApiClient, content, int_code, message_id, milliseconds_to_utc, recipient,
                    wire_sender)
from .results import JSON, SendResult


class OneApiClient(KeyApiClient):
    """A client of One API. See :class:`~smsframework_clickatell.clients.keyed.KeyApiClient` for the
    constructor; the README's option table says which smsframework options One API carries."""

    api = 'one'

    def message_params(self, message: OutgoingMessage) -> JSON:
        """The One API message object of an :class:`smsframework.OutgoingMessage`:
        ``{"channel": "sms", "to", "content", "from"}`` with the message's ``.params(...)`` merged in as
        they are (``clientMessageId``, ...), winning over the mapped fields. Options that One API does not
        document (status_report, escalate, allow_reply, expires) are not sent.

        :raises ClickatellParameterError: no recipient phone number, or a text with a lone surrogate
        :raises TypeError: a body that is not a str
        """
        options = message.provider_options
        params: JSON = {'channel': 'sms', 'to': recipient(message.dst), 'content': content(message.body)}
        sender = options.senderId or message.src
        if sender:
            params['from'] = wire_sender(sender)
        params.update(message.provider_params)
        return params

    def send_once(self, params: JSON) -> str:
        [result] = self.send_messages([params])
        if result.error is not None:
            raise result.error
        return cast(str, result.msgid)  # no error, so the id (a SendResult has exactly one of them)

    def bulk_planner(self) -> bulk.MixedPlanner:
        """How :meth:`~smsframework_clickatell.ClickatellProvider.send_bulk` packs this API's messages: any
        texts, up to 200 message objects per request."""
        return bulk.MixedPlanner(self.message_params, self.send_messages, const.MAX_MESSAGES_PER_REQUEST)

    def send_messages(self, objects: Sequence[JSON]) -> List[SendResult]:
        """One ``POST /v1/message`` of up to 200 message objects (texts may differ); never retried once it
        may have reached Clickatell.

        Each answer entry is matched to its message by recipient, and by ``clientMessageId`` where two
        messages of the request share a recipient; a message that cannot be matched with certainty gets
        a :class:`ClickatellResponseError` (it may or may not have been sent).

        :param objects: message objects as :meth:`message_params` makes them
        :returns: a :class:`~smsframework_clickatell.clients.results.SendResult` per object, in order
        :raises ValueError: no objects, or more than 200 (nothing is sent)
        :raises ClickatellApiError: the whole request was refused (code 1: AuthError, 43 or HTTP 429:
            LimitsError, ...)
        :raises ClickatellResponseError: an answer without a list of messages
        :raises: otherwise as :meth:`call`
        """
        if not objects or len(objects) > const.MAX_MESSAGES_PER_REQUEST:
            raise ValueError('a One API request takes 1 to {} messages, not {}'.format(
                const.MAX_MESSAGES_PER_REQUEST, len(objects)))
        recipients = [digits(str(obj.get('to', ''))) for obj in objects]
        shared: Set[str] = ({to for to in recipients if recipients.count(to) > 1}
                            if len(set(recipients)) < len(recipients) else set())
        keys = [(to, obj.get('clientMessageId') if to in shared else None) for to, obj in zip(recipients, objects)]

        def entry_key(entry: JSON) -> Optional[Tuple[str, Any]]:
            to = digits(str(entry.get('to') or ''))
            if not to:
                return None
            return (to, entry.get('clientMessageId') if to in shared else None)

        _, document = self.call('POST', 'v1/message', what='message', read_only=False,
                                payload={'messages': list(objects)})
        return self.match(document, keys, recipients, 'message', entry_key)

    def request_error(self, document: Optional[JSON], http_status: int,
                      retry_after: Optional[float] = None) -> Optional[ClickatellApiError]:
        error = (document or {}).get('error')
        if not error:  # null, or an empty object or text: no error
            return None
        code, text = _error_fields(error)
        return self.error(code, text, http_status, retry_after)

    def entry_error(self, entry: JSON) -> Optional[ClickatellApiError]:
        error = entry.get('error')
        if not error:
            return None
        code, text = _error_fields(error)
        return self.error(code, text)

    def query_status(self, msgid: str) -> OneApiStatus:
        """A message's status (``GET /v1/message/{id}``), in One API's numbering: a
        :class:`~smsframework_clickatell.status.OneApiStatus` of the class its name means (DEVICE_ACK:
        delivered), `rtime` the time of its last change (naive UTC), ``meta['status']`` the name.

        :raises ClickatellParameterError: an id that is not one (nothing is sent)
        :raises ClickatellApiRequestError: Clickatell does not know the message
        :raises ClickatellResponseError: an answer without a status
        :raises: otherwise as :meth:`call`
        """
        msgid = message_id(msgid)
        _, document = self.call('GET', 'v1/message/' + msgid, what='message status', read_only=True)
        entry = (document or {}).get('sms')
        if entry is None:
            raise ClickatellApiRequestError(41, 'Clickatell does not know message {}'.format(msgid), api=self.api)
        if not isinstance(entry, dict):
            entry = {}
        name, code = entry.get('status'), int_code(entry.get('statusCode'))
        if not isinstance(name, str) or not name:
            name = None
        if name is None and code is None:
            raise ClickatellResponseError('Unexpected answer from Clickatell message status (no status)',
                                          json.dumps(document)[:300])
        status = OneApiStatus.from_code(code, name, msgid=msgid, rtime=milliseconds_to_utc(entry.get('timestamp')),
                                        meta={'channel': 'sms'})
        status.meta['status'] = status.status
        return status


def _error_fields(error: object) -> Tuple[Optional[int], Optional[str]]:

    """(code, text) of a One API error object; a bare string is a text without a code."""
    if isinstance(error, dict):
        code = int_code(error.get('code'))
        text = error.get('description') or error.get('message')
        return code, text if isinstance(text, str) else None
    return None, str(error)
