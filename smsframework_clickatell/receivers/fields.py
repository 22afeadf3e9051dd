"""Reading the fields of a push, or of one event in a One API envelope, each by its rule.

The rules the receivers of the newer APIs share: ids (letters, digits, ``-`` and ``_``), phone numbers
(the one rule of :mod:`smsframework_clickatell.phone`), millisecond times, texts in a charset, and plain
texts of bounded length without lone surrogates. A value may be ``bytes`` (percent-decoded from a query
string or form, see :mod:`.formats`) or ``str`` (from a document; JSON numbers keep their text). What
breaks a rule raises :class:`~.formats.UnreadableRequest` with a one-line reason that names where.
"""
import re
from datetime import datetime, timezone
from typing import Dict, Literal, Mapping, NoReturn, Optional, Union, overload

from .. import clock, ids
from ..phone import is_phone_number
from .formats import JSON, UnreadableRequest, field_label, has_lone_surrogate, quote, shown, unescape
from .legacy import charset_codec

#: The longest id taken (Clickatell's are 32 hex digits; a UUID is 36 characters): the one id rule's.
MAX_ID_LENGTH = ids.MAX_LENGTH

#: The longest plain text taken in a field other than a message's text (names, client ids, UDH).
MAX_FIELD_LENGTH = 500

#: The charset of a message text when the push names none: the newer APIs' default.
DEFAULT_CHARSET = 'UTF-8'

# ASCII patterns, bounded: no surprises from int()/float() (non-ASCII digits, "_", signs, "inf", "nan").
_CODE = re.compile(r'[0-9]{1,9}\Z')
# Milliseconds since the epoch, perhaps with a fraction; 15 digits already go past what a datetime holds.
_MILLISECONDS = re.compile(r'[0-9]{1,15}(\.[0-9]{1,6})?\Z')


#: A value of :class:`Fields`: raw bytes (from a query string or form) or a JSON value.
Value = Union[bytes, JSON]


