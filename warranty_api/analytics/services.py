"""Rebuilding a brand's failure-rate cells: three INSERT ... SELECT statements in one transaction.

A failure rate joins every warranty to its known serial (manufactured month, import batch) and every claim to
its unit's first claim; at a million warranties that join takes seconds, so it runs here, on a schedule
(`ANALYTICS_REFRESH_MINUTES`), and the API sums the small cells it leaves (a few per product and purchase day).
"""

from __future__ import annotations

import datetime
import tempfile
import time

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from warranty_api.analytics import exports
from warranty_api.analytics.exports import TABLES
from warranty_api.analytics.models import (
    AnalyticsRefresh,
    ExportJob,
    FailureClaimCell,
    FailureKnownCell,
    FailureSummary,
    FailureUnitCell,
)
from warranty_api.catalog.models import KnownSerial
from warranty_api.claims.exports import claim_rows
from warranty_api.claims.models import Claim
from warranty_api.claims.selectors import ADMIN_SORTS, claim_queue
from warranty_api.core.csv_export import csv_lines
from warranty_api.core.queueing import task_enqueue_after_commit
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.exports import warranty_rows
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.selectors import admin_warranty_list


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _days(claimed_at: str, purchase_date: str) -> str:
    """Whole days from the purchase to the claim's (UTC) day."""
    if connection.vendor == "postgresql":
        return f"(({claimed_at} AT TIME ZONE 'UTC')::date - {purchase_date})"
    return f"CAST(julianday(date({claimed_at})) - julianday({purchase_date}) AS INTEGER)"


def _sql() -> tuple[str, str, str]:
    w, k, c = Warranty._meta.db_table, KnownSerial._meta.db_table, Claim._meta.db_table
    known_join = f"LEFT JOIN {k} ks ON ks.tenant_id = w.tenant_id AND ks.serial_number = w.serial_number"
    # Table names and fixed expressions only are formatted in; the tenant is a parameter.
    units = f"""
        INSERT INTO {FailureUnitCell._meta.db_table}
            (tenant_id, product_id, purchase_date, purchase_month, manufactured_month, import_batch, units)
        SELECT w.tenant_id, w.product_id, w.purchase_date, {_month("w.purchase_date")},
               COALESCE({_month("ks.manufactured_on")}, ''), COALESCE(ks.import_batch, ''), COUNT(*)
        FROM {w} w {known_join}
        WHERE w.tenant_id = %s AND w.status <> 'transferred'
        GROUP BY w.tenant_id, w.product_id, w.purchase_date, 5, 6
    """  # noqa: S608
    # A unit is its serial: a transferred warranty and its successor are one unit, so "first claim" is per serial.
    claims = f"""
        INSERT INTO {FailureClaimCell._meta.db_table}
            (tenant_id, product_id, purchase_date, purchase_month, manufactured_month, import_batch, issue_type,
             approved, days_to_claim, first_claims, first_of_type, claims)
        SELECT tenant_id, product_id, purchase_date, purchase_month, manufactured_month, import_batch, issue_type,
               approved, days_to_claim, SUM(CASE WHEN rn = 1 THEN 1 ELSE 0 END),
               SUM(CASE WHEN rt = 1 THEN 1 ELSE 0 END), COUNT(*)
        FROM (
            SELECT w.tenant_id, w.product_id, w.purchase_date, {_month("w.purchase_date")} AS purchase_month,
                   COALESCE({_month("ks.manufactured_on")}, '') AS manufactured_month,
                   COALESCE(ks.import_batch, '') AS import_batch, c.issue_type,
                   (c.status = 'approved' OR (c.status = 'resolved' AND c.resolution <> '')) AS approved,
                   {_days("c.created_at", "w.purchase_date")} AS days_to_claim,
                   ROW_NUMBER() OVER (PARTITION BY w.serial_number ORDER BY c.created_at, c.id) AS rn,
                   ROW_NUMBER() OVER (PARTITION BY w.serial_number, c.issue_type ORDER BY c.created_at, c.id) AS rt
            FROM {c} c JOIN {w} w ON w.id = c.warranty_id {known_join}
            WHERE c.tenant_id = %s
        ) one
        GROUP BY tenant_id, product_id, purchase_date, purchase_month, manufactured_month, import_batch, issue_type,
                 approved, days_to_claim
    """  # noqa: S608
    known = f"""
        INSERT INTO {FailureKnownCell._meta.db_table} (tenant_id, product_id, manufactured_month, import_batch, units)
        SELECT tenant_id, product_id, COALESCE({_month("manufactured_on")}, ''), import_batch, COUNT(*)
        FROM {k} WHERE tenant_id = %s
        GROUP BY tenant_id, product_id, 3, import_batch
    """  # noqa: S608
    return units, claims, known


def failure_cells_refresh(*, tenant: Tenant) -> AnalyticsRefresh:
    """Rebuild the tenant's cells from its warranties, claims and known serials; readers see the old cells until
    the commit (PostgreSQL), never a half-built set."""
    started = time.monotonic()
    units, claims, known = _sql()
    with transaction.atomic():
        # One refresh of a tenant at a time: the row lock queues a second one behind the first.
        now = timezone.now()
        AnalyticsRefresh.objects.get_or_create(tenant=tenant, defaults={"refreshed_at": now})
        refresh = AnalyticsRefresh.objects.select_for_update().get(tenant=tenant)
        for model in (FailureUnitCell, FailureClaimCell, FailureKnownCell, FailureSummary):
            model.objects.filter(tenant=tenant).delete()
        with connection.cursor() as cursor:
            for statement in (units, claims, known):
                cursor.execute(statement, [tenant.id])
        _summaries(tenant)
        refresh.refreshed_at = now
        refresh.seconds = round(time.monotonic() - started, 3)
        refresh.save()
    return refresh


