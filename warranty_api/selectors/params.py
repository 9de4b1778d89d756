"""Query-string parsing shared by the list selectors: a bad value is a 400 field error, never a 500."""

from __future__ import annotations

import datetime

from ..exceptions import ValidationFailed

_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


def query_choices(params, name: str, allowed) -> list[str] | None:
    """A comma-separated list of values from `allowed`; None when the parameter is absent."""
    raw = params.get(name)
    if not raw:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationFailed.field(
            name, "invalid_choice", f"Unknown {name} {bad[0]!r}; choose from: {', '.join(allowed)}."
        )
    return values


def query_date(params, name: str) -> datetime.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.field(name, "invalid", f"{name} must be a date, YYYY-MM-DD.") from None


def query_bool(params, name: str) -> bool | None:
    raw = (params.get(name) or "").lower()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValidationFailed.field(name, "invalid", f"{name} must be true or false.")
