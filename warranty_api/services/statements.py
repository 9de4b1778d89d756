"""Statements of the hot paths: a cursor that prepares them once per PostgreSQL connection.

Django sends every query as text with its values written in (client-side binding) and PostgreSQL plans it
again each time. The few statements that run on every registration (the tenant read and the serial lookup,
or both in one for an anonymous registration, then the registration's one write) have the same text on
every call; on PostgreSQL they go through `prepared_cursor`,
which binds values on the server and prepares each statement the first time a connection sends it, so
later calls skip PostgreSQL's parse and plan and Python's quoting of the values.

`DATABASE_PREPARED_STATEMENTS=false` turns this off, for a connection pooler that cannot keep a session's
prepared statements (PgBouncer before 1.21, or with `max_prepared_statements = 0`, in transaction mode).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections


def _preparing_cursor_class():
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """Server-side binding; each statement prepared on its first use on the connection."""

        logged = False  # Django logs this connection's queries (DEBUG, tests)

        def execute(self, query, params=None, *, prepare=True, binary=None):
            result = super().execute(query, params, prepare=prepare, binary=binary)
            if self.logged and self._query is None:
                # A prepared statement runs by name, so psycopg keeps no query text for Django's query log to
                # show (`last_executed_query`); give it the statement with its placeholders.
                self._query = self._convert_query(query, params)
            return result

    return PreparingCursor


_cursor_class = None


def prepared_cursor(connection):
    """A cursor for a statement whose text is the same on every call (only its values differ).

    On PostgreSQL (psycopg 3) it prepares the statement on the server; elsewhere, or with prepared statements
    turned off, it is Django's own cursor. Either way it is Django's cursor wrapper: queries are logged and
    counted as any other, and database errors are Django's.
    """
    global _cursor_class
    connection = connections[connection.alias]  # the wrapper itself, not `django.db.connection`'s proxy to it
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    if _cursor_class is None:
        _cursor_class = _preparing_cursor_class()
    # As Django's own `cursor()`: the health check of a reused connection, then connect if needed.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _cursor_class(connection.connection)
        raw.logged = connection.queries_logged
        # As Django's own `create_cursor`: the connection's time zone for the timestamps it reads.
        from django.db.backends.postgresql.base import TIMESTAMPTZ_OID
        from django.db.backends.postgresql.psycopg_any import register_tzloader
        from psycopg.pq import Format

        if connection.timezone != connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
            register_tzloader(connection.timezone, raw)
    return connection._prepare_cursor(raw)


def mark_saved(obj, connection):
    """Tell Django an instance written by raw SQL is stored (later saves UPDATE it)."""
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
