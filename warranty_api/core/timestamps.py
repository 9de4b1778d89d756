"""One way to write a moment in the API's answers and webhook bodies: ISO 8601, UTC written `Z`."""

from __future__ import annotations

import datetime


def iso_z(value: datetime.date | datetime.datetime | None) -> str | None:
    """`2026-01-31T09:00:00Z` for an aware datetime (`+00:00` written `Z`), `2026-01-31` for a date, None kept."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()
