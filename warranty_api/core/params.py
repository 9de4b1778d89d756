"""Query-string parsing shared by the list selectors: a bad value is a 400 field error, never a 500."""

from __future__ import annotations

import datetime
import re

from warranty_api.core.exceptions import ApiMessage, ValidationFailed

_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "false", "no"}
# Dates a person could mean; beyond these, date arithmetic on a filter (the day after, midnight UTC) overflows.
_FIRST_DAY, _LAST_DAY = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text) -> datetime.date:
    """A date written exactly `YYYY-MM-DD` in ASCII digits (API.md), or ValueError.

    `date.fromisoformat` alone also takes `20261101` and week dates (`2026-W44-1`), and Django's `parse_date`
    (behind DRF's DateField) digits of any script (Arabic-Indic); every date the API reads comes through here.
    """
    if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
        raise ValueError("not a date YYYY-MM-DD")
    return datetime.date.fromisoformat(text)


def query_choices(params, name: str, allowed) -> list[str] | None:
    """A comma-separated list of values from `allowed`; None when the parameter is absent."""
    raw = params.get(name)
    if not raw:
        return None
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationFailed.field(
            name, "invalid_choice", ApiMessage("Unknown %(name)s %(value)s; choose from: %(choices)s.", name=name, value=repr(bad[0]), choices=", ".join(allowed))
        )
    return values


def query_date(params, name: str) -> datetime.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        day = iso_date(raw)
    except ValueError:
        raise ValidationFailed.field(name, "invalid", ApiMessage("%(name)s must be a date, YYYY-MM-DD.", name=name)) from None
    if not _FIRST_DAY <= day <= _LAST_DAY:
        raise ValidationFailed.field(name, "out_of_range", ApiMessage("%(name)s must be a date from %(first)s to %(last)s.", name=name, first=_FIRST_DAY, last=_LAST_DAY))
    return day


def query_bool(params, name: str) -> bool | None:
    raw = (params.get(name) or "").lower()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValidationFailed.field(name, "invalid", ApiMessage("%(name)s must be true or false.", name=name))
