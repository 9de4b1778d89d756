"""The registration's hand-written SQL writes every column of the tables it inserts into.

Its statements list their columns by hand (the PostgreSQL one-statement path, and the customer upsert that
SQLite runs too). A field added to one of those models and not to the statement would be left to its database
default: a new non-null column breaks registration on PostgreSQL only, where no SQLite run would notice. These
checks read the models, not a database, so they fail on either.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import models
from django_q.models import OrmQ

from warranty_api.models import Customer, Notification, Warranty, WarrantyEvent
from warranty_api.warranties import services

_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)", re.S)


def _inserts(sql: str) -> dict[str, list[str]]:
    """Each table an INSERT of `sql` writes, with its listed columns in order."""
    return {table: [c.strip() for c in columns.split(",")] for table, columns in _INSERT.findall(sql)}


def _columns_to_write(model) -> set[str]:
    """The model's stored columns, less a primary key the database numbers itself."""
    return {
        f.column for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    }


def _left_to_null(model, column: str) -> bool:
    """A column the statement may leave out: nullable with no default, so the database's NULL is what the ORM
    would have written."""
    field = next(f for f in model._meta.concrete_fields if f.column == column)
    return field.null and not field.has_default() and not field.has_db_default()


def _model_of(table: str):
    return next(m for m in apps.get_models() if m._meta.db_table == table)


STATEMENTS = {
    "one statement with its task row": services._ONE_STATEMENT[True],
    "one statement": services._ONE_STATEMENT[False],
    "customer record": services._CUSTOMER_RECORD_SQL,
}


def test_the_statements_insert_into_the_five_tables():
    written = _inserts(services._ONE_STATEMENT[True])
    assert set(written) == {m._meta.db_table for m in (Customer, Warranty, WarrantyEvent, Notification, OrmQ)}
    assert set(_inserts(services._ONE_STATEMENT[False])) == set(written) - {OrmQ._meta.db_table}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_every_column_of_every_inserted_table_is_written(name):
    for table, listed in _inserts(STATEMENTS[name]).items():
        model = _model_of(table)
        assert len(listed) == len(set(listed)), f"{table}: a column is listed twice"
        missing = {c for c in _columns_to_write(model) - set(listed) if not _left_to_null(model, c)}
        unknown = set(listed) - _columns_to_write(model)
        assert not missing, (
            f"{model.__name__} has columns the registration's statement ({name}) does not write: "
            f"{sorted(missing)}; add them to its column list and parameters in warranties/services.py"
        )
        assert not unknown, f"{name} writes columns {table} no longer has: {sorted(unknown)}"


def test_every_placeholder_of_the_statement_is_a_column_value_or_a_shared_one():
    # Each VALUES list has one entry per listed column (the ORM's shape), so a column added to the list
    # without its value fails here rather than as a PostgreSQL syntax error.
    sql = services._ONE_STATEMENT[True]
    for table, columns, values in re.findall(r"INSERT INTO (\w+) \(([^)]*)\)\s*VALUES \((.*?)\)\)?(?:,\n|\s*$| SELECT)",
                                             sql, re.S):
        entries = re.findall(r"%\(\w+\)s|\(SELECT id FROM c\)|\bFALSE\b", values)
        assert len(entries) == len(columns.split(",")), table


def test_the_check_notices_a_column_left_out():
    # The check itself: the warranty statement with one column dropped from its list is caught.
    sql = services._ONE_STATEMENT[True].replace(" void_reason,", "", 1)
    listed = _inserts(sql)[Warranty._meta.db_table]
    assert _columns_to_write(Warranty) - set(listed) == {"void_reason"}
    assert not _left_to_null(Warranty, "void_reason")
    # A nullable column with no default may be left to the database: the customer record's account link.
    assert _left_to_null(Customer, "account_id")
