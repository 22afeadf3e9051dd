from typing import Optional

class OutgoingMessageOptions:
    allow_reply: bool
    status_report: bool
    expires: Optional[int]
    senderId: Optional[str]
    escalate: bool
