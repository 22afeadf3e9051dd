"""Reading a request's body whole, within a bound, whatever its transfer encoding.

Werkzeug alone reads a chunked body as empty unless the WSGI server delimits it, reads a body with a
malformed Content-Length as empty, and bounds a chunked body only by the application's
``MAX_CONTENT_LENGTH``: each would hand the receiver a body other than the one sent. :func:`read_body`
refuses all of these instead.
"""
import re

from flask import request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.http import parse_set_header

from .receiver_formats import UnreadableRequest

_READ_SIZE = 16 * 1024
_DIGITS = re.compile(r'[0-9]+\Z')


class BodyTooLarge(Exception):
    """The body is larger than the bound."""


class LengthRequired(Exception):
    """The body is chunked and the WSGI server does not say where it ends."""


def read_body(limit):
    """The whole body of the current request, read with a bound.

    :param int limit: the most bytes to accept
    :rtype: bytes
    :raises BodyTooLarge: the body (by its Content-Length, or as read) is larger than `limit`
    :raises LengthRequired: the body is chunked and the server does not delimit it
    :raises UnreadableRequest: a malformed Content-Length, a Content-Encoding (a compressed body), a
        body shorter than its Content-Length, or one the server failed to deliver whole
    """
    chunked = 'chunked' in parse_set_header(request.headers.get('Transfer-Encoding'))  # as Werkzeug reads it
    declared = request.environ.get('CONTENT_LENGTH', '').strip()
    if declared and not chunked and not _DIGITS.match(declared):
        # Werkzeug would read such a body as empty: the hook would get a request cut short.
        raise UnreadableRequest('header Content-Length is not a number')
    if request.headers.get('Content-Encoding', 'identity').strip().lower() != 'identity':
        raise UnreadableRequest('Content-Encoding is not supported: send the body uncompressed')
    length = None if chunked or not declared else int(declared)
    if length is not None and length > limit:
        raise BodyTooLarge()
    if chunked and not request.environ.get('wsgi.input_terminated'):
        # Werkzeug gives an empty stream then, which would read as an empty body.
        raise LengthRequired()
    try:
        # A body with a Content-Length is read by Werkzeug, within it (and from its cache, when the
        # application read it first); any other is read here, within our bound.
        body = request.get_data(cache=True) if length is not None else _read_at_most(request.stream, limit)
    except RequestEntityTooLarge:  # the application's own MAX_CONTENT_LENGTH is lower than ours
        raise BodyTooLarge() from None
    except HTTPException:  # ClientDisconnected: the client went away mid-body
        raise UnreadableRequest('the body is shorter than its Content-Length') from None
    except OSError:  # the server's own stream failed mid-body (a broken chunk, a reset connection)
        raise UnreadableRequest('the body was cut short') from None
    if length is not None and len(body) < length:
        # Cut short, or parsed as a form before the receiver ran: what is left is not the body.
        raise UnreadableRequest('the body is shorter than its Content-Length')
    return body


def _read_at_most(stream, limit):
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(_READ_SIZE, limit + 1 - size))
        if not chunk:
            return b''.join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise BodyTooLarge()
