"""Writes of scan to register: counting a scan, resolving where a code lands, and label-sheet jobs."""

from __future__ import annotations

import datetime
import logging
import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from warranty_api.accounts.models import User
from warranty_api.catalog.models import KnownSerial, Product, normalize_serial
from warranty_api.catalog.serials import matches_whole
from warranty_api.core.exceptions import NotFound, ValidationFailed
from warranty_api.core.outbox import Outbox, outbox_lease
from warranty_api.labels.codes import serial_code_url
from warranty_api.labels.models import LabelSheetJob, ScanEvent
from warranty_api.labels.pdf import DEFAULT_LAYOUT, LAYOUTS, write_label_sheet
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty

logger = logging.getLogger(__name__)
J = LabelSheetJob.Status

# The job renews its lease after every page, so the lease only has to outlast one page (at most 65 codes,
# well under a second) or the storage write of the finished PDF: LABEL_SHEET_STEP_SECONDS.
OUTBOX = Outbox(
    LabelSheetJob, waiting=J.QUEUED, working=J.RUNNING, failed=J.FAILED, kind="label sheet",
    longest_attempt=lambda: float(settings.AFTERSALE_LABEL_SHEET_STEP_SECONDS),
)

# Labels a worker makes per second, at the least, on a slow shared core (bench_labels measures ~150-300):
# the task's time limit is sized from it so a large sheet is not cut off by django-q2's default timeout.
_SLOWEST_LABELS_PER_SECOND = 40


# ------------------------------------------------------------------------------------------- scans


@dataclass(frozen=True)
class Landing:
    """Where an opened code takes its reader."""

    kind: str  # "register", "registered"
    product: Product | None
    serial: str


def _product_for_serial(tenant: Tenant, number: str) -> Product | None:
    known = KnownSerial.objects.filter(tenant=tenant, serial_number=number).select_related("product").first()
    if known is not None:
        return known.product
    candidates = [
        p for p in Product.objects.filter(tenant=tenant, is_active=True).exclude(serial_pattern="")
        if matches_whole(p.serial_pattern, number)
    ]
    return candidates[0] if len(candidates) == 1 else None


def scan_serial(*, tenant: Tenant, serial: str, gtin: str = "", count: bool = True) -> Landing:
    """A unit's code was opened: count it (one INSERT) and say where it lands.

    A registered unit lands on its page (the same label serves for life); any other on the registration with
    the serial filled in. With a GTIN (a GS1 Digital Link) the GTIN must be one of the brand's products.
    """
    number = normalize_serial(serial)[:100]
    if not number:
        raise NotFound()
    gtin_product = None
    if gtin:
        gtin_product = Product.objects.filter(tenant=tenant, gtin=gtin).first()
        if gtin_product is None:
            raise NotFound()
    product = _product_for_serial(tenant, number) or gtin_product
    warranty = (
        Warranty.objects.filter(tenant=tenant, serial_number=number).exclude(status=Warranty.Status.TRANSFERRED)
        .select_related("product").first()
    )
    if warranty is not None:
        product = warranty.product
    if count:
        ScanEvent.objects.create(tenant=tenant, product=product, kind=ScanEvent.Kind.SERIAL, serial_number=number,
                                 gs1=bool(gtin))
    return Landing("registered" if warranty is not None else "register", product, number)


def scan_product(*, tenant: Tenant, product_id: str = "", gtin: str = "", count: bool = True) -> Landing:
    """A product's code (packaging of a whole line) was opened: count it and land on the registration."""
    rows = Product.objects.filter(tenant=tenant, is_active=True)
    product = (rows.filter(gtin=gtin) if gtin else rows.filter(id=product_id)).first() if (gtin or product_id) else None
    if product is None:
        raise NotFound()
    if count:
        ScanEvent.objects.create(tenant=tenant, product=product, kind=ScanEvent.Kind.PRODUCT, gs1=bool(gtin))
    return Landing("register", product, "")


