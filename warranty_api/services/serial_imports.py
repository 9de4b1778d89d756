"""Bulk import of known serials from CSV: validate line by line, keep the good rows, upsert them in bulk.

On PostgreSQL the good rows stream into a temporary table with COPY (psycopg 3) and land with one
INSERT ... ON CONFLICT; elsewhere they go in batches. Re-importing a file changes nothing the second time.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import errors as psycopg_errors

from ..models import KnownSerial, Product, SerialImportJob, Tenant, User, normalize_serial

HEADER = ("serial_number", "sku", "manufactured_on")
_BATCH = 2000
_PROGRESS_EVERY = 50_000


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_created: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_failed: int = 0
    bytes_read: int = 0
    errors: list[dict] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.rows_failed += 1
        if len(self.errors) < SerialImportJob.MAX_ERRORS:
            self.errors.append({"line": line, "message": message})


Progress = Callable[[ImportResult], None]


class _CountingLines:
    """Decoded lines of a binary file, counting the bytes consumed so progress can be a percentage."""

    def __init__(self, stream: BinaryIO, result: ImportResult):
        self.stream, self.result = stream, result

    def __iter__(self) -> Iterator[str]:
        first = True
        for raw in self.stream:
            self.result.bytes_read += len(raw)
            if first:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
                first = False
            yield raw.decode("utf-8", errors="replace")


def _rows(stream: BinaryIO, tenant: Tenant, result: ImportResult) -> Iterator[tuple[int, str, str, datetime.date | None]]:
    """Valid rows as (line, serial, product id, manufactured_on); bad ones go to `result.errors`."""
    # Read eagerly: on PostgreSQL the rows are consumed while the connection is busy with COPY.
    products = dict(Product.objects.filter(tenant=tenant).values_list("sku", "id"))
    formats = [re.compile(p, re.IGNORECASE) for p in tenant.serial_formats]
    return _valid_rows(stream, products, formats, result)


def _valid_rows(stream: BinaryIO, products: dict, formats: list, result: ImportResult):
    reader = csv.reader(_CountingLines(stream, result))
    for row in reader:
        line = reader.line_num
        if line == 1 and row and row[0].strip().lower() == HEADER[0]:
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        result.rows_total += 1
        if len(row) < 2 or len(row) > 3:
            result.error(line, "expected 2 or 3 columns: serial_number,sku[,manufactured_on]")
            continue
        serial = normalize_serial(row[0])
        if not serial:
            result.error(line, "serial_number is empty")
            continue
        if len(serial) > 100:
            result.error(line, "serial_number is longer than 100 characters")
            continue
        if formats and not any(f.fullmatch(serial) for f in formats):
            result.error(line, f"serial_number {serial!r} does not match the brand's serial formats")
            continue
        product_id = products.get(row[1].strip())
        if product_id is None:
            result.error(line, f"sku {row[1].strip()!r} is not a product of this brand")
            continue
        made = None
        if len(row) == 3 and row[2].strip():
            try:
                made = datetime.date.fromisoformat(row[2].strip())
            except ValueError:
                result.error(line, f"manufactured_on {row[2].strip()!r} is not a date YYYY-MM-DD")
                continue
        yield line, serial, product_id, made


def serials_import(
    *, tenant: Tenant, stream: BinaryIO, progress: Progress | None = None, use_copy: bool | None = None
) -> ImportResult:
    """Import one CSV (`serial_number,sku[,manufactured_on]`, header optional) into the tenant's known serials."""
    result = ImportResult()
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if use_copy:
        _import_copy(tenant, stream, result, progress)
    else:
        _import_batched(tenant, stream, result, progress)
    if progress:
        progress(result)
    return result


