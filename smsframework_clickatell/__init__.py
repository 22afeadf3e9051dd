"""Clickatell provider for smsframework.

Receivers need Flask and defusedxml (``pip install 'smsframework-clickatell[receiver]'``); importing
this package does not import them.
"""
from .provider import ClickatellProvider
from .error import ClickatellProviderError
from .status import ClickatellMessageStatus
from .const import Features

__version__ = '1.0.0.dev0'

__all__ = ['ClickatellProvider', 'ClickatellProviderError', 'ClickatellMessageStatus', 'Features']
