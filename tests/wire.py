"""Helpers to read what went over the wire."""
from urllib.parse import parse_qsl


def form_fields(body):
    """The fields of a url-encoded form body (bytes or text), decoded as Clickatell decodes them
    (ISO-8859-1)."""
    text = body.decode('ascii') if isinstance(body, bytes) else body
    return dict(parse_qsl(text, keep_blank_values=True, encoding='iso-8859-1', errors='strict'))


def form(request):
    """The form fields of a request that `responses` recorded (see :func:`form_fields`)."""
    return form_fields(request.body)


def without_credentials(fields):
    return {k: v for k, v in fields.items() if k not in ('api_id', 'user', 'password')}
