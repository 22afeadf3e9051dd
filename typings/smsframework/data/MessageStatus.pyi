from datetime import datetime
from typing import Any, Dict, Optional, Set

class MessageStatus:
    provider: Optional[str]
    accepted: Optional[bool]
    delivered: Optional[bool]
    expired: bool
    error: bool
    # Provider-dependent: each provider has its own codes and texts.
    status_code: object
    status: object
    meta: Dict[str, Any]
    msgid: str
    rtime: datetime
    def __init__(self, msgid: str, rtime: Optional[datetime] = None,
                 meta: Optional[Dict[str, Any]] = None) -> None: ...
    @property
    def states(self) -> Set[str]: ...

class MessageAccepted(MessageStatus): ...
class MessageDelivered(MessageAccepted): ...
class MessageExpired(MessageAccepted): ...
class MessageError(MessageStatus): ...
