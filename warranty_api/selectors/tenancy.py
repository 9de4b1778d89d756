"""The tenant of a request, read by its slug."""

from __future__ import annotations

from django.db import connection

from ..models import Tenant
from ..services.statements import prepared_cursor


def _select_sql() -> tuple[str, list]:
    quote = connection.ops.quote_name
    fields = Tenant._meta.concrete_fields
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {quote(Tenant._meta.db_table)} WHERE slug = %s AND is_active = %s ORDER BY id LIMIT 1"  # noqa: S608 (model names only)
    converters = []
    for field in fields:
        column = field.get_col(Tenant._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, found))
    return sql, converters


_statements: dict[str, tuple[str, list]] = {}


def active_tenant_by_slug(slug: str) -> Tenant | None:
    """`Tenant.objects.filter(slug=slug, is_active=True).first()`, without compiling the query each time.

    Every API request reads its tenant fresh (a change to a brand is seen by the next request); this is that
    read, with its SQL and column converters prepared once per database vendor. Values go through the same
    converters as the ORM's (JSON columns, dates), into `Tenant.from_db`.
    """
    prepared = _statements.get(connection.vendor)
    if prepared is None:
        prepared = _statements[connection.vendor] = _select_sql()
    sql, converters = prepared
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, [slug, True])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (column, found) in zip(row, converters, strict=True):
        for converter in found:
            value = converter(value, column, connection)
        values.append(value)
    return Tenant.from_db(connection.alias, [f.attname for f in Tenant._meta.concrete_fields], values)
