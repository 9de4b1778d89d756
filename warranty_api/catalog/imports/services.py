"""Bulk import of known serials from CSV: validate line by line, keep the good rows, store them in bulk.

On PostgreSQL the good rows stream with COPY (psycopg 3) while the file is still being read, in one
transaction: straight into the table on a brand's first load, through a temporary stage and one
INSERT ... ON CONFLICT after that. Elsewhere (SQLite) they go in batches. Re-importing a file changes
nothing the second time.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.files.base import File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.catalog.imports.models import SerialImportJob
from warranty_api.catalog.models import KnownSerial, Product, normalize_serial
from warranty_api.core.params import iso_date
from warranty_api.core.queueing import task_enqueue_after_commit
from warranty_api.tenancy.models import Tenant

HEADER = ("serial_number", "sku", "manufactured_on")
_BATCH = 2000
_PROGRESS_EVERY = 50_000
_NULL = "\\N"
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search
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


class _CountingReader(io.RawIOBase):
    """The upload's bytes, counted as they are read, so progress can be a percentage."""

    def __init__(self, stream: BinaryIO, result: ImportResult):
        self.stream, self.result = stream, result

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        self.result.bytes_read += len(data)
        buffer[: len(data)] = data
        return len(data)


def _rows(stream: BinaryIO, tenant: Tenant, result: ImportResult) -> Iterator[tuple[int, str, str, str | None]]:
    """Valid rows as (line, serial, product id, manufactured_on as YYYY-MM-DD); bad ones go to `result.errors`."""
    # Read eagerly: on PostgreSQL the rows are consumed while the connection is busy with COPY.
    products = dict(Product.objects.filter(tenant=tenant).values_list("sku", "id"))
    formats = [re.compile(p, re.IGNORECASE) for p in tenant.serial_formats]
    return _valid_rows(stream, products, formats, result)


def _valid_rows(stream: BinaryIO, products: dict, formats: list, result: ImportResult):
    # This loop runs once per line of files with millions of lines: checks are inlined on purpose.
    text = io.TextIOWrapper(
        io.BufferedReader(_CountingReader(stream, result), buffer_size=1 << 20),
        encoding="utf-8-sig", errors="replace", newline="",
    )
    reader = csv.reader(text)
    # One alternation matches exactly when one of the formats matches the whole serial.
    matches = re.compile("|".join(f"(?:{f.pattern})" for f in formats), re.IGNORECASE).fullmatch if formats else None
    from_iso, normalize = iso_date, normalize_serial
    dates: dict[str, str] = {}
    for row in reader:
        if reader.line_num == 1 and row and row[0].strip().lower() == HEADER[0]:
            continue
        width = len(row)
        if width == 3:
            raw_serial, sku, made_text = row
        elif width == 2:
            (raw_serial, sku), made_text = row, ""
        else:
            if width == 0 or (width == 1 and not row[0].strip()):
                continue
            result.rows_total += 1
            result.error(reader.line_num, "expected 2 or 3 columns: serial_number,sku[,manufactured_on]")
            continue
        result.rows_total += 1
        serial = normalize(raw_serial)
        if not serial:
            result.error(reader.line_num, "serial_number is empty")
            continue
        if len(serial) > 100:
            result.error(reader.line_num, "serial_number is longer than 100 characters")
            continue
        if not serial.isprintable():
            # Without serial formats any text passes them; NUL cannot be stored, and no serial has a control key.
            result.error(reader.line_num, f"serial_number {serial!r} has a control character")
            continue
        if matches is not None and matches(serial) is None:
            result.error(reader.line_num, f"serial_number {serial!r} does not match the brand's serial formats")
            continue
        product_id = products.get(sku) or products.get(sku.strip())
        if product_id is None:
            result.error(reader.line_num, f"sku {sku.strip()!r} is not a product of this brand")
            continue
        made = None
        if made_text:
            made = dates.get(made_text)  # a file repeats a few dates a million times
            if made is None:
                stripped = made_text.strip()
                if stripped:
                    try:
                        made = dates[made_text] = from_iso(stripped).isoformat()
                    except ValueError:
                        result.error(reader.line_num, f"manufactured_on {stripped!r} is not a date YYYY-MM-DD")
                        continue
        yield reader.line_num, serial, product_id, made


