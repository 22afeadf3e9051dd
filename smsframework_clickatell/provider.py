"""The smsframework provider: turns smsframework messages into Clickatell commands."""
import re

from smsframework import IProvider

from . import const
from .api import DEFAULT_TIMEOUT, ClickatellHttpApi
from .basic_auth import BasicCredentials
from .error import ClickatellParameterError, ClickatellProviderError
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
    :param timeout: seconds, or a (connect, read) tuple, for every request
    :param verify: TLS certificate verification: True, or the path of a CA bundle
    :param receiver_auth: a ``(user, password)`` pair the receivers require as HTTP Basic
        authentication (Clickatell's callback user name and password); None (default) leaves them open
    """

    def __init__(self, gateway, name, api_id, user, password, https=False, *, api_url=None,
                 timeout=DEFAULT_TIMEOUT, verify=True, receiver_auth=None):
        super().__init__(gateway, name)
        base_url = api_url or (const.HTTPS_BASE_URL if https else const.HTTP_BASE_URL)
        self.api = ClickatellHttpApi(api_id, user, password, base_url=base_url, timeout=timeout,
                                     verify=verify)
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

        Needs Flask: ``pip install smsframework-clickatell[receiver]``.
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
