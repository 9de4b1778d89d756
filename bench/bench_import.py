"""Serial import: 1,000,000 known serials from CSV through the product's import vs PostgreSQL's own COPY.

The product path is `serials_import` (what `manage.py import_serials` and the admin job run): read and
validate every line in Python, stream the good rows into a temporary table with COPY (psycopg 3), then one
INSERT ... ON CONFLICT into the indexed table. The floor is the server's own `COPY ... FROM 'file'` of the
same CSV into a table of the same shape with the same unique index. Size: BENCH_IMPORT_ROWS (1,000,000).
Database: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/aftersale_bench).
"""

from __future__ import annotations

import os
import time

from bench._common import run_child


def run():
    yield from run_child("bench_import")


def _write_csv(path: str, rows: int) -> None:
    with open(path, "w") as out:
        out.write("serial_number,sku,manufactured_on\n")
        chunk = []
        for i in range(rows):
            sku = "TP9-ELITE-SC" if i % 2 else "TP9-COMPACT"
            prefix = "SN-CA" if i % 2 else "SN-CB"
            chunk.append(f"{prefix}-{i:08d},{sku},2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n")
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    os.chmod(path, 0o644)  # the PostgreSQL server process reads it for the floor


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.db import connection

    from warranty_api.models import KnownSerial
    from warranty_api.services.serial_imports import serials_import

    rows = int(os.environ.get("BENCH_IMPORT_ROWS", 1_000_000))
    path = f"/tmp/aftersale-bench-serials-{rows}.csv"
    if not os.path.exists(path):
        _write_csv(path, rows)
    size_mb = os.path.getsize(path) / 1e6
    print(f"file: {rows:,} rows, {size_mb:.1f} MB ({path})")

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM warranty_api_knownserial WHERE tenant_id = %s", [tenant.id])
        cursor.execute("VACUUM ANALYZE warranty_api_knownserial")

    started = time.perf_counter()
    with open(path, "rb") as stream:
        result = serials_import(tenant=tenant, stream=stream)
    product_s = time.perf_counter() - started
    assert result.rows_created == rows, result
    print(f"import_serials  {product_s:6.2f} s  {rows / product_s:10,.0f} rows/s  "
          f"({result.rows_created:,} created, {result.rows_failed} refused)")

    started = time.perf_counter()
    with open(path, "rb") as stream:
        again = serials_import(tenant=tenant, stream=stream)
    again_s = time.perf_counter() - started
    print(f"re-import       {again_s:6.2f} s  {rows / again_s:10,.0f} rows/s  "
          f"({again.rows_unchanged:,} unchanged, {again.rows_created} created)")

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_floor")
        cursor.execute("CREATE TABLE bench_copy_floor (serial_number varchar(100), sku varchar(100), "
                       "manufactured_on date)")
        cursor.execute("CREATE UNIQUE INDEX bench_copy_floor_serial ON bench_copy_floor (serial_number)")
        started = time.perf_counter()
        cursor.execute(f"COPY bench_copy_floor FROM '{path}' WITH (FORMAT csv, HEADER true)")
        copy_s = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_floor")
    print(f"COPY (floor)    {copy_s:6.2f} s  {rows / copy_s:10,.0f} rows/s")
    print(f"ratio import/COPY rows per second: {copy_s / product_s:.2f} (goal >= 0.5)")

    # A second reference: the least the database itself needs to land these rows in the real table (server
    # COPY into a stage, then one INSERT ... SELECT with its indexes and foreign-key checks), no Python at all.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM warranty_api_knownserial WHERE tenant_id = %s", [tenant.id])
        cursor.execute("VACUUM ANALYZE warranty_api_knownserial")
        started = time.perf_counter()
        cursor.execute("CREATE TEMP TABLE bench_stage (serial_number varchar(100), sku varchar(100), manufactured_on date)")
        cursor.execute(f"COPY bench_stage FROM '{path}' WITH (FORMAT csv, HEADER true)")
        cursor.execute(
            "INSERT INTO warranty_api_knownserial (tenant_id, serial_number, product_id, manufactured_on) "
            "SELECT %s, s.serial_number, p.id, s.manufactured_on FROM bench_stage s "
            "JOIN warranty_api_product p ON p.tenant_id = %s AND p.sku = s.sku",
            [tenant.id, tenant.id],
        )
        sql_s = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_stage")
    print(f"COPY+INSERT into the real table (SQL only) {sql_s:6.2f} s  {rows / sql_s:10,.0f} rows/s; "
          f"import/that: {sql_s / product_s:.2f}")
    print(f"known serials of the tenant now: {KnownSerial.objects.filter(tenant=tenant).count():,}")


if __name__ == "__main__":
    main()