_UPSERT_SQL = """
    WITH upserted AS (
        INSERT INTO {table} AS known (tenant_id, serial_number, product_id, manufactured_on)
        SELECT %s, serial_number, product_id, manufactured_on FROM {source} AS stage
        ON CONFLICT (tenant_id, serial_number) DO UPDATE
            SET product_id = EXCLUDED.product_id, manufactured_on = EXCLUDED.manufactured_on
            WHERE (known.product_id, known.manufactured_on) IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.manufactured_on)
        RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
           (SELECT count(*) FROM serial_import_rows WHERE error IS NULL)
    FROM upserted
"""


def _import_copy(tenant: Tenant, stream: BinaryIO, result: ImportResult, progress: Progress | None) -> None:
    """PostgreSQL: COPY the file's raw lines into a temporary table; parse, validate and upsert in set SQL.

    Python only moves bytes (and splits the rare line holding a quote with the csv module, so quoting means
    what it means on the other path); every per-row step runs in the database. Line numbers are physical
    lines of the file, as on the batched path. No surrounding transaction: the job's progress, written as
    the file streams, must be visible to readers; the final INSERT is one statement, so the upsert itself is
    all or nothing.
    """
    with connection.cursor() as cursor:
        for name in _TEMP_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        # The identity numbers the lines in file order: COPY inserts them in the order it reads them.
        cursor.execute("CREATE TEMP TABLE serial_import_raw (line bigint GENERATED ALWAYS AS IDENTITY, raw text)")
        _copy_raw_lines(cursor.cursor, stream, result, progress)
        _split_quoted_lines(cursor)
        formats = "^(?:" + "|".join(f"(?:{p})" for p in tenant.serial_formats) + ")$" if tenant.serial_formats else None
        cursor.execute(_VALIDATE_SQL, {"tenant": tenant.id, "formats": formats})
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE error IS NOT NULL) FROM serial_import_rows")
        result.rows_total, result.rows_failed = cursor.fetchone()
        cursor.execute(
            "SELECT line, error FROM serial_import_rows WHERE error IS NOT NULL ORDER BY line LIMIT %s",
            [SerialImportJob.MAX_ERRORS],
        )
        result.errors = [{"line": line, "message": message} for line, message in cursor.fetchall()]
        good = "(SELECT line, serial_number, product_id, manufactured_on FROM serial_import_rows WHERE error IS NULL)"
        table = KnownSerial._meta.db_table
        # Most files name each serial once, so the upsert first runs without sorting; a file that repeats a
        # serial makes ON CONFLICT refuse to touch a row twice, and then the later line wins.
        try:
            with transaction.atomic():
                cursor.execute(_UPSERT_SQL.format(table=table, source=good), [tenant.id])
        except DatabaseError as exc:
            if not isinstance(exc.__cause__, psycopg_errors.CardinalityViolation):
                raise
            deduplicated = f"(SELECT DISTINCT ON (serial_number) * FROM {good} AS g ORDER BY serial_number, line DESC)"  # noqa: S608
            cursor.execute(_UPSERT_SQL.format(table=table, source=deduplicated), [tenant.id])
        created, updated, staged = cursor.fetchone()
        for name in _TEMP_TABLES:
            cursor.execute(f"DROP TABLE {name}")
    result.rows_created, result.rows_updated = created, updated
    result.rows_unchanged = staged - created - updated


_TEMP_TABLES = ("serial_import_raw", "serial_import_quoted", "serial_import_rows")
_CHUNK = 1 << 20
# One column per physical line: CSV mode with a delimiter and quote the text cannot contain (they are
# replaced below), so COPY keeps each line verbatim and an empty line arrives as NULL.
_RAW_COPY_SQL = "COPY serial_import_raw (raw) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"


