"""The formats Clickatell pushes in, read into one dict of fields.

Clickatell sends a push as a query string (HTTP GET), a url-encoded form (HTTP POST), a ``<callback>``
XML document (XML GET/POST: in a ``data`` field, or as the whole query or body) or a JSON object
(JSON POST). Whatever the format, :func:`request_fields` gives ``{name: value}``, where a value is

* ``bytes`` when it came percent-encoded (query string, form): the raw bytes, so that the text of an
  incoming message can be decoded with the charset Clickatell names, not one Werkzeug would guess;
* ``str`` when it came in a document (XML, JSON), whose parser has already decoded it.

Anything that cannot be read raises :class:`UnreadableRequest`, whose text is the one-line reason
the receiver answers with. No Flask here: the receiver hands in the request's parts.
"""
import json
import re
from typing import Dict, List, Literal, Mapping, NoReturn, Optional, Set, Tuple, Union, cast
from urllib.parse import unquote_to_bytes
from xml.etree.ElementTree import Element, ParseError

from smsframework import IncomingMessage, MessageStatus

from .._optional import extra_imports

with extra_imports():
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring as parse_xml_safely

#: A field's value: its raw bytes when it came percent-encoded (query string, form), its text when a
#: document's parser decoded it (XML, JSON).
FieldValue = Union[bytes, str]

#: A JSON document as :func:`load_json` reads it: numbers keep the text they were written with, so
#: they are strings too.
JSON = Union[Dict[str, 'JSON'], List['JSON'], str, bool, None]

#: What becomes of a JSON value that is an object, an array or a boolean (see :func:`parse_json`).
OtherValues = Literal['refuse', 'ignore']

#: What a receiver's parser returns: the messages and statuses of a push, in order, and
#: ``{event type: count}`` of the events acknowledged unread.
Parsed = Tuple[List[Union[IncomingMessage, MessageStatus]], Dict[str, int]]

#: The longest query string read, in bytes: as long as the longest body (Clickatell's pushes take well
#: under 2 KiB); servers have their own bounds (gunicorn's request line is 4 KiB), some far higher.
MAX_QUERY_SIZE = 64 * 1024

#: Form fields that may carry a whole XML document (Clickatell's "XML GET" and "XML POST").
DOCUMENT_FIELDS = ('data', 'xml')

#: Content types whose body is JSON or XML; any ``+json`` and ``+xml`` type as well.
JSON_TYPES = frozenset(('application/json', 'text/json'))
XML_TYPES = frozenset(('application/xml', 'text/xml'))

# Each runs in linear time (the first two read the whole query string or body): a look-ahead of two
# characters at each "%"; one quantifier over white space, tried at the start only; a bounded repeat.
# A "%" not followed by two hex digits: urllib would keep it literally; we refuse it.
_MALFORMED_ESCAPE = re.compile(rb'%(?![0-9A-Fa-f]{2})')
# A percent-encoded document: "<" itself or its escape, after optional white space.
_XML_START = re.compile(rb'\s*(<|%3[Cc])')

# What a reason may show unquoted.
_TOKEN = re.compile(r'[A-Za-z0-9._/+-]{1,40}\Z')

#: How much of a value a reason quotes.
QUOTE_LIMIT = 40


class UnreadableRequest(ValueError):
    """The request cannot be turned into a message or a status; the text is the one-line reason."""


def quote(value: FieldValue) -> str:
    """A value as a reason quotes it: ASCII-only (so any bytes or lone surrogates are safe in a log
    line or a response), on one line, at most :data:`QUOTE_LIMIT` characters of it."""
    return ascii(value[:QUOTE_LIMIT])


def shown(value: str) -> str:
    """A value as a reason shows it: as it is when it is a plain token (``UTF-16BE``), else quoted."""
    return value if _TOKEN.match(value) else quote(value)


def field_label(name: str) -> str:
    """How a reason names a field: ``field text``, or with the name quoted when it is unusual."""
    if name.isascii() and name.isidentifier():
        return 'field ' + name
    return 'field ' + quote(name)


def request_fields(method: str, query: bytes, mimetype: str, body: bytes, *,
                   other_json_values: OtherValues = 'refuse') -> Dict[str, FieldValue]:
    """The fields of a request: the query string's, then the body's (which win), then those of an XML
    document found in a field (which win over both).

    :param str method: ``GET`` or ``POST``; a GET's body is ignored
    :param bytes query: the raw query string
    :param str mimetype: the body's content type without parameters, lower case ('' when none)
    :param bytes body: the whole body
    :param str other_json_values: as :func:`parse_json`'s `other_values`
    :rtype: dict
    :raises UnreadableRequest: a part cannot be read, or the query string is over :data:`MAX_QUERY_SIZE`
    """
    if len(query) > MAX_QUERY_SIZE:
        raise UnreadableRequest('the query string is longer than {} bytes'.format(MAX_QUERY_SIZE))
    fields = dict(form_or_document(query, 'the query string'))
    if method == 'POST':
        fields.update(body_fields(mimetype, body, other_json_values=other_json_values))
    documents = [name for name in DOCUMENT_FIELDS if _is_document(fields.get(name))]
    if len(documents) > 1:
        raise UnreadableRequest('fields {} both hold an XML document'.format(' and '.join(documents)))
    for name in documents:
        fields.update(parse_xml(cast(bytes, fields[name]), 'field ' + name))  # bytes: _is_document said so
    return fields


