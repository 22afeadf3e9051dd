"""Helpers to read what went over the wire."""
from urllib.parse import parse_qsl


def form(request):
    """The form fields of a recorded request, decoded as Clickatell decodes them (ISO-8859-1)."""
    body = request.body if isinstance(request.body, bytes) else request.body.encode('ascii')
    return dict(parse_qsl(body.decode('ascii'), keep_blank_values=True, encoding='iso-8859-1',
                          errors='strict'))


def without_credentials(fields):
    return {k: v for k, v in fields.items() if k not in ('api_id', 'user', 'password')}
