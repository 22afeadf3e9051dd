"""Message ids: the one rule for what an id Clickatell gives (or a client chose) may be.

Clickatell's ids are 32 hex digits (``apiMsgId``, ``moMsgId``), the newer APIs' may be UUIDs, and a
``cliMsgId`` is up to 32 letters and digits: letters, digits, ``-`` and ``_`` cover them all, and keep
out what could do harm in a log line, a header or a URL path (CR, LF, ``/``, ``%``...).
"""
import re

#: The longest id taken: twice the longest Clickatell writes.
MAX_LENGTH = 64

# One quantifier over one character class, on input of bounded length: linear time, no backtracking.
_ID = re.compile(r'[A-Za-z0-9_-]+\Z')


def is_message_id(text: str) -> bool:
    """Whether `text` is a message id: 1 to :data:`MAX_LENGTH` ASCII letters, digits, ``-`` and ``_``."""
    return 0 < len(text) <= MAX_LENGTH and _ID.match(text) is not None