def body_fields(mimetype: str, body: bytes, *, other_json_values: OtherValues = 'refuse') -> Mapping[str, FieldValue]:
    """The fields of a POST body, read as its content type says.

    A body without a JSON or XML type is a form, unless it plainly is a document: Clickatell's XML
    and JSON pushes are not all labelled, and no form starts with ``<`` or ``{``. A document as it is
    (starting with ``<``) is not percent-decoded: its ``+`` and ``%`` are text.

    :param str other_json_values: as :func:`parse_json`'s `other_values`
    :raises UnreadableRequest: the body cannot be read in its format
    """
    if mimetype in JSON_TYPES or mimetype.endswith('+json'):
        return parse_json(body, other_values=other_json_values)
    if mimetype in XML_TYPES or mimetype.endswith('+xml'):
        return parse_xml(body, 'the body')
    if mimetype.startswith('multipart/'):
        raise UnreadableRequest('Content-Type {} is not supported: send a url-encoded form'.format(shown(mimetype)))
    start = body.lstrip()[:1]
    if start == b'<':
        return parse_xml(body, 'the body')
    if start == b'{':
        return parse_json(body, other_values=other_json_values)
    return form_or_document(body, 'the body')


def form_or_document(raw: bytes, where: str) -> Mapping[str, FieldValue]:
    """The fields of a url-encoded query string or form, or of the XML document it is as a whole
    (itself percent-encoded: a URL cannot carry an XML document otherwise).

    :param bytes raw: the query string or body
    :param str where: how a reason names it
    :raises UnreadableRequest: as :func:`parse_form` or :func:`parse_xml`
    """
    if _XML_START.match(raw):
        return parse_xml(unescape(raw, where), where)
    return parse_form(raw)


def parse_form(raw: bytes) -> Dict[str, bytes]:
    """The fields of ``application/x-www-form-urlencoded`` bytes, each value its raw bytes.

    Stricter than :func:`urllib.parse.parse_qsl`, which keeps a malformed escape such as ``%ZZ`` as it
    is and lets the last of two same-named fields win: both are refused here, so a damaged or
    ambiguous request is never read as something it may not mean. Pieces without a name are skipped.

    :rtype: dict
    :raises UnreadableRequest: a malformed percent-escape, or a field given twice
    """
    fields: Dict[str, bytes] = {}
    for piece in raw.split(b'&'):
        raw_name, _, raw_value = piece.partition(b'=')
        if not raw_name:
            continue
        # Names are ASCII in practice; ISO-8859-1 keeps any other byte as one character, losslessly.
        name = unescape(raw_name, 'a field name').decode('iso-8859-1')
        value = unescape(raw_value, field_label(name))
        if name in fields:
            raise UnreadableRequest('{} is given twice'.format(field_label(name)))
        fields[name] = value
    return fields


def unescape(raw: bytes, where: str) -> bytes:
    """Percent-encoded bytes (``+`` for a space, as forms write it) decoded to the raw bytes.

    :param bytes raw: the encoded bytes
    :param str where: how a reason names them
    :raises UnreadableRequest: a ``%`` not followed by two hex digits
    """
    if _MALFORMED_ESCAPE.search(raw):
        raise UnreadableRequest('{} has a malformed percent-escape'.format(where))
    return unquote_to_bytes(raw.replace(b'+', b' '))


def _is_document(value: Optional[FieldValue]) -> bool:
    return isinstance(value, bytes) and value.lstrip().startswith(b'<')


