"""Pre-aggregated counts behind the failure-rate table, and CSV export jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant


class PurchaseCell(models.Model):
    """What a unit cell and a claim cell are keyed by: a product, a day of purchase, a manufactured month and
    an import batch. Abstract: its fields are in each table, as they always were."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    product_id = models.CharField(max_length=32)
    purchase_date = models.DateField()
    purchase_month = models.CharField(max_length=7)
    manufactured_month = models.CharField(max_length=7, blank=True)
    import_batch = models.CharField(max_length=40, blank=True)

    class Meta:
        abstract = True


class FailureUnitCell(PurchaseCell):
    """Registered units of one product, bought on one day, of one manufactured month and import batch."""

    units = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "purchase_date"], name="failure_unit_cell_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.purchase_date}: {self.units}"


class FailureClaimCell(PurchaseCell):
    """Claims of one cell of units, by issue type, decision and days from purchase."""

    issue_type = models.CharField(max_length=50)
    approved = models.BooleanField()
    days_to_claim = models.IntegerField()
    # Of these claims, how many were their unit's first claim, and its first of this issue type.
    first_claims = models.PositiveIntegerField()
    first_of_type = models.PositiveIntegerField()
    claims = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "purchase_date"], name="failure_claim_cell_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.purchase_date} {self.issue_type}: {self.claims}"


class FailureKnownCell(models.Model):
    """Known (shipped) serials of one product, manufactured month and import batch."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    product_id = models.CharField(max_length=32)
    manufactured_month = models.CharField(max_length=7, blank=True)
    import_batch = models.CharField(max_length=40, blank=True)
    units = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["tenant"], name="failure_known_cell_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.manufactured_month}: {self.units}"


class FailureSummary(models.Model):
    """The whole failure-rate table of one dimension (and one issue type, or all), as computed at the rebuild:
    the answer without a purchase window is one row read."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    by = models.CharField(max_length=24)
    issue_type = models.CharField(max_length=50, blank=True)
    rows = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "by", "issue_type"], name="failure_summary_unique")]

    def __str__(self) -> str:
        return f"{self.by} {self.issue_type or 'all'}"


class AnalyticsRefresh(models.Model):
    """When a tenant's cells were last rebuilt: the freshness every failure-rate answer states."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+", primary_key=True)
    refreshed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"tenant {self.tenant_id} at {self.refreshed_at}"


class ExportJob(TimeStamped):
    """A CSV export too big to stream in one request: written by a worker, downloaded when done."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = PublicIdField(prefix="exp_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    table = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", max_length=300, blank=True)
    failure = models.TextField(blank=True)
    # When a worker took it: a job still running long after (its worker died) is given to another by the sweep.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.table} export {self.id} ({self.status})"
