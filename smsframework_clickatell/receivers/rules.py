"""The rules for reading one field of a push, whatever the API (legacy, Platform, One API), in one place.

Each kind of field has a length cap, checked before any pattern, decoder or conversion sees the value,
so that what a field costs is bounded however long the request makes it; the patterns besides are
linear (one quantifier over one character class, or bounded repeats). A message's text has no cap of
its own: the body's and the query string's bound it.

A value is ``bytes`` when it came percent-encoded and ``str`` when a document's parser decoded it (see
:mod:`.formats`); caps count its items, so bytes for the first and characters for the second.
Whatever cannot be read raises :class:`~.formats.UnreadableRequest` with a one-line reason.
"""
import math
import re
from typing import Literal, Mapping, Optional, overload

from .. import ids, phone
from .formats import FieldValue, UnreadableRequest, has_lone_surrogate, quote

#: The fields of a push, as :func:`~.formats.request_fields` reads them.
PushFields = Mapping[str, FieldValue]

#: Length caps, by kind of field.
MAX_PHONE_LENGTH = phone.MAX_LENGTH  # 32: E.164's 15 digits and room for formatting
MAX_ID_LENGTH = ids.MAX_LENGTH  # 64: apiMsgId, moMsgId, cliMsgId; Clickatell writes 32 characters
MAX_NUMBER_LENGTH = 32  # status codes, charges, UNIX times
MAX_TIMESTAMP_LENGTH = 40  # dates, ISO 8601 ones with fractions and an offset included
MAX_NAME_LENGTH = 64  # charsets (IANA's longest name has 45 characters), api_id, network
MAX_UDH_LENGTH = 280  # a User Data Header: at most 140 octets, in hex

# ASCII only: float() and int() also take non-ASCII digits ("٤"), underscores, signs, exponents, "inf"
# and "nan", none of which Clickatell sends.
_DECIMAL = re.compile(r'[0-9]+(\.[0-9]+)?\Z')  # two classes, "." between them: they cannot share a character
_WHOLE = re.compile(r'[0-9]+\Z')


def capped(fields: PushFields, name: str, max_length: int) -> Optional[FieldValue]:
    """A field's value as it came (``bytes`` or ``str``), or None when absent.

    :raises UnreadableRequest: it is longer than `max_length`
    """
    value = fields.get(name)
    if value is not None and len(value) > max_length:
        raise UnreadableRequest('field {} is longer than {} characters'.format(name, max_length))
    return value


def text_field(fields: PushFields, name: str, max_length: int = MAX_NAME_LENGTH) -> Optional[str]:
    """A field that is plain text, or None when absent: raw bytes must be UTF-8 (ASCII in practice).

    :raises UnreadableRequest: longer than `max_length`, or bytes that are not UTF-8
    """
    value = capped(fields, name, max_length)
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode('utf-8')
    except UnicodeDecodeError:
        raise UnreadableRequest('field {} is not valid UTF-8'.format(name)) from None


def required_text(fields: PushFields, *names: str, max_length: int = MAX_NAME_LENGTH) -> str:
    """The first of `names` present and not empty, as text.

    :raises UnreadableRequest: none is, or as :func:`text_field`
    """
    for name in names:
        value = text_field(fields, name, max_length)
        if value:
            return value
    raise UnreadableRequest('missing field {}'.format(' or '.join(names)))


@overload
def message_id(fields: PushFields, *names: str, required: Literal[True]) -> str: ...
@overload
def message_id(fields: PushFields, *names: str, required: bool = False) -> Optional[str]: ...


def message_id(fields: PushFields, *names: str, required: bool = False) -> Optional[str]:
    """The first of `names` present and not empty, as a message id (:func:`~..ids.is_message_id`);
    None when none is and it is not `required`.

    :raises UnreadableRequest: required and missing, longer than :data:`MAX_ID_LENGTH`, or not an id
    """
    for name in names:
        value = text_field(fields, name, MAX_ID_LENGTH)
        if value:
            if not ids.is_message_id(value):
                raise UnreadableRequest('field {} is not an id (up to {} letters, digits, - and _): {}'.format(
                    name, MAX_ID_LENGTH, quote(value)))
            return value
    if required:
        raise UnreadableRequest('missing field {}'.format(' or '.join(names)))
    return None


@overload
def phone_number(fields: PushFields, name: str, required: Literal[True]) -> str: ...
@overload
def phone_number(fields: PushFields, name: str, required: bool = False) -> Optional[str]: ...


def phone_number(fields: PushFields, name: str, required: bool = False) -> Optional[str]:
    """A field holding a phone number (:func:`~..phone.is_phone_number`), or None when absent or empty.

    :raises UnreadableRequest: required and missing, longer than :data:`MAX_PHONE_LENGTH`, or not a
        phone number
    """
    value: Optional[str]
    if required:
        value = required_text(fields, name, max_length=MAX_PHONE_LENGTH)
    else:
        value = text_field(fields, name, MAX_PHONE_LENGTH)
    if not value:
        return None
    if not phone.is_phone_number(value):
        raise UnreadableRequest('field {} is not a phone number: {}'.format(name, quote(value)))
    return value


def whole_number(fields: PushFields, name: str, max_digits: int) -> int:
    """A required field holding a whole number of at most `max_digits` ASCII digits (``004`` is 4).

    :raises UnreadableRequest: missing, longer than :data:`MAX_NUMBER_LENGTH`, or not such a number
    """
    value = required_text(fields, name, max_length=MAX_NUMBER_LENGTH).strip()
    if len(value) > max_digits or not _WHOLE.match(value):
        raise UnreadableRequest('field {} is not a number: {}'.format(name, quote(value)))
    return int(value)


def decimal(fields: PushFields, name: str) -> Optional[float]:
    """A field holding a non-negative decimal number (``0.300000``), as a float; None when absent.

    :raises UnreadableRequest: longer than :data:`MAX_NUMBER_LENGTH`, not such a number, or one no
        float can hold (``inf``: the hook would get a value no arithmetic can use)
    """
    value = (text_field(fields, name, MAX_NUMBER_LENGTH) or '').strip()
    if not value:
        return None
    if not _DECIMAL.match(value):
        raise UnreadableRequest('field {} is not a number: {}'.format(name, quote(value)))
    number = float(value)
    if not math.isfinite(number):
        raise UnreadableRequest('field {} is not a finite number: {}'.format(name, quote(value)))
    return number


def valid_text(text: str, name: str) -> str:
    """`text` when every character of it can be written as UTF-8.

    A decoder may produce lone surrogates (UTF-7 does, from ``+2AA-``), which no hook could store,
    log or send on.

    :raises UnreadableRequest: it holds a lone surrogate
    """
    if has_lone_surrogate(text):
        raise UnreadableRequest('field {} holds a lone surrogate'.format(name))
    return text
