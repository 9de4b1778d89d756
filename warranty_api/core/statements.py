"""Statements of the hot paths: a cursor that prepares them once per PostgreSQL connection.

Django sends every query as text with its values written in (client-side binding) and PostgreSQL plans it
again each time. The few statements that run on every registration (the tenant read and the serial lookup,
or both in one for an anonymous registration, then the registration's one write) have the same text on
every call; on PostgreSQL they go through `prepared_cursor`,
which binds values on the server and prepares each statement the first time a connection sends it, so
later calls skip PostgreSQL's parse and plan and Python's quoting of the values. The reads among them
(`prepared_read`) are also the health check of a reused connection, in place of Django's `SELECT 1`.

`DATABASE_PREPARED_STATEMENTS=false` turns this off, for a connection pooler that cannot keep a session's
prepared statements (PgBouncer before 1.21, or with `max_prepared_statements = 0`, in transaction mode).
"""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections


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


def prepared_read(connection, sql: str, params):
    """The first row (or None) of a read whose text is constant, through `prepared_cursor`.

    A read is safe to send twice, so it does not pay the health check of a reused connection first (Django's
    `SELECT 1` at the start of every request: a round trip, and on PostgreSQL about a tenth of a millisecond of
    server CPU, on the busiest endpoints). It runs at once; only when it fails on a connection that is dead (the
    database restarted, an idle connection was cut) does it reconnect and run again, which is what the health
    check would have done. Inside a transaction there is no health check to save, and no second try.
    """
    connection = connections[connection.alias]
    unchecked = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if unchecked:
        connection.health_check_done = True  # this read is the check
        try:
            return _fetch_one(connection, sql, params)
        except (OperationalError, InterfaceError):
            if connection.is_usable():
                raise  # the statement failed, not the connection
            connection.close()
    return _fetch_one(connection, sql, params)


def _fetch_one(connection, sql: str, params):
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def mark_saved(obj, connection):
    """Tell Django an instance written by raw SQL is stored (later saves UPDATE it)."""
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