def _copy_raw_lines(raw_cursor, stream: BinaryIO, result: ImportResult, progress: Progress | None) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    carry = ""
    first = True
    reported = 0
    with raw_cursor.copy(_RAW_COPY_SQL) as copy:
        while True:
            chunk = stream.read(_CHUNK)
            final = not chunk
            if first and chunk:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
                first = False
            result.bytes_read += len(chunk)
            text = carry + decoder.decode(chunk, final=final)
            carry = ""
            if text.endswith("\r") and not final:
                text, carry = text[:-1], "\r"  # its \n may start the next chunk
            # Lines end at \n, as on the batched path; a CR is dropped (the strip of each field would drop it),
            # and characters PostgreSQL text cannot hold, or that COPY would read as structure, become U+FFFD.
            text = (
                text.replace("\r", "").replace("\x00", "\ufffd").replace("\x01", "\ufffd").replace("\x02", "\ufffd")
            )
            if text:
                copy.write(text)
                result.rows_total += text.count("\n")  # a running estimate for the progress bar
            if progress and result.rows_total - reported >= _PROGRESS_EVERY:
                reported = result.rows_total
                progress(result)
            if final:
                break


def _split_quoted_lines(cursor) -> None:
    """Lines with a double quote are split by the csv module (they are rare); the rest split on commas in SQL."""
    cursor.execute("CREATE TEMP TABLE serial_import_quoted (line bigint PRIMARY KEY, fields text[])")
    cursor.execute("SELECT line, raw FROM serial_import_raw WHERE strpos(raw, '\"') > 0")
    quoted = cursor.fetchall()
    if not quoted:
        return
    with cursor.cursor.copy("COPY serial_import_quoted (line, fields) FROM STDIN") as copy:
        for line, raw in quoted:
            copy.write_row((line, next(csv.reader([raw]), [])))


# Whitespace trimmed as str.strip() does; the header is skipped on line 1 only, as on the batched path. Each
# inner step is a subquery kept apart by OFFSET 0, so a line is split and trimmed once, not once per use of
# a field (inlined, the planner recomputed them; MATERIALIZED CTEs cost more, writing tuplestores). The
# formats are one anchored alternation; PostgreSQL's regular expressions read the tenant's simple patterns
# (classes, counts, alternation) as Python's do.
_VALIDATE_SQL = r"""
    CREATE TEMP TABLE serial_import_rows AS
    SELECT line, serial AS serial_number, product_id,
           CASE WHEN made_ok AND made <> '' THEN made::date END AS manufactured_on,
           CASE WHEN n < 2 OR n > 3 THEN 'expected 2 or 3 columns: serial_number,sku[,manufactured_on]'
                WHEN serial = '' THEN 'serial_number is empty'
                WHEN length(serial) > 100 THEN 'serial_number is longer than 100 characters'
                WHEN NOT format_ok THEN 'serial_number ''' || serial || ''' does not match the brand''s serial formats'
                WHEN product_id IS NULL THEN 'sku ''' || sku || ''' is not a product of this brand'
                WHEN NOT made_ok THEN 'manufactured_on ''' || made || ''' is not a date YYYY-MM-DD'
           END AS error
    FROM (
        SELECT c.*, p.id AS product_id,
               CASE WHEN c.made IS NULL OR c.made = '' THEN true
                    WHEN c.made !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN false
                    WHEN substr(c.made, 1, 4)::int < 1 OR substr(c.made, 6, 2)::int NOT BETWEEN 1 AND 12 THEN false
                    ELSE substr(c.made, 9, 2)::int BETWEEN 1 AND extract(day FROM make_date(
                        substr(c.made, 1, 4)::int, substr(c.made, 6, 2)::int, 1) + interval '1 month - 1 day')::int
               END AS made_ok,
               %(formats)s::text IS NULL OR c.serial ~* %(formats)s::text AS format_ok
        FROM (
            SELECT line, cardinality(f) AS n,
                   upper(btrim(f[1], E' \t\n\r\f\v')) AS serial, btrim(f[2], E' \t\n\r\f\v') AS sku,
                   btrim(f[3], E' \t\n\r\f\v') AS made
            FROM (
                SELECT r.line, coalesce(q.fields, string_to_array(r.raw, ',')) AS f
                FROM serial_import_raw r LEFT JOIN serial_import_quoted q ON q.line = r.line
                WHERE r.raw IS NOT NULL OFFSET 0
            ) AS split
            WHERE NOT (cardinality(f) = 0 OR (cardinality(f) = 1 AND btrim(f[1], E' \t\n\r\f\v') = ''))
              AND NOT (line = 1 AND lower(btrim(f[1], E' \t\n\r\f\v')) = 'serial_number')
            OFFSET 0
        ) AS c LEFT JOIN warranty_api_product p ON p.tenant_id = %(tenant)s AND p.sku = c.sku
    ) AS checked
"""


