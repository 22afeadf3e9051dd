"""Requests and answers as the API modules see them: no sockets, no http.server."""
import json
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Pattern, Protocol, Tuple, Union
from urllib.parse import parse_qsl

#: A JSON document as :func:`json.loads` gives it.
JSON = Union[Dict[str, 'JSON'], List['JSON'], str, int, float, bool, None]


class Headers(Protocol):
    """What the simulator reads of a request's headers: an :class:`email.message.Message` (whose
    ``get`` ignores case), or a dict."""

    def get(self, name: str, /) -> object: ...


@dataclass
class Request:
    """An HTTP request the simulator received.

    :ivar str method: ``GET``, ``POST``, ...
    :ivar str path: the path, without the query string
    :ivar bytes query: the raw query string
    :ivar headers: the headers (an :class:`email.message.Message`, case-insensitive)
    :ivar bytes body: the whole body
    """
    method: str
    path: str
    query: bytes = b''
    headers: Headers = field(default_factory=dict[str, str])
    body: bytes = b''

    def header(self, name: str) -> Optional[str]:
        value = self.headers.get(name)
        return None if value is None else str(value)

    @property
    def mimetype(self) -> str:
        return (self.header('Content-Type') or '').split(';')[0].strip().lower()

    def form(self, encoding: str = 'iso-8859-1') -> Dict[str, str]:
        """The query string's fields, then a form body's (which win), decoded with `encoding`.

        Clickatell's legacy API reads forms as ISO-8859-1, where every byte is a character, so decoding
        never fails there.
        """
        fields = dict(_pairs(self.query, encoding))
        if self.method == 'POST' and self.mimetype in ('', 'application/x-www-form-urlencoded'):
            fields.update(_pairs(self.body, encoding))
        return fields

    def json(self) -> JSON:
        """The body as JSON.

        :raises ValueError: not UTF-8 JSON, or nested too deeply to read
        """
        try:
            document: JSON = json.loads(self.body.decode('utf-8'))
            return document
        except RecursionError:
            raise ValueError('JSON nested too deeply') from None


@dataclass
class Response:
    """An answer: HTTP status, content type, body, and a one-line note for the request log."""
    status: int
    body: bytes
    content_type: str = 'text/plain; charset=utf-8'
    headers: Tuple[Tuple[str, str], ...] = ()
    note: str = ''


#: An API's handler of one route: ``handler(sim, request, *groups)``, with the groups of the route's
#: pattern (``/v1/message/([^/]+)`` gives the id).
Handler = Callable[..., Response]

#: A route: the path pattern (matched whole), the methods it takes, its handler.
Route = Tuple[Pattern[str], Tuple[str, ...], Handler]


def text(body: str, status: int = 200, note: str = '') -> Response:
    """A plain text answer, as the legacy API gives; the log shows `note`, else the first line."""
    if not note and body:
        note = body.splitlines()[0]
    return Response(status, body.encode('utf-8'), note=note)


def as_json(document: object, status: int = 200, note: str = '', headers: Iterable[Tuple[str, str]] = ()) -> Response:
    """A JSON answer: `document` is anything :func:`json.dumps` takes."""
    return Response(status, json.dumps(document).encode('utf-8'), 'application/json', tuple(headers), note)


def _pairs(raw: bytes, encoding: str) -> List[Tuple[str, str]]:
    try:
        return parse_qsl(raw.decode('ascii'), keep_blank_values=True, encoding=encoding, errors='replace')
    except UnicodeDecodeError:
        # Bytes a form may not hold unescaped: read them as the encoding would, rather than refuse.
        return parse_qsl(raw.decode(encoding, 'replace'), keep_blank_values=True, encoding=encoding,
                         errors='replace')
