"""Bulk-loading bench data with COPY: every concrete column of a model, its default where a row gives none."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_ESCAPE)
    return str(value).translate(_ESCAPE)


def copy_rows(model, rows: Iterable[dict], now: datetime.datetime) -> int:
    """COPY `rows` (field name -> value; `<fk>_id` for references) into the model's table; answers the count."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type() == "AutoField")
              and f.get_internal_type() != "BigAutoField"]
    defaults = {}
    for f in fields:
        if f.has_default():
            defaults[f.attname] = f.get_default()
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = ""
    names = [f.attname for f in fields]
    columns = ", ".join(f.column for f in fields)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        buffer = []
        for row in rows:
            values = {**defaults, **row}
            buffer.append("\t".join(_text(values[name]) for name in names) + "\n")
            count += 1
            if len(buffer) == 5000:
                copy.write("".join(buffer))
                buffer = []
        copy.write("".join(buffer))
    return count