def serials_import(
    *, tenant: Tenant, stream: BinaryIO, progress: Progress | None = None, use_copy: bool | None = None,
    batch: str = "",
) -> ImportResult:
    """Import one CSV (`serial_number,sku[,manufactured_on]`, header optional) into the tenant's known serials.

    `batch` names the import (a job's id): a serial keeps the batch of the import that first stored it."""
    result = ImportResult()
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if use_copy:
        _import_copy(tenant, stream, result, progress, batch)
    else:
        _import_batched(tenant, stream, result, progress, batch)
    if progress:
        progress(result)
    return result


# The stage lands in two plain statements rather than one INSERT ... ON CONFLICT, whose speculative
# insertion costs PostgreSQL about twice as much per row. Writers of a tenant's serials take turns
# (known_serials_lock), so nothing adds a serial between the two.
_UPDATE_SQL = """
    WITH changed AS (
        UPDATE {table} AS known
        SET product_id = stage.product_id, manufactured_on = stage.manufactured_on
        FROM {source} AS stage
        WHERE known.tenant_id = %s AND known.serial_number = stage.serial_number
          AND (known.product_id, known.manufactured_on) IS DISTINCT FROM (stage.product_id, stage.manufactured_on)
        RETURNING stage.first_seen_here
    )
    SELECT count(*) FILTER (WHERE NOT first_seen_here) FROM changed
"""
_INSERT_SQL = """
    INSERT INTO {table} (tenant_id, serial_number, product_id, manufactured_on, import_batch)
    SELECT %s, stage.serial_number, stage.product_id, stage.manufactured_on, %s FROM {source} AS stage
    WHERE NOT EXISTS (
        SELECT 1 FROM {table} AS known WHERE known.tenant_id = %s AND known.serial_number = stage.serial_number
    )
"""
# A file that names a serial twice: its last line wins. Rewriting a row this import stored itself from an
# earlier line (first_seen_here) is not an update of the tenant's data; the batched path counts the same way.
_LATEST_SQL = """
    CREATE TEMP TABLE serial_import_latest ON COMMIT DROP AS
    SELECT DISTINCT ON (serial_number) * FROM serial_import_stage ORDER BY serial_number, line DESC
"""


_STAGE_COPY = "COPY serial_import_stage (line, serial_number, product_id, manufactured_on, first_seen_here) FROM STDIN"
_LOCK_NAMESPACE = 0x5E71A1