# ------------------------------------------------------------------------------------------- label sheets


def _clean_serials(raw) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed.field("serials", "invalid", "Send a non-empty list of serial numbers.")
    if len(raw) > LabelSheetJob.MAX_SERIALS:
        raise ValidationFailed.field("serials", "too_many", f"At most {LabelSheetJob.MAX_SERIALS:,} serials per sheet.")
    out = []
    for i, value in enumerate(raw):
        number = normalize_serial(value) if isinstance(value, str) else ""
        if not number or len(number) > 100 or "\n" in number or "\r" in number or "\x00" in number:
            raise ValidationFailed.field(f"serials[{i}]", "invalid", "A serial is 1 to 100 characters on one line.")
        out.append(number)
    return out


def label_job_create(*, tenant: Tenant, user: User | None, data: dict) -> LabelSheetJob:
    """Queue a label sheet of the serials sent, or of every known serial of one product (`sku`)."""
    if not isinstance(data, dict):
        raise ValidationFailed.field("non_field_errors", "invalid", "Send a JSON object.")
    unknown = sorted(set(data) - {"serials", "sku", "known_serials", "layout"})
    if unknown:
        raise ValidationFailed(fields={k: [{"code": "unknown_field", "message": f"{k} is not a field here."}]
                                       for k in unknown})
    layout = data.get("layout", DEFAULT_LAYOUT)
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValidationFailed.field("layout", "invalid_choice", f"Use one of: {', '.join(LAYOUTS)}.")
    serials, product = None, None
    if "serials" in data:
        if "sku" in data or "known_serials" in data:
            raise ValidationFailed.field("serials", "invalid", "Send either `serials` or `sku` with `known_serials`.")
        serials = _clean_serials(data["serials"])
    elif "sku" in data:
        sku = data["sku"]
        if data.get("known_serials") is not True:
            raise ValidationFailed.field("known_serials", "required", "Send `known_serials: true` with `sku`.")
        if not isinstance(sku, str) or not sku.strip():
            raise ValidationFailed.field("sku", "invalid", "Send the product's SKU.")
        product = Product.objects.filter(tenant=tenant, sku=sku.strip()).first()
        if product is None:
            raise ValidationFailed.field("sku", "not_found", "No product of this brand has that SKU.")
    else:
        raise ValidationFailed.field("serials", "required", "Send `serials`, or `sku` with `known_serials: true`.")

    with transaction.atomic():
        job = LabelSheetJob(tenant=tenant, created_by=user, product=product, layout=layout)
        if serials is not None:
            job.total = len(serials)
            job.serials_file.save("serials.txt", ContentFile("\n".join(serials).encode()), save=False)
        else:
            job.total = KnownSerial.objects.filter(tenant=tenant, product=product).count()
        job.save()
        _enqueue_on_commit(job)
    return job


def _task_timeout(total: int) -> int:
    return max(int(settings.Q_CLUSTER.get("timeout", 60)), math.ceil(total / _SLOWEST_LABELS_PER_SECOND) + 60)


def _enqueue_on_commit(job: LabelSheetJob) -> None:
    job_id, timeout = job.id, _task_timeout(job.total)

    def enqueue() -> None:
        try:
            async_task("warranty_api.labels.tasks.label_sheet_render", job_id, task_name=f"labels:{job_id}",
                       timeout=timeout)
        except Exception:  # the broker is down: the row stays queued and the sweep sends it later
            logger.warning("Could not enqueue label sheet %s; the sweep will retry", job_id)

    transaction.on_commit(enqueue)


def _job_serials(job: LabelSheetJob) -> Iterator[str]:
    if job.product_id:
        rows = (KnownSerial.objects.filter(tenant_id=job.tenant_id, product_id=job.product_id)
                .order_by("serial_number").values_list("serial_number", flat=True))
        yield from rows.iterator(chunk_size=2000)
        return
    with job.serials_file.open("rb") as stream:
        for line in stream:
            number = line.decode().strip()
            if number:
                yield number


