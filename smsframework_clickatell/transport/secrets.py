"""Credentials kept out of sight: of reprs, log lines, exception texts and traceback frame locals.

Error trackers (Sentry and the like) record the locals of every frame of a traceback, by their
``repr()``. So a credential, and every value built from it (a form body, an ``Authorization`` header),
is held only in types whose ``repr()`` hides it: :class:`Secret`, :class:`HiddenBytes` and
:class:`HiddenStr`. :class:`Masker` removes credentials from answers as they arrive (a server that
echoes the request), so that no text the package holds or quotes has them.
"""
import json
import re
from typing import Iterable, Optional, Pattern, Set
from urllib.parse import quote, quote_plus

_HIDDEN = '<hidden>'


class Secret:
    """A credential. ``str()`` and ``repr()`` show ``<hidden>``; :attr:`value` is the credential.

    :param value: the credential (made a str), or a Secret to copy
    """
    __slots__ = ('value',)
    value: str

    def __init__(self, value: object) -> None:
        self.value = value.value if isinstance(value, Secret) else str(value)

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
    """Text that holds a credential (a header value): its ``repr()`` hides it (``str()`` gives the text)."""

    def __repr__(self) -> str:
        return _HIDDEN


class Masker:
    """Replaces credentials in texts and answers by ``<hidden>``: each as it is, URL-encoded (UTF-8 and
    ISO-8859-1) and escaped as in a JSON string, where it stands as a whole token (not next to a letter or
    digit, so that a credential that happens to be part of a message id leaves the id intact).

    :param secrets: the credentials
    """

    def __init__(self, secrets: Iterable[Secret]) -> None:
        forms: Set[str] = set()
        for secret in secrets:
            value = secret.value
            if not value:
                continue
            forms.update((value, quote(value, safe=''), quote_plus(value, safe=''), json.dumps(value)[1:-1]))
            try:
                forms.update((quote(value, safe='', encoding='iso-8859-1'),
                              quote_plus(value, safe='', encoding='iso-8859-1')))
            except UnicodeEncodeError:
                pass  # not a form it can be sent in
        # Longest first, so that a form is never cut short by a shorter one it starts with.
        ordered = sorted(forms, key=len, reverse=True)
        self._forms = [form.encode('utf-8') for form in ordered]
        self._text: Optional[Pattern[str]] = None
        self._bytes: Optional[Pattern[bytes]] = None
        if ordered:
            # Literals in one alternation between one-character look-arounds: linear in the input.
            self._text = re.compile('(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])'.format(
                '|'.join(re.escape(form) for form in ordered)))
            self._bytes = re.compile(b'(?<![A-Za-z0-9])(?:' + b'|'.join(re.escape(f) for f in self._forms)
                                     + b')(?![A-Za-z0-9])')

    def text(self, text: str) -> str:
        """`text` without the credentials."""
        return text if self._text is None else self._text.sub(_HIDDEN, text)

    def content(self, data: bytes) -> bytes:
        """An answer's bytes without the credentials (quick when none is in them, as always in practice)."""
        if self._bytes is None or not any(form in data for form in self._forms):
            return data
        return self._bytes.sub(_HIDDEN.encode('ascii'), data)


def mask(text: str, secrets: Iterable[Secret]) -> str:
    """`text` with every credential in `secrets` replaced by ``<hidden>`` (see :class:`Masker`)."""
    return Masker(secrets).text(text)
