"""Serial import: 1,000,000 known serials from CSV through the product's import vs PostgreSQL's own COPY.

The product path is `serials_import` (what `manage.py import_serials` and the admin job run): read and
validate every line in Python while the good rows stream into PostgreSQL with COPY (psycopg 3), straight
into the known-serials table on a brand's first load, through a stage and one INSERT ... ON CONFLICT when
the brand already has serials. Measured: the first load, a re-import of the same file (all unchanged), and a
second file of 1,000,000 new serials into the tenant that now has the first million (the stage path).
Two floors, same run: (1) the server's own `COPY ... FROM 'file'` of the same CSV into a bare table of the
same shape with a unique index; (2) the server's COPY of the same rows, already resolved, straight into the
real known-serials table (its key and its reference check).
Size: BENCH_IMPORT_ROWS (1,000,000).
Database: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/aftersale_bench).
"""

from __future__ import annotations

import os
import time

from bench._common import run_child


def run():
    yield from run_child("bench_import")


def _write_csv(path: str, rows: int, first: int = 0) -> None:
    with open(path, "w") as out:
        out.write("serial_number,sku,manufactured_on\n")
        chunk = []
        for i in range(first, first + rows):
            sku = "TP9-ELITE-SC" if i % 2 else "TP9-COMPACT"
            prefix = "SN-CA" if i % 2 else "SN-CB"
            chunk.append(f"{prefix}-{i:08d},{sku},2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n")
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    os.chmod(path, 0o644)  # the PostgreSQL server process reads it for the floor


def _write_resolved_csv(source: str, target: str, tenant_id: int, product_ids: dict[str, str]) -> None:
    """The same rows as the import file, as the import stores them: tenant, serial, product id, date."""
    with open(source) as src, open(target, "w") as out:
        next(src)
        chunk = []
        for line in src:
            serial, sku, made = line.rstrip("\n").split(",")
            chunk.append(f"{tenant_id},{serial.strip().upper()},{product_ids[sku]},{made}\n")
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    os.chmod(target, 0o644)


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.db import connection

    from warranty_api.catalog.imports.services import serials_import
    from warranty_api.models import KnownSerial

    rows = int(os.environ.get("BENCH_IMPORT_ROWS", 1_000_000))
    path = f"/tmp/aftersale-bench-serials-{rows}.csv"
    if not os.path.exists(path):
        _write_csv(path, rows)
    size_mb = os.path.getsize(path) / 1e6
    print(f"file: {rows:,} rows, {size_mb:.1f} MB ({path})")

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM warranty_api_knownserial WHERE tenant_id = %s", [tenant.id])
        cursor.execute("VACUUM (FULL, ANALYZE) warranty_api_knownserial")  # same empty start for both

    def timed_import(csv_path: str):
        started = time.perf_counter()
        with open(csv_path, "rb") as stream:
            outcome = serials_import(tenant=tenant, stream=stream)
        return outcome, time.perf_counter() - started

    result, product_s = timed_import(path)
    assert result.rows_created == rows, result
    print(f"import_serials  {product_s:6.2f} s  {rows / product_s:10,.0f} rows/s  "
          f"({result.rows_created:,} created, {result.rows_failed} refused)")

    again, again_s = timed_import(path)
    print(f"re-import       {again_s:6.2f} s  {rows / again_s:10,.0f} rows/s  "
          f"({again.rows_unchanged:,} unchanged, {again.rows_created} created)")

    more = f"/tmp/aftersale-bench-serials-{rows}-more.csv"
    if not os.path.exists(more):
        _write_csv(more, rows, first=rows)
    added, added_s = timed_import(more)
    assert added.rows_created == rows, added
    print(f"second file     {added_s:6.2f} s  {rows / added_s:10,.0f} rows/s  "
          f"({added.rows_created:,} new serials into a tenant that has {rows:,}: the stage path)")

    # Floor 1: PostgreSQL's own COPY of the same file into a bare table of the same shape (unique index on the
    # serial), no foreign keys, no validation. The database's cheapest way to take these bytes in.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cursor.execute("CREATE TABLE bench_copy_floor (serial_number varchar(100), sku varchar(100), "
                       "manufactured_on date)")
        cursor.execute("CREATE UNIQUE INDEX bench_copy_floor_serial ON bench_copy_floor (serial_number)")
        started = time.perf_counter()
        cursor.execute(f"COPY bench_copy_floor FROM '{path}' WITH (FORMAT csv, HEADER true)")
        copy_s = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_floor")

    # Floor 2: PostgreSQL's COPY of the same rows, already clean and resolved (tenant id, normalised serial,
    # product id, date), straight into the real known-serials table with its key and reference check: the
    # database's own cost of landing these rows where the import lands them, with no parsing or checks.
    clean = f"/tmp/aftersale-bench-serials-{rows}-resolved-{tenant.id}.csv"
    product_ids = dict(tenant.products.values_list("sku", "id"))
    _write_resolved_csv(path, clean, tenant.id, product_ids)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM warranty_api_knownserial WHERE tenant_id = %s", [tenant.id])
        cursor.execute("VACUUM (FULL, ANALYZE) warranty_api_knownserial")  # same empty start for both
        started = time.perf_counter()
        cursor.execute(f"COPY warranty_api_knownserial (tenant_id, serial_number, product_id, manufactured_on) "
                       f"FROM '{clean}' WITH (FORMAT csv)")
        real_s = time.perf_counter() - started

    print(f"floor 1: COPY into a bare table     {copy_s:6.2f} s  {rows / copy_s:10,.0f} rows/s  "
          "(same file, unique index only)")
    print(f"floor 2: COPY into known serials    {real_s:6.2f} s  {rows / real_s:10,.0f} rows/s  "
          "(same rows pre-resolved, the real table: its key and reference check)")
    print(f"ratio import/floor 1 (rows per second): {copy_s / product_s:.2f} (goal >= 0.5)")
    print(f"ratio import/floor 2 (rows per second): {real_s / product_s:.2f}")
    print(f"known serials of the tenant now: {KnownSerial.objects.filter(tenant=tenant).count():,}")


if __name__ == "__main__":
    main()
