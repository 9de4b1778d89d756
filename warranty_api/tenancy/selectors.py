"""The tenant of a request, read by its slug."""

from __future__ import annotations

import functools

from django.db import connection

from warranty_api.core.statements import prepared_read
from warranty_api.tenancy.models import Tenant


@functools.cache
def _columns_and_converters(vendor: str) -> tuple[list[str], list]:
    """The tenant table's quoted columns and each column's converters, on the database of `vendor`."""
    quote = connection.ops.quote_name
    columns, converters = [], []
    for field in Tenant._meta.concrete_fields:
        columns.append(quote(field.column))
        column = field.get_col(Tenant._meta.db_table)
        converters.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
    return columns, converters


def tenant_select_columns(alias: str) -> str:
    """The tenant row's columns for a SELECT, qualified by `alias`, in the order `tenant_from_row` reads."""
    return ", ".join(f"{alias}.{column}" for column in _columns_and_converters(connection.vendor)[0])


def tenant_from_row(row) -> Tenant:
    """The Tenant of a row selected with `tenant_select_columns`, through the ORM's own column converters
    (JSON columns, dates), into `Tenant.from_db`."""
    values = []
    for value, (column, found) in zip(row, _columns_and_converters(connection.vendor)[1], strict=True):
        for converter in found:
            value = converter(value, column, connection)
        values.append(value)
    return Tenant.from_db(connection.alias, [f.attname for f in Tenant._meta.concrete_fields], values)


@functools.cache
def _by_slug_sql(vendor: str) -> str:
    return (
        f"SELECT {tenant_select_columns('t')} FROM {connection.ops.quote_name(Tenant._meta.db_table)} t "  # noqa: S608
        "WHERE t.slug = %s AND t.is_active = %s ORDER BY t.id LIMIT 1"
    )


def active_tenant_by_slug(slug: str) -> Tenant | None:
    """`Tenant.objects.filter(slug=slug, is_active=True).first()`, without compiling the query each time.

    Every API request reads its tenant fresh (a change to a brand is seen by the next request); this is that
    read, its SQL built once per database vendor and prepared once per PostgreSQL connection.
    """
    row = prepared_read(connection, _by_slug_sql(connection.vendor), [slug, True])
    return None if row is None else tenant_from_row(row)