def _summaries(tenant: Tenant) -> None:
    """Each dimension's table, for all claims and for each issue type, kept whole for the unfiltered answer."""
    # Import circle: analytics.selectors rebuilds a never-built brand's cells through this module.
    from warranty_api.analytics.selectors import DIMENSIONS, failure_rate_table

    summaries = []
    for by in DIMENSIONS:
        for issue_type in ["", *tenant.issue_type_codes]:
            rows = failure_rate_table(tenant=tenant, by=by, issue_types=[issue_type] if issue_type else None)
            summaries.append(FailureSummary(tenant=tenant, by=by, issue_type=issue_type, rows=rows))
    FailureSummary.objects.bulk_create(summaries)


def failure_cells_refresh_all() -> int:
    """The scheduled rebuild of every active brand's cells."""
    count = 0
    for tenant in Tenant.objects.filter(is_active=True).order_by("id"):
        failure_cells_refresh(tenant=tenant)
        count += 1
    return count


# --- export jobs -----------------------------------------------------------------------------------------


def export_job_create(*, tenant: Tenant, user, table: str, params: dict) -> ExportJob:
    """Queue a CSV export of `table` with the list's own filters; the params are checked now, so a bad filter is
    a 400 here rather than a failed job later."""
    if table not in TABLES:
        raise ValueError(table)
    _export_rows(tenant=tenant, user=user, table=table, params=params)  # validates; rows are lazy
    with transaction.atomic():
        job = ExportJob.objects.create(tenant=tenant, created_by=user, table=table, params=params)
        task_enqueue_after_commit("warranty_api.tasks.export_job_run", job.id, task_name=f"export {job.id}")
    return job


def _export_rows(*, tenant: Tenant, user, table: str, params: dict):
    from warranty_api.analytics.selectors import claim_cycle_times, failure_rates  # import circle, as in `_summaries`

    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = value
    if table == "warranties":
        qs, ordering = admin_warranty_list(tenant=tenant, params=query)
        return warranty_rows(qs.order_by(*ordering))
    if table == "claims":
        qs, _counts, ordering = claim_queue(tenant=tenant, params=query, user=user)
        return claim_rows(qs.order_by(*(ordering or ADMIN_SORTS["created_at"])))
    if table == "failure_rates":
        return exports.failure_rate_rows(failure_rates(tenant=tenant, params=query)[0])
    return exports.cycle_time_rows(claim_cycle_times(tenant=tenant, params=query)[0])


def export_job_run(job_id: str) -> str:
    """Write the job's CSV to storage; a job already taken or finished is left alone (a repeated task is harmless)."""
    taken = ExportJob.objects.filter(id=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now())
    if not taken:
        return "skipped"
    job = ExportJob.objects.select_related("tenant", "created_by").get(id=job_id)
    try:
        header, _ = exports.TABLES[job.table]
        rows = _export_rows(tenant=job.tenant, user=job.created_by, table=job.table, params=job.params)
        count = 0
        with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024, mode="w+b") as spool:
            for line in csv_lines(header, rows):
                spool.write(line.encode())
                count += 1
            spool.seek(0)
            job.file.save(f"{job.tenant_id}/{job.id}.csv", File(spool), save=False)
    except Exception as exc:  # the job records why, instead of retrying forever
        ExportJob.objects.filter(id=job.id).update(status=ExportJob.Status.FAILED, failure=str(exc)[:2000],
                                                   finished_at=timezone.now())
        raise
    ExportJob.objects.filter(id=job.id).update(status=ExportJob.Status.DONE, file=job.file.name, rows=max(0, count - 1),
                                               finished_at=timezone.now())
    return "done"


# A queued export whose task has not started within this is taken as lost (a broker outage, a restart).
EXPORT_TASK_LOST_AFTER = datetime.timedelta(minutes=5)
# django-q2's timeout of an export task (settings.Q_CLUSTER) bounds a live attempt; past it the worker is gone.
EXPORT_KEEP = datetime.timedelta(days=7)


def _export_attempt_limit() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(settings.Q_CLUSTER.get("timeout") or 3600) + 60)


def export_jobs_sweep() -> int:
    """Scheduled: queue again the exports whose task was lost, and those whose worker died mid-way (running past
    the task's time limit): the job rewrites its whole file, so running it again is safe."""
    now = timezone.now()
    S = ExportJob.Status
    lost = list(ExportJob.objects.filter(status=S.QUEUED, created_at__lt=now - EXPORT_TASK_LOST_AFTER)
                .values_list("id", flat=True))
    dead = ExportJob.objects.filter(status=S.RUNNING, started_at__lt=now - _export_attempt_limit())
    dead_ids = list(dead.values_list("id", flat=True))
    ExportJob.objects.filter(id__in=dead_ids, status=S.RUNNING).update(status=S.QUEUED, started_at=None)
    for job_id in [*lost, *dead_ids]:
        task_enqueue_after_commit("warranty_api.tasks.export_job_run", job_id, task_name=f"export {job_id}")
    return len(lost) + len(dead_ids)


def export_jobs_purge(*, older_than: datetime.timedelta = EXPORT_KEEP) -> int:
    """Scheduled: forget exports made more than a week ago, their files with them (a download is for now, and a
    file holds the brand's customers' data)."""
    count = 0
    for job in ExportJob.objects.filter(created_at__lt=timezone.now() - older_than):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