class Fields:
    """The fields of a push (or of one event), read by rule.

    :param dict values: name → value (``bytes``, ``str``, or from JSON also a dict, list, bool or None)
    :param str where: how reasons name this set of fields (``event.moText[0]``), or None for a whole push
    """

    def __init__(self, values: Mapping[str, Value], where: Optional[str] = None) -> None:
        self.values = values
        self.where = where

    def fail(self, reason: str) -> NoReturn:
        """Raise :class:`UnreadableRequest` with `reason`, prefixed with where it happened."""
        raise UnreadableRequest(reason if self.where is None else '{}: {}'.format(self.where, reason))

    def text(self, name: str, limit: int = MAX_FIELD_LENGTH) -> Optional[str]:
        """A plain text field, or None when absent, null or empty.

        :param int limit: the most characters taken
        :raises UnreadableRequest: not a string or a number, bytes that are not UTF-8, a lone surrogate,
            or longer than `limit`
        """
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bytes):
            try:
                value = value.decode('utf-8')
            except UnicodeDecodeError:
                self.fail('{} is not valid UTF-8'.format(field_label(name)))
        elif not isinstance(value, str):
            self.fail('{} is not a string or a number'.format(field_label(name)))
        if has_lone_surrogate(value):
            self.fail('{} holds a lone surrogate'.format(field_label(name)))
        if len(value) > limit:
            self.fail('{} is longer than {} characters'.format(field_label(name), limit))
        return value or None

    def required(self, name: str) -> str:
        """A plain text field that must be there and not empty.

        :raises UnreadableRequest: as :meth:`text`, or missing
        """
        value = self.text(name)
        if value is None:
            self.fail('missing field {}'.format(name))
        return value

    @overload
    def identifier(self, name: str, required: Literal[True]) -> str: ...
    @overload
    def identifier(self, name: str, required: bool = False) -> Optional[str]: ...

    def identifier(self, name: str, required: bool = False) -> Optional[str]:
        """An id: 1 to :data:`MAX_ID_LENGTH` ASCII letters, digits, ``-`` and ``_``; None when absent.

        Ids are what an application stores and deduplicates on: anything else in one (a space, a
        quote, a control character) is refused rather than passed on.

        :raises UnreadableRequest: as :meth:`text`, missing when `required`, or not such an id
        """
        value = self.required(name) if required else self.text(name)
        if value is not None and not ids.is_message_id(value):
            self.fail('{} is not an id (up to {} letters, digits, - and _): {}'.format(
                field_label(name), MAX_ID_LENGTH, quote(value)))
        return value

    @overload
    def phone(self, name: str, required: Literal[True]) -> str: ...
    @overload
    def phone(self, name: str, required: bool = False) -> Optional[str]: ...

    def phone(self, name: str, required: bool = False) -> Optional[str]:
        """A phone number as people write it (smsframework keeps its digits); None when absent.

        :raises UnreadableRequest: as :meth:`text`, missing when `required`, or not a phone number
        """
        value = self.required(name) if required else self.text(name)
        if value is not None and not is_phone_number(value):
            self.fail('{} is not a phone number: {}'.format(field_label(name), quote(value)))
        return value

    def code(self, name: str) -> Optional[int]:
        """A status code: a whole number of up to 9 ASCII digits, as an int; None when absent.

        :raises UnreadableRequest: as :meth:`text`, or not such a number
        """
        value = self.text(name)
        if value is None:
            return None
        if not _CODE.match(value):
            self.fail('{} is not a number: {}'.format(field_label(name), quote(value)))
        return int(value)

    def time_ms(self, name: str) -> datetime:
        """A time in milliseconds since the epoch (UTC), as a naive UTC datetime; now when absent.

        :raises UnreadableRequest: as :meth:`text`, not such a number, or beyond what a datetime holds
        """
        value = self.text(name)
        if value is None:
            return clock.utcnow()
        if _MILLISECONDS.match(value):
            try:
                return datetime.fromtimestamp(float(value) / 1000, tz=timezone.utc).replace(tzinfo=None)
            except (OverflowError, OSError, ValueError):
                pass  # a year past 9999: refused below, as any other unreadable time
        self.fail('{} is not a time in milliseconds since 1970: {}'.format(field_label(name), quote(value)))

    def message_text(self, name: str, charset: Optional[str]) -> str:
        """The text of a message, in the charset its push names.

        UTF-8 (the default) is the text as it is. Any other charset (UTF-16BE, ISO-8859-1, ...) means
        percent-encoded raw bytes in that charset, as Clickatell writes them: a query string's or form's
        own percent-decoding already gave those bytes; in a JSON string they are decoded here
        (``Gr%FC%DFe`` → ``Grüße`` in ISO-8859-1, ``+`` a space). A JSON string with characters beyond
        ASCII cannot be percent-encoded bytes, so it is taken as the text it already is.

        :param str charset: the charset the push names, or None
        :raises UnreadableRequest: missing, not a string, an unknown charset, a malformed percent-escape,
            bytes not valid in the charset, or a lone surrogate
        """
        value = self.values.get(name)
        if value is None:
            self.fail('missing field {}'.format(name))
        charset = charset or DEFAULT_CHARSET
        try:
            codec = charset_codec(charset)
            if isinstance(value, str) and (codec == 'utf-8' or not value.isascii()):
                text = value
            elif isinstance(value, (str, bytes)):
                raw = value if isinstance(value, bytes) else unescape(value.encode('ascii'), field_label(name))
                try:
                    text = raw.decode(codec)
                except UnicodeError:
                    raise UnreadableRequest('{} is not valid {}'.format(field_label(name), shown(charset))) from None
            else:
                raise UnreadableRequest('{} is not a string'.format(field_label(name)))
        except UnreadableRequest as e:
            self.fail(str(e))
        if has_lone_surrogate(text):  # a codec such as UTF-7 can make one from valid bytes
            self.fail('{} holds a lone surrogate'.format(field_label(name)))
        return text

    def nested(self, name: str) -> Optional['Fields']:
        """The fields of a member that is an object (``sms`` in a One API event); None when absent.

        :raises UnreadableRequest: not an object
        """
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail('{} is not an object'.format(field_label(name)))
        return Fields(value, name if self.where is None else '{}.{}'.format(self.where, name))

    def present(self, *names: str) -> Dict[str, str]:
        """``{name: text}`` for each of `names` that is there and not empty (see :meth:`text`)."""
        found = ((name, self.text(name)) for name in names)
        return {name: value for name, value in found if value is not None}
