from typing import Any, Dict, Optional, Tuple, TypeVar

from .OutgoingMessageOptions import OutgoingMessageOptions

_Self = TypeVar('_Self', bound='OutgoingMessage')

class OutgoingMessage:
    routing_values: Optional[Tuple[Any, ...]]
    msgid: Optional[str]
    # Provider-dependent.
    meta: Optional[Dict[str, Any]]
    src: Optional[str]
    dst: str
    body: str
    provider: Optional[str]
    provider_options: OutgoingMessageOptions
    provider_params: Dict[str, Any]
    def __init__(self, dst: str, body: str, src: Optional[str] = None, provider: Optional[str] = None) -> None: ...
    def options(self: _Self, **kwargs: Any) -> _Self: ...
    def params(self: _Self, **params: Any) -> _Self: ...
    def route(self: _Self, *args: Any) -> _Self: ...
