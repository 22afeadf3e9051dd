"""Clickatell provider for smsframework.

Receivers need Flask and defusedxml (``pip install 'smsframework-clickatell[receiver]'``); importing
this package does not import them. The public names are imported on first use: the package is also
the parent of the pytest plugin (``smsframework_clickatell.simulator.pytest_plugin``), which every
pytest run of every project that installs it loads, so importing the package itself must cost nothing.
"""
import importlib
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports each on first use
    from .const import Features
    from .error import ClickatellProviderError
    from .provider import ClickatellProvider
    from .status import ClickatellMessageStatus

__version__ = '1.0.0.dev0'

#: Public name → the module that defines it.
_EXPORTS = {
    'ClickatellProvider': 'provider',
    'ClickatellProviderError': 'error',
    'ClickatellMessageStatus': 'status',
    'Features': 'const',
}

__all__ = ['ClickatellProvider', 'ClickatellProviderError', 'ClickatellMessageStatus', 'Features']


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, name))
    value = getattr(importlib.import_module('.' + module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