def known_serials_lock(tenant: Tenant) -> None:
    """Writers of a tenant's known serials take turns until their transaction ends (PostgreSQL only).

    An import decides from what is stored (a first load copies without conflict handling; the stage lands
    in two statements), and that must stay true while its rows stream in.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, tenant.id])


def _import_copy(tenant: Tenant, stream: BinaryIO, result: ImportResult, progress: Progress | None, batch: str) -> None:
    """Stream the rows into PostgreSQL with COPY while the file is still being read, in one transaction.

    Python validates on one core while PostgreSQL stores on the other. A brand's first load (no serial of
    the tenant stored yet) copies straight into the table, the fastest way in; a later file may name stored
    serials, so its rows stream into a temporary stage and land with an UPDATE and an INSERT. A serial the
    file names twice takes the stage too, and its last line wins. The import lands entirely or not at all.
    """
    table = KnownSerial._meta.db_table
    rows = _rows(stream, tenant, result)
    named_here: set[int] = set()
    revisit = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+")  # noqa: SIM115 (closed below)
    direct = 0
    repeats = False
    with revisit, transaction.atomic(), connection.cursor() as cursor:
        known_serials_lock(tenant)
        # The stage's joins hash the tenant's serials; in memory rather than in batches spilled to disk.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        first_load = not KnownSerial.objects.filter(tenant=tenant).exists()
        cursor.execute("DROP TABLE IF EXISTS serial_import_stage")
        cursor.execute(
            "CREATE TEMP TABLE serial_import_stage (line integer, serial_number varchar(100), "
            "product_id varchar(32), manufactured_on date, first_seen_here boolean) ON COMMIT DROP"
        )
        raw = cursor.cursor  # psycopg 3 cursor underneath Django's wrapper
        if first_load:
            target = f"COPY {table} (tenant_id, serial_number, product_id, manufactured_on, import_batch) FROM STDIN"
            prefix = f"{tenant.id}\t"
            suffix = f"\t{batch.translate(_COPY_ESCAPE)}\n"
        else:
            target = _STAGE_COPY
        with raw.copy(target) as copy:
            buffer: list[str] = []
            for count, (line, serial, product_id, made) in enumerate(rows, start=1):
                if progress and count % _PROGRESS_EVERY == 0:
                    progress(result)
                key = hash(serial)  # a collision only sends a new serial through the stage, never loses one
                seen = key in named_here
                if seen:
                    repeats = True
                else:
                    named_here.add(key)
                if _NEEDS_ESCAPE(serial):
                    serial = serial.translate(_COPY_ESCAPE)
                if not first_load:
                    buffer.append(f"{line}\t{serial}\t{product_id}\t{made or _NULL}\tf\n")
                elif seen:
                    # The COPY stored this serial from an earlier line; rewriting it is not an "update".
                    revisit.write(f"{line}\t{serial}\t{product_id}\t{made or _NULL}\tt\n")
                    continue
                else:
                    direct += 1
                    buffer.append(f"{prefix}{serial}\t{product_id}\t{made or _NULL}{suffix}")
                if len(buffer) == _BATCH:
                    copy.write("".join(buffer))
                    buffer = []
            copy.write("".join(buffer))
        staged = not first_load and result.rows_total > result.rows_failed
        if first_load and revisit.tell():
            revisit.seek(0)
            with raw.copy(_STAGE_COPY) as copy:
                while chunk := revisit.read(1024 * 1024):
                    copy.write(chunk)
            staged = True
        created = updated = 0
        if staged:
            source = "serial_import_stage"
            if repeats:
                cursor.execute(_LATEST_SQL)
                source = "serial_import_latest"
            cursor.execute(f"ANALYZE {source}")  # temporary tables get no statistics unless asked
            cursor.execute(_UPDATE_SQL.format(table=table, source=source), [tenant.id])
            (updated,) = cursor.fetchone()
            cursor.execute(_INSERT_SQL.format(table=table, source=source), [tenant.id, batch, tenant.id])
            created = cursor.rowcount
    valid = result.rows_total - result.rows_failed
    result.rows_created = direct + created
    result.rows_updated = updated
    result.rows_unchanged = valid - result.rows_created - result.rows_updated


def _import_batched(tenant: Tenant, stream: BinaryIO, result: ImportResult, progress: Progress | None,
                    batch_name: str = "") -> None:
    batch: dict[str, tuple[str, datetime.date | None]] = {}
    rows = _rows(stream, tenant, result)
    for count, (_line, serial, product_id, made) in enumerate(rows, start=1):
        if serial in batch:
            result.rows_unchanged += 1  # a repeat inside the batch: the later line wins
        batch[serial] = (product_id, datetime.date.fromisoformat(made) if made else None)
        if len(batch) >= _BATCH:
            _flush(tenant, batch, result, batch_name)
            batch = {}
        if progress and count % _PROGRESS_EVERY == 0:
            progress(result)
    if batch:
        _flush(tenant, batch, result, batch_name)


@transaction.atomic
def _flush(tenant: Tenant, batch: dict, result: ImportResult, batch_name: str = "") -> None:
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
        rows.append(KnownSerial(tenant=tenant, serial_number=serial, product_id=values[0], manufactured_on=values[1],
                                import_batch=batch_name))
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
    with transaction.atomic():
        job = SerialImportJob(tenant=tenant, created_by=user, original_name=upload.name[:255], size=upload.size or 0)
        job.file.save("upload.csv", upload, save=False)
        job.save()
        # Guarded: a broker that is down leaves the committed job queued instead of answering 500.
        task_enqueue_after_commit("warranty_api.tasks.serial_import_run", job.id, task_name=f"serial import {job.id}")
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

    # On PostgreSQL the import is one transaction whose connection is busy streaming COPY: progress goes
    # through a connection of its own, committed at once, so whoever polls the job sees it move.
    side = connections.create_connection(DEFAULT_DB_ALIAS) if connection.vendor == "postgresql" else connection
    last = [0.0]

    def report(result: ImportResult) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0:
            return
        last[0] = now
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {SerialImportJob._meta.db_table} SET rows_total = %s, bytes_read = %s WHERE id = %s",  # noqa: S608
                [result.rows_total, result.bytes_read, job.id],
            )

    try:
        with job.file.open("rb") as stream:
            result = serials_import(tenant=job.tenant, stream=stream, progress=report, batch=job.id)
    except Exception as exc:  # the job records the failure instead of retrying a broken file forever
        SerialImportJob.objects.filter(id=job.id).update(
            status=SerialImportJob.Status.FAILED, failure=f"{exc.__class__.__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        if side is not connection:
            side.close()
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
