"""Credentials kept out of sight: of reprs, log lines, exception texts and traceback frame locals.

Error trackers (Sentry and the like) record the locals of every frame of a traceback, by their
``repr()``. So a credential, and every value built from it (a form body, an ``Authorization`` header),
is held only in types whose ``repr()`` hides it: :class:`Secret`, :class:`HiddenBytes` and
:class:`HiddenStr`. :func:`mask` removes credentials from a text quoted in an error (an answer that
echoes the request).
"""
import json
from typing import Iterable
from urllib.parse import quote, quote_plus

_HIDDEN = '<hidden>'


class Secret:
    """A credential. ``str()`` and ``repr()`` show ``<hidden>``; :attr:`value` is the credential.

    :param value: the credential (made a str)
    """
    __slots__ = ('value',)

    def __init__(self, value: object) -> None:
        self.value = str(value)

    def __repr__(self) -> str:
        return _HIDDEN

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


class HiddenBytes(bytes):
    """Bytes that hold a credential (a form body): their ``repr()`` hides them."""

    def __repr__(self) -> str:
        return '<{} bytes hidden>'.format(len(self))

    __str__ = __repr__


class HiddenStr(str):
    """Text that holds a credential (a header value): its ``repr()`` hides it."""

    def __repr__(self) -> str:
        return _HIDDEN

    __str__ = __repr__


def mask(text: str, secrets: Iterable[Secret]) -> str:
    """`text` with every credential in `secrets`, as it is, URL-encoded or JSON-escaped, replaced by
    ``<hidden>``."""
    for secret in secrets:
        value = secret.value
        if not value:
            continue
        # As it is, URL-encoded (a form or query echoed), and escaped as in a JSON string.
        for form in {value, quote(value, safe=''), quote_plus(value, safe=''), json.dumps(value)[1:-1]}:
            text = text.replace(form, _HIDDEN)
    return text
