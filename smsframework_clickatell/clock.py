"""The one "now" of the package: naive UTC, as smsframework's times are.

Receivers stamp a push that carries no time with it, and statuses read by query get it; tests replace
:func:`utcnow` to fix the clock.
"""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, naive UTC (without ``datetime.utcnow()``, which Python 3.12 deprecates)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
