"""The smsframework provider: turns smsframework messages into Clickatell commands."""
import re

from smsframework import IProvider

from . import bulk, const
from .api import DEFAULT_TIMEOUT, ClickatellHttpApi
from .basic_auth import BasicCredentials
from .error import ClickatellParameterError, ClickatellProviderError
from .status import ClickatellMessageStatus
from .text import encode_text

# A sender made only of a phone number's characters is a number: Clickatell wants its digits alone.
_PHONE_NUMBER = re.compile(r'^\+?[\d\s().-]+$')


class ClickatellProvider(IProvider):
    """Clickatell provider for smsframework.

    :param gateway: the :class:`smsframework.Gateway`
    :param str name: the provider's name in the gateway
    :param api_id: the Clickatell HTTP API's id
    :param str user: the account's user name
    :param str password: the account's password
    :param bool https: talk to Clickatell over HTTPS (default False, as in 0.0.x; True is advised)
    :param str api_url: base URL to use instead of Clickatell's (a simulator, a test server)
    :param timeout: seconds, or a (connect, read) tuple, for every request (default (5, 30))
    :param verify: TLS certificate verification: True (certifi's CA bundle, default), the path of a CA
        bundle, or False; the ``REQUESTS_CA_BUNDLE`` environment variable does not change it
    :param retries: the most retries of a request (default 3; 0 for none), or a :class:`urllib3.util.Retry`;
        ``sendmsg`` is retried only when the connection could not be made (see
        :mod:`smsframework_clickatell.retries`)
    :param int pool_size: connections kept open for reuse (default 10): at least the number of threads
        that send at once
    :param receiver_auth: a ``(user, password)`` pair the receivers require as HTTP Basic
        authentication (Clickatell's callback user name and password); None (default) leaves them open
    :raises ValueError, TypeError: an option of the wrong value or type (see
        :class:`~smsframework_clickatell.api.ClickatellHttpApi`)
    """

    def __init__(self, gateway, name, api_id, user, password, https=False, *, api_url=None,
                 timeout=DEFAULT_TIMEOUT, verify=True, retries=const.DEFAULT_RETRIES,
                 pool_size=const.DEFAULT_POOL_SIZE, receiver_auth=None):
        super().__init__(gateway, name)
        base_url = api_url or (const.HTTPS_BASE_URL if https else const.HTTP_BASE_URL)
        self.api = ClickatellHttpApi(api_id, user, password, base_url=base_url, timeout=timeout,
                                     verify=verify, retries=retries, pool_size=pool_size)
        self.receiver_auth = BasicCredentials.from_option(receiver_auth)

    def __repr__(self):
        return '<{} {!r} {!r}>'.format(type(self).__name__, self.name, self.api)

    def close(self):
        """Close the pooled connections to Clickatell."""
        self.api.close()

    # Sending

    def send(self, message):
        """Send an :class:`smsframework.OutgoingMessage`; sets its `msgid` to Clickatell's apiMsgId.

        :returns: the message
        :raises ClickatellProviderError: Clickatell refused it (the class for the code, e.g. E301,
            which is also an :class:`smsframework.exc.CreditError`); also raised before sending
            (E113) for a text longer than 35 parts
        :raises smsframework.exc.ConnectionError: Clickatell could not be reached or did not answer in time
        :raises smsframework.exc.MessageSendError: an HTTP error status (ServerError for 5xx)
        :raises smsframework.exc.ProviderError: an answer that cannot be understood
        """
        message.msgid = self.api.send_message(self.sendmsg_params(message))
        return message

    def send_bulk(self, messages, *, workers=const.BULK_WORKERS):
        """Send many :class:`smsframework.OutgoingMessage` objects in few requests.

        Messages with the same ``sendmsg`` parameters but for the recipient (same text, sender, options
        and params) go out together, up to 600 recipients per request; up to `workers` requests run at
        once. Each message is updated in place:

        * sent: `msgid` is Clickatell's apiMsgId, and ``gateway.onSend`` fires for it;
        * refused: `msgid` stays None and ``meta['error']`` holds the exception: the
          :class:`ClickatellProviderError` Clickatell answered for that recipient (E105, E121, ...), a
          :class:`~smsframework_clickatell.error.ClickatellParameterError` or E113 for a message that
          could not be sent as given, or a
          :class:`~smsframework_clickatell.error.ClickatellResponseError` when the answer said nothing
          certain about the recipient (it may or may not have been sent: check before sending again).

        Every message gets `provider` set and `meta` made a dict; a message listed twice is sent once.

        :param messages: a list of OutgoingMessage
        :param int workers: requests at once, at least 1
        :returns: `messages`, the same list
        :raises: what :meth:`send` raises, for a failure that concerns the account or the service
            rather than a message (authentication, credit, E901, a connection failure, an HTTP error, an
            answer that cannot be read): the requests not yet started are not sent (their messages keep
            `msgid` None and have no error), the messages of the failed request get it as
            ``meta['error']``, and every other message keeps its result and its onSend. An exception
            from an onSend handler propagates, as from ``Gateway.send``.
        :raises TypeError: a message whose body is not a string (before anything is sent)
        """
        if not isinstance(messages, list):
            messages = list(messages)
        unique = list({id(message): message for message in messages}.values())
        for message in unique:
            message.provider = self.name
            message.msgid = None
            if not isinstance(message.meta, dict):
                message.meta = {}
            message.meta.pop('error', None)  # left from an earlier attempt

        batches, refused = bulk.plan(unique, self.sendmsg_params)
        for message, error in refused:
            message.meta['error'] = error
        outcomes = bulk.run(batches, self.api.send_multi, workers)

        failure = None
        for batch, outcome in zip(batches, outcomes):
            if outcome is None:
                continue  # not sent
            if isinstance(outcome, BaseException):
                for _, message in batch.members:
                    message.meta['error'] = outcome
                if failure is None and bulk.is_stopping(outcome):
                    failure = outcome
                continue
            for (_, message), result in zip(batch.members, outcome):
                if result.error is None:
                    message.msgid = result.msgid
                else:
                    message.meta['error'] = result.error

        # Hooks run in the caller's thread once every message is updated, so that a failing hook
        # cannot leave a sent message without its msgid.
        for message in unique:
            if message.msgid is not None:
                self.gateway.onSend(message)
        if failure is not None:
            raise failure
        return messages

    def sendmsg_params(self, message):
        """The ``sendmsg`` parameters for a message, as they will go over the wire (no credentials).

        :rtype: dict
        :raises ClickatellParameterError: an option that cannot be sent (a non-numeric `expires`)
        :raises ClickatellProviderError: E113 when the text needs more than 35 parts
        """
        options = message.provider_options
        params = {'to': message.dst}
        sender = options.senderId or message.src
        if sender:
            params['from'] = _sender(sender)
        if options.status_report:
            params['deliv_ack'] = 1
            # Without a callback level Clickatell pushes no report at all: ask for intermediate + final.
            params['callback'] = const.CALLBACK_INTERMEDIATE_AND_FINAL
        if options.escalate:
            params['escalate'] = 1
        if options.allow_reply:
            params['mo'] = 1
        if options.expires is not None:
            params['validity'] = _minutes(options.expires)

        encoded = encode_text(message.body)
        params.update(encoded.params)
        if encoded.parts > 1:
            params['concat'] = encoded.parts
        params.update(message.provider_params)
        if encoded.parts > const.MAX_PARTS and 'concat' not in message.provider_params:
            raise ClickatellProviderError(113, 'Maximum message parts exceeded: the text needs {} parts, '
                                               'at most {} are possible'.format(encoded.parts, const.MAX_PARTS))
        return params

    # Public API

    def get_balance(self):
        """The credit left on the account.

        :rtype: float
        :raises: as :meth:`send`
        """
        return self.api.get_balance()

    #: The 0.0.x name of :meth:`get_balance`.
    getbalance = get_balance

    def query_status(self, msgid):
        """Ask Clickatell for a message's status (``querymsg``): for when status callbacks are not set
        up, or one was lost. Clickatell knows messages for about six days. The gateway's onStatus is not
        fired: the status is returned.

        :param str msgid: the message's apiMsgId, as `send` set it
        :returns: the :class:`ClickatellMessageStatus` for its code (``S004``, a
            :class:`smsframework.MessageDelivered`, for "004"), with `rtime` now (naive UTC) and
            ``meta['status']`` the code
        :raises smsframework_clickatell.error.E103: Clickatell does not know the id
        :raises: otherwise as :meth:`send`
        """
        code = self.api.query_message(msgid)
        # from_code stamps rtime with now, naive UTC.
        status = ClickatellMessageStatus.from_code(code, msgid=str(msgid).strip(), meta={'status': code})
        status.provider = self.name
        return status

    def api_request(self, command, **params):
        """Run any Clickatell HTTP API command with the account's credentials.

        :param str command: ``querymsg``, ``getmsgcharge``, ``delmsg``, ...
        :param params: the command's parameters
        :returns: Clickatell's answer, as text
        :raises: as :meth:`send`; a single-line ``ERR:`` answer raises its ClickatellProviderError
        """
        return self.api.request(command, params)

    # Receiving

    def make_receiver_blueprint(self):
        """A new Flask Blueprint with this provider's receivers, ``/im`` and ``/status``.

        Needs the ``receiver`` extra (Flask, defusedxml), or an ImportError says so:
        ``pip install 'smsframework-clickatell[receiver]'``.
        """
        from .receiver import make_receiver_blueprint  # Flask is optional: import it only here
        return make_receiver_blueprint(self)


def _sender(sender):
    sender = str(sender)
    if _PHONE_NUMBER.match(sender):
        return re.sub(r'\D', '', sender)
    return sender


def _minutes(value):
    try:
        minutes = int(value)
        whole = float(value) == minutes
    except (TypeError, ValueError):
        minutes, whole = None, False
    if isinstance(value, bool) or not whole or minutes <= 0:
        raise ClickatellParameterError(
            'expires must be a positive whole number of minutes, not {!r}'.format(value))
    return minutes
