"""A Clickatell simulator: a real HTTP server on loopback that speaks Clickatell's legacy HTTP API,
the Platform API and One API, for tests and demos without an account.

``from smsframework_clickatell.simulator import ClickatellSimulator``. The names are imported on first
use, so that importing this package (as the pytest plugin does in every test run) costs nothing.
"""
import importlib
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports each on first use
    from .pusher import Push as Push
    from .pusher import PushFailed as PushFailed
    from .server import ClickatellSimulator as ClickatellSimulator
    from .state import SimulatedMessage as SimulatedMessage

_EXPORTS = {
    'ClickatellSimulator': 'server',
    'SimulatedMessage': 'state',
    'Push': 'pusher',
    'PushFailed': 'pusher',
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError('module {!r} has no attribute {!r}'.format(__name__, name))
    value = getattr(importlib.import_module('.' + module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(list(globals()) + __all__)