def parse_xml(document: bytes, where: str) -> Dict[str, str]:
    """The fields of an XML document: its root's child elements, each a plain text value.

    ``<callback><apiMsgId>abc</apiMsgId><cliMsgId/>...</callback>`` gives
    ``{'apiMsgId': 'abc', 'cliMsgId': '', ...}``. The root's name is not checked. A DTD is refused, and
    with it every entity declaration, so no entity is expanded and nothing external is fetched.

    :param bytes document: the document; its declaration (or UTF-8) gives its encoding
    :param str where: how a reason names it
    :rtype: dict
    :raises UnreadableRequest: the document is malformed, has a DTD, or an element is not a plain value
    """
    try:
        root: Element = parse_xml_safely(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UnreadableRequest('{} is XML with a DTD or entities, which are refused'.format(where)) from None
    except ParseError as e:
        line, column = e.position
        raise UnreadableRequest('{} is malformed XML (line {}, column {})'.format(where, line, column)) from None
    except (LookupError, ValueError):
        # pyexpat's answers to an encoding it does not know or cannot use (a multi-byte one)
        raise UnreadableRequest('{} is XML in an unknown or unsupported encoding'.format(where)) from None
    fields: Dict[str, str] = {}
    for element in root:
        name = element.tag
        if len(element):
            raise UnreadableRequest('{}: {} is not a plain value'.format(where, field_label(name)))
        if name in fields:
            raise UnreadableRequest('{}: {} is given twice'.format(where, field_label(name)))
        fields[name] = element.text or ''
    return fields


def parse_json(body: bytes, *, other_values: OtherValues = 'refuse') -> Dict[str, str]:
    """The fields of a JSON object whose values are strings or numbers (``null`` means absent).

    Numbers keep the text they were written with (``4``, ``0.300000``), so they read as the same
    fields do in a form.

    :param bytes body: UTF-8 (or, detected as JSON allows, UTF-16 or UTF-32)
    :param str other_values: what becomes of a value that is an object, an array or a boolean:
        ``'refuse'`` it, or ``'ignore'`` its field (for pushes whose unknown fields may be of any type)
    :rtype: dict
    :raises UnreadableRequest: as :func:`load_json`, not an object, or a value of another type when
        `other_values` is ``'refuse'``
    """
    document = load_json(body)
    if not isinstance(document, dict):
        raise UnreadableRequest('the JSON body is not an object')
    fields: Dict[str, str] = {}
    for name, value in document.items():
        if value is None:
            continue
        if not isinstance(value, str):
            if other_values == 'ignore':
                continue
            raise UnreadableRequest('JSON {} is not a string or a number'.format(field_label(name)))
        fields[name] = value
    return fields


#: How deeply :func:`load_json` lets a document nest. One API's envelope takes five levels (envelope,
#: event, list, item, ``sms``); the rest is room for event types yet to come.
MAX_JSON_DEPTH = 16


def load_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> JSON:
    """Any JSON document, read strictly: the one reader behind every JSON push.

    Numbers keep the text they were written with (``4``, ``0.300000``): no float rounding, no huge
    integers to convert. Refused: bytes that do not decode, malformed JSON, NaN and Infinity, a name
    given twice in one object (which value would be meant?), a string or name with a lone surrogate
    (it cannot be stored or encoded), and nesting deeper than `max_depth` (objects and arrays).

    :param bytes body: UTF-8 (or, detected as JSON allows, UTF-16 or UTF-32)
    :returns: dicts, lists, strings (numbers too), booleans and None
    :raises UnreadableRequest: as above
    """
    encoding = json.detect_encoding(body)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableRequest('the JSON body is not valid {}'.format(encoding)) from None
    try:
        document: JSON = json.loads(text, object_pairs_hook=_unique_names, parse_int=str, parse_float=str,
                              parse_constant=_no_constant)
    except UnreadableRequest:
        raise
    except json.JSONDecodeError as e:
        raise UnreadableRequest('the body is malformed JSON ({} at line {}, column {})'.format(
            e.msg, e.lineno, e.colno)) from None
    except RecursionError:
        raise UnreadableRequest('the body is malformed JSON (nested too deeply)') from None
    _check_json(document, max_depth)
    return document


def _check_json(document: JSON, max_depth: int) -> None:
    # Iterative, so that the check itself cannot overflow the stack. Each entry: a value, its depth,
    # and the name of the member that holds it (for the reason), None at the top.
    pending: List[Tuple[JSON, int, Optional[str]]] = [(document, 0, None)]
    while pending:
        value, depth, name = pending.pop()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                where = 'JSON {}'.format(field_label(name)) if name is not None else 'the JSON body'
                raise UnreadableRequest('{} holds a lone surrogate'.format(where))
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= max_depth:
            raise UnreadableRequest('the JSON body nests deeper than {} levels'.format(max_depth))
        if isinstance(value, dict):
            for member, item in value.items():
                if has_lone_surrogate(member):
                    raise UnreadableRequest('the JSON body has a name with a lone surrogate: {}'.format(
                        quote(member)))
                pending.append((item, depth + 1, member))
        else:
            pending.extend((item, depth + 1, name) for item in value)


def _unique_names(pairs: List[Tuple[str, JSON]]) -> Dict[str, JSON]:
    names: Set[str] = set()
    for name, _ in pairs:
        if name in names:
            raise UnreadableRequest('the JSON body gives {} twice'.format(field_label(name)))
        names.add(name)
    return dict(pairs)


def _no_constant(name: str) -> NoReturn:
    raise UnreadableRequest('the JSON body holds {}, which is not a number'.format(name))


def has_lone_surrogate(text: str) -> bool:
    """Whether `text` holds a surrogate that is not part of a pair (no encoding can carry it)."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return True
    return False
