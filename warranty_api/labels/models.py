"""Models of scan to register: one row per scan of a code, and label-sheet jobs (an outbox row each)."""

from django.conf import settings
from django.db import models

from warranty_api.catalog.models import Product
from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant


class ScanEvent(models.Model):
    """A code was opened. Append-only: a scan is one INSERT, never an UPDATE of a per-product counter row,
    so scans of one busy product never wait on each other; the funnel counts rows."""

    class Kind(models.TextChoices):
        SERIAL = "serial", "Serial code"
        PRODUCT = "product", "Product code"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Null for a unit code whose serial the brand does not know (yet): still counted, under no product.
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    serial_number = models.CharField(max_length=100, blank=True, help_text="Normalised; empty for a product code.")
    # True when the code followed GS1 Digital Link syntax (/01/<GTIN>/21/<serial>).
    gs1 = models.BooleanField(default=False)
    scanned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "scanned_at"], name="scan_tenant_time_idx")]

    def __str__(self) -> str:
        return f"{self.kind} scan {self.serial_number or self.product_id}"


def label_upload_to(instance: "LabelSheetJob", filename: str) -> str:
    return f"labels/{instance.tenant_id}/{instance.id}/{filename}"


class LabelSheetJob(TimeStamped):
    """A printable PDF of QR labels, made on a worker. The row is its outbox record (lease, attempts), so a
    task the broker lost or a worker that died is picked up again by the sweep."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    MAX_SERIALS = 100_000

    id = PublicIdField(prefix="lbl_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Either the serials were sent (stored as a file, one per line) or every known serial of one product.
    serials_file = models.FileField(upload_to=label_upload_to, max_length=300, blank=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    layout = models.CharField(max_length=16, default="L7159")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    pdf = models.FileField(upload_to=label_upload_to, max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="labeljob_due_idx")]

    def __str__(self) -> str:
        return f"Label sheet {self.id} ({self.status})"