def _labels(job: LabelSheetJob, tenant: Tenant) -> Iterator[tuple[str, str]]:
    """(url, caption) per serial; a serial of a product with a GTIN gets its GS1 Digital Link."""
    gtins = dict(Product.objects.filter(tenant=tenant).exclude(gtin="").values_list("id", "gtin"))
    fixed_gtin = gtins.get(job.product_id, "") if job.product_id else None
    batch: list[str] = []

    def flush(batch: list[str]):
        if fixed_gtin is not None or not gtins:
            for number in batch:
                yield serial_code_url(tenant.slug, number, fixed_gtin or ""), number
            return
        products = dict(KnownSerial.objects.filter(tenant=tenant, serial_number__in=batch)
                        .values_list("serial_number", "product_id"))
        for number in batch:
            yield serial_code_url(tenant.slug, number, gtins.get(products.get(number), "")), number

    for number in _job_serials(job):
        batch.append(number)
        if len(batch) == 500:
            yield from flush(batch)
            batch = []
    yield from flush(batch)


def label_job_render(job_id: str) -> str:
    """The task's body: render the sheet. Safe to run twice: only the worker that claims the row renders it."""
    if not OUTBOX.claim(job_id):
        return "skipped"
    job = LabelSheetJob.objects.select_related("tenant").get(id=job_id)
    LabelSheetJob.objects.filter(id=job_id).update(done=0)

    def progress(done: int) -> None:
        # Each page moves the count and the lease on: a long sheet is not handed to a second worker meanwhile.
        LabelSheetJob.objects.filter(id=job_id, status=J.RUNNING).update(
            done=done, lease_until=timezone.now() + outbox_lease()
        )

    try:
        # Written page by page to a file on disk, then streamed to the storage in chunks (S3: a multipart
        # upload), so neither the PDF nor the list of serials is ever held in memory whole.
        with tempfile.TemporaryFile(prefix="labels-") as out:
            count = write_label_sheet(out, _labels(job, job.tenant), LAYOUTS.get(job.layout, LAYOUTS[DEFAULT_LAYOUT]),
                                      progress=progress, title=f"{job.tenant.name} QR labels")
            out.seek(0)
            progress(count)  # the storage write starts with a whole lease ahead of it
            name = job.pdf.field.generate_filename(job, f"labels-{job.id}.pdf")
            stored = job.pdf.storage.save(name, File(out, name=name))
    except Exception as exc:
        exhausted = OUTBOX.retry_later(job_id, attempts=job.attempts, max_attempts=job.max_attempts,
                                       error=f"{exc.__class__.__name__}: {exc}")
        logger.exception("Label sheet %s failed%s", job_id, " for good" if exhausted else "; it will be retried")
        return "failed" if exhausted else "retry"
    LabelSheetJob.objects.filter(id=job_id).update(
        status=J.DONE, pdf=stored, done=count, total=count, lease_until=None, last_error="",
        finished_at=timezone.now(),
    )
    return "done"


def label_jobs_sweep() -> int:
    """Scheduled: enqueue label sheets whose task was lost or whose worker died (their lease ran out)."""
    due = OUTBOX.due()
    for job_id in due:
        total = LabelSheetJob.objects.filter(id=job_id).values_list("total", flat=True).first() or 0
        async_task("warranty_api.labels.tasks.label_sheet_render", job_id, task_name=f"labels:{job_id}",
                   timeout=_task_timeout(total))
    return len(due)


def label_job_purge(*, older_than: datetime.timedelta = datetime.timedelta(days=30)) -> int:
    """Forget finished sheets after a month: their PDFs and inputs go from the storage too."""
    count = 0
    for job in LabelSheetJob.objects.filter(created_at__lt=timezone.now() - older_than):
        for field in (job.pdf, job.serials_file):
            if field:
                field.delete(save=False)
        job.delete()
        count += 1
    return count
