"""SQL for model rows that must go in one statement with others (a chain of data-modifying CTEs).

Django's `save()` sends one INSERT per row; a hot path that writes several rows can instead build each
INSERT here, with the values Django's own INSERT would send, and join them in one statement.
"""

from __future__ import annotations


def _sql_literal(value) -> str | None:
    """SQL for a value that is the same in every row of its kind (None, '', booleans, integers), else None.

    Written into the statement rather than sent as a parameter, so the statement keeps under psycopg's limit
    of parameters for a query whose parsing it caches (50); nothing here can carry a caller's text.
    """
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "TRUE" if value else "FALSE"
    if type(value) is int:
        return str(value)
    if type(value) is str and value == "":
        return "''"
    return None


_INSERT_FIELDS: dict[type, tuple[list, str, str]] = {}


def insert_sql(obj, connection, *, expressions: dict[str, str] | None = None) -> tuple[str, list]:
    """`INSERT INTO <table> (...) VALUES (...)` of an unsaved model instance, with the values Django's own
    INSERT would send (defaults, auto_now, each field's database preparation); an auto-increment primary key
    left empty is the database's. `expressions` gives SQL for some columns instead (by attname)."""
    meta = obj._meta
    cached = _INSERT_FIELDS.get(type(obj))
    if cached is None or cached[2] != connection.vendor:
        fields = [f for f in meta.local_concrete_fields if not f.generated]
        cached = _INSERT_FIELDS[type(obj)] = (fields, connection.ops.quote_name(meta.db_table), connection.vendor)
    fields, table, _vendor = cached
    quote = connection.ops.quote_name
    columns, marks, params = [], [], []
    for field in fields:
        if field is meta.auto_field and getattr(obj, field.attname) is None:
            continue
        columns.append(quote(field.column))
        if expressions and field.attname in expressions:
            marks.append(expressions[field.attname])
            continue
        value = field.get_db_prep_save(field.pre_save(obj, True), connection)
        if hasattr(value, "resolve_expression"):  # a database default: nothing on this path uses one
            raise ValueError(f"{meta.label}.{field.name}: an expression cannot be written here")
        literal = _sql_literal(value)
        if literal is None:
            marks.append("%s")
            params.append(value)
        else:
            marks.append(literal)
    # Table and column names come from the model; values are parameters or the constants above.
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marks)})", params  # noqa: S608


def mark_saved(obj, connection):
    """Tell Django an instance written by `insert_sql` is stored (later saves UPDATE it)."""
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
