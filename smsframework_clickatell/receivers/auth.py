"""HTTP Basic authentication for the receivers (the ``receiver_auth`` option).

Clickatell can send a callback user name and password with its status and reply-path pushes; when the
provider has ``receiver_auth``, a request without exactly those credentials is refused.
Flask-free, so that the provider can hold its credentials without importing Flask.
"""
import base64
import binascii
import hmac
from typing import List, Optional, Tuple, Union

#: The realm named in the 401 challenge.
REALM = 'Clickatell callbacks'


class BasicCredentials:
    """The user name and password a receiver requires, checked in constant time.

    The password shows in no repr, log line or error message.

    :param str user: the user name; a colon is not allowed (HTTP Basic separates the two with one)
    :param str password: the password
    :raises TypeError: either is not a string
    :raises ValueError: either is empty, or the user name contains a colon
    """

    __slots__ = ('user', '_user', '_password')

    def __init__(self, user: str, password: str) -> None:
        for what, value in (('user name', user), ('password', password)):
            if not isinstance(value, str):
                raise TypeError('receiver_auth: the {} must be a string, not {}'.format(what, type(value).__name__))
            if not value:
                raise ValueError('receiver_auth: the {} is empty'.format(what))
        if ':' in user:
            raise ValueError('receiver_auth: the user name must not contain ":"')
        self.user = user
        self._user = user.encode('utf-8')
        self._password = password.encode('utf-8')

    @classmethod
    def from_option(cls, value: Union[None, 'BasicCredentials', Tuple[str, str], List[str]]
                    ) -> Optional['BasicCredentials']:
        """The credentials the ``receiver_auth`` provider option asks for.

        :param value: None (no authentication), a ``(user, password)`` pair, or a :class:`BasicCredentials`
        :returns: a :class:`BasicCredentials`, or None
        :raises TypeError: `value` is none of these
        :raises ValueError: as the constructor
        """
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return cls(*value)
        raise TypeError('receiver_auth must be a (user, password) pair, not {}'.format(type(value).__name__))

    def __repr__(self) -> str:
        return '<{} user={!r} password=<hidden>>'.format(type(self).__name__, self.user)

    def check(self, authorization: Optional[str]) -> bool:
        """Whether an ``Authorization`` header value carries exactly these credentials.

        :param authorization: the header's value, or None when the request has none
        :rtype: bool
        """
        given = _basic_credentials(authorization)
        if given is None:
            return False
        user, password = given
        # Both comparisons always run, so that the time taken says nothing about which one failed.
        user_ok = hmac.compare_digest(user, self._user)
        password_ok = hmac.compare_digest(password, self._password)
        return user_ok and password_ok

    @staticmethod
    def challenge() -> str:
        """The ``WWW-Authenticate`` header value of a 401 answer."""
        return 'Basic realm="{}", charset="UTF-8"'.format(REALM)


def _basic_credentials(authorization: Optional[str]) -> Optional[Tuple[bytes, bytes]]:
    """The (user, password) bytes of a ``Basic`` header value, or None when it is absent or malformed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(' ')
    if scheme.lower() != 'basic':
        return None
    try:
        decoded = base64.b64decode(token.strip().encode('ascii'), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        return None
    user, colon, password = decoded.partition(b':')
    if not colon:
        return None
    return user, password
