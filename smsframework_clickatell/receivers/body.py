"""Reading a request's body whole, within a bound, whatever its transfer encoding.

Werkzeug alone reads a chunked body as empty unless the WSGI server delimits it, reads a body with a
malformed Content-Length as empty, and bounds a chunked body only by the application's
``MAX_CONTENT_LENGTH``: each would hand the receiver a body other than the one sent. :func:`read_body`
refuses all of these instead.
"""
import re
from typing import IO, List, Optional, Union, cast

from .._optional import extra_imports

with extra_imports():
    from flask import request
    from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
    from werkzeug.http import parse_set_header
    from werkzeug.wsgi import LimitedStream

from .formats import UnreadableRequest

_READ_SIZE = 16 * 1024
# One quantifier over one class, anchored at the start (match): linear in the header's length.
_DIGITS = re.compile(r'[0-9]+\Z')


class BodyTooLarge(Exception):
    """The body is larger than the bound."""


def read_body(limit: int) -> bytes:
    """The whole body of the current request, read with a bound.

    :param int limit: the most bytes to accept
    :rtype: bytes
    :raises BodyTooLarge: the body (by its Content-Length, or as read) is larger than `limit`
    :raises UnreadableRequest: a malformed Content-Length, a Content-Encoding (a compressed body), a
        body shorter than its Content-Length, one the server failed to deliver whole (whatever the
        server's exception), or a chunked body the server neither delimits nor gives the length of
    """
    chunked = 'chunked' in parse_set_header(request.headers.get('Transfer-Encoding'))  # as Werkzeug reads it
    declared = request.environ.get('CONTENT_LENGTH', '').strip()
    if declared and not _DIGITS.match(declared) and not chunked:
        # Werkzeug would read such a body as empty: the hook would get a request cut short.
        raise UnreadableRequest('header Content-Length is not a number')
    if request.headers.get('Content-Encoding', 'identity').strip().lower() != 'identity':
        raise UnreadableRequest('Content-Encoding is not supported: send the body uncompressed')
    terminated = 'wsgi.input_terminated' in request.environ
    length: Optional[int] = None
    if declared and _DIGITS.match(declared) and not (chunked and terminated):
        significant = declared.lstrip('0')
        if len(significant) > len(str(limit)):
            # Larger than the limit, whatever the digits; and int() refuses more than 4,300 of them.
            raise BodyTooLarge()
        length = int(significant or '0')
    if length is not None and length > limit:
        raise BodyTooLarge()
    if chunked and not terminated and length is None:
        # Werkzeug gives an empty stream then, which would read as an empty body; reading the server's
        # raw stream could wait forever for an end it never marks.
        raise UnreadableRequest('a chunked body needs a server that delimits it: send Content-Length')
    try:
        if chunked and not terminated:
            # The server undid the chunking and says how long the body is (as a test client does),
            # but Werkzeug ignores a length beside "chunked": read that many bytes ourselves.
            # (length is not None here: a chunked body without one was refused above)
            body = _read_at_most(LimitedStream(request.environ['wsgi.input'], cast(int, length)), limit)
        elif length is not None:
            # Read by Werkzeug, within the length (and from its cache when the application read it first).
            body = request.get_data(cache=True)
        else:
            body = _read_at_most(request.stream, limit)
    except RequestEntityTooLarge:  # the application's own MAX_CONTENT_LENGTH is lower than ours
        raise BodyTooLarge() from None
    except HTTPException:  # ClientDisconnected: the client went away mid-body
        raise UnreadableRequest('the body is shorter than its Content-Length') from None
    except (BodyTooLarge, MemoryError):
        raise  # ours (413); or the server's own trouble, not the request's (500: Clickatell retries)
    except Exception:
        # The server could not deliver the body: a reset connection, a chunk size that is not hex, data
        # longer than its chunk size. Each server says so with its own class (OSError from Werkzeug's
        # server and uWSGI, gunicorn's InvalidChunkSize and ChunkMissingTerminator, ValueError from
        # eventlet), so any Exception is one; BaseException-only ones (KeyboardInterrupt, SystemExit,
        # gevent's Timeout) are not about the request and pass.
        raise UnreadableRequest('the body was cut short or is malformed') from None
    if length is not None and len(body) < length:
        # Cut short, or parsed as a form before the receiver ran: what is left is not the body.
        raise UnreadableRequest('the body is shorter than its Content-Length')
    return body


def _read_at_most(stream: Union[IO[bytes], LimitedStream], limit: int) -> bytes:
    chunks: List[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_READ_SIZE, limit + 1 - size))
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise BodyTooLarge()
