"""Bulk import of known serials from CSV: validate line by line, keep the good rows, upsert them in bulk.

On PostgreSQL the good rows stream into a temporary table with COPY (psycopg 3) and land with one
INSERT ... ON CONFLICT; elsewhere they go in batches. Re-importing a file changes nothing the second time.
"""

from __future__ import annotations

import csv
import datetime
import io
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
_NULL = "\\N"
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


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
           (SELECT count(*) FROM serial_import_stage)
    FROM upserted
"""


def _import_copy(tenant: Tenant, stream: BinaryIO, result: ImportResult, progress: Progress | None) -> None:
    table = KnownSerial._meta.db_table
    # No surrounding transaction: the job's progress, written as rows stream, must be visible to readers.
    # The final INSERT is one statement, so the upsert itself is all or nothing.
    rows = _rows(stream, tenant, result)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS serial_import_stage")
        cursor.execute(
            "CREATE TEMP TABLE serial_import_stage (line integer, serial_number varchar(100), "
            "product_id varchar(32), manufactured_on date)"
        )
        raw = cursor.cursor  # psycopg 3 cursor underneath Django's wrapper
        with raw.copy("COPY serial_import_stage (line, serial_number, product_id, manufactured_on) FROM STDIN") as copy:
            buffer = io.StringIO()
            for count, (line, serial, product_id, made) in enumerate(rows, start=1):
                made_text = made.isoformat() if made else _NULL
                buffer.write(f"{line}\t{serial.translate(_COPY_ESCAPE)}\t{product_id}\t{made_text}\n")
                if count % _BATCH == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
                if progress and count % _PROGRESS_EVERY == 0:
                    progress(result)
            copy.write(buffer.getvalue())
        # Most files name each serial once, so the upsert first runs without sorting the stage; a file that
        # repeats a serial makes ON CONFLICT refuse to touch a row twice, and then the later line wins.
        try:
            with transaction.atomic():
                cursor.execute(_UPSERT_SQL.format(table=table, source="serial_import_stage"), [tenant.id])
        except DatabaseError as exc:
            if not isinstance(exc.__cause__, psycopg_errors.CardinalityViolation):
                raise
            deduplicated = (
                "(SELECT DISTINCT ON (serial_number) * FROM serial_import_stage ORDER BY serial_number, line DESC)"
            )
            cursor.execute(_UPSERT_SQL.format(table=table, source=deduplicated), [tenant.id])
        created, updated, staged = cursor.fetchone()
        cursor.execute("DROP TABLE serial_import_stage")
    result.rows_created, result.rows_updated = created, updated
    result.rows_unchanged = staged - created - updated


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