def _import_batched(tenant: Tenant, stream: BinaryIO, result: ImportResult, progress: Progress | None) -> None:
    batch: dict[str, tuple[str, datetime.date | None]] = {}
    rows = _rows(stream, tenant, result)
    for count, (_line, serial, product_id, made) in enumerate(rows, start=1):
        if serial in batch:
            result.rows_unchanged += 1  # a repeat inside the batch: the later line wins
        batch[serial] = (product_id, made)
        if len(batch) >= _BATCH:
            _flush(tenant, batch, result)
            batch = {}
        if progress and count % _PROGRESS_EVERY == 0:
            progress(result)
    if batch:
        _flush(tenant, batch, result)


@transaction.atomic
def _flush(tenant: Tenant, batch: dict, result: ImportResult) -> None:
    existing = {
        serial: (product_id, made)
        for serial, product_id, made in KnownSerial.objects.filter(
            tenant=tenant, serial_number__in=list(batch)
        ).values_list("serial_number", "product_id", "manufactured_on")
    }
    rows = []
    for serial, values in batch.items():
        before = existing.get(serial)
        if before == values:
            result.rows_unchanged += 1
            continue
        if before is None:
            result.rows_created += 1
        else:
            result.rows_updated += 1
        rows.append(KnownSerial(tenant=tenant, serial_number=serial, product_id=values[0], manufactured_on=values[1]))
    KnownSerial.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["tenant", "serial_number"],
        update_fields=["product", "manufactured_on"],
        batch_size=500,
    )


# --- jobs -----------------------------------------------------------------------------------------------


def serial_import_job_create(*, tenant: Tenant, user: User | None, upload: File) -> SerialImportJob:
    """Store the uploaded CSV and queue its import; the job reports progress and bad lines."""
    from django_q.tasks import async_task

    with transaction.atomic():
        job = SerialImportJob(tenant=tenant, created_by=user, original_name=upload.name[:255], size=upload.size or 0)
        job.file.save("upload.csv", upload, save=False)
        job.save()
        transaction.on_commit(lambda: async_task("warranty_api.tasks.serial_import_run", job.id))
    return job


def serial_import_job_run(job_id: str) -> SerialImportJob | None:
    """Run a queued job; a job already running or finished is left alone, so a retried task is harmless."""
    with transaction.atomic():
        job = SerialImportJob.objects.select_for_update().filter(id=job_id).first()
        if job is None or job.status != SerialImportJob.Status.QUEUED:
            return job
        job.status = SerialImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])

    last = [0.0]

    def report(result: ImportResult) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0:
            return
        last[0] = now
        SerialImportJob.objects.filter(id=job.id).update(rows_total=result.rows_total, bytes_read=result.bytes_read)

    try:
        with job.file.open("rb") as stream:
            result = serials_import(tenant=job.tenant, stream=stream, progress=report)
    except Exception as exc:  # the job records the failure instead of retrying a broken file forever
        SerialImportJob.objects.filter(id=job.id).update(
            status=SerialImportJob.Status.FAILED, failure=f"{exc.__class__.__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    SerialImportJob.objects.filter(id=job.id).update(
        status=SerialImportJob.Status.DONE,
        rows_total=result.rows_total,
        rows_created=result.rows_created,
        rows_updated=result.rows_updated,
        rows_unchanged=result.rows_unchanged,
        rows_failed=result.rows_failed,
        bytes_read=result.bytes_read,
        errors=result.errors,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
