"""The legacy API's wire client, under the import path of 0.0.x and 1.0 previews.

It lives in :mod:`smsframework_clickatell.clients.legacy`; the clients of the newer APIs are beside it.
"""
from .clients.legacy import (CREDENTIAL_PARAMS, DEFAULT_TIMEOUT, ClickatellHttpApi, error_from_fields,
                             match_recipients, parse_line)
from .clients.results import SendResult
from .transport import resolve_verify

__all__ = ['CREDENTIAL_PARAMS', 'DEFAULT_TIMEOUT', 'ClickatellHttpApi', 'SendResult', 'error_from_fields',
           'match_recipients', 'parse_line', 'resolve_verify']
