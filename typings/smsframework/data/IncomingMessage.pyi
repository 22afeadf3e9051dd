from datetime import datetime
from typing import Any, Dict, Optional

class IncomingMessage:
    provider: Optional[str]
    msgid: Optional[str]
    src: str
    body: str
    dst: Optional[str]
    rtime: datetime
    # Provider-dependent.
    meta: Dict[str, Any]
    def __init__(self, src: str, body: str, msgid: Optional[str] = None, dst: Optional[str] = None,
                 rtime: Optional[datetime] = None, meta: Optional[Dict[str, Any]] = None) -> None: ...
