"""Warranties: one registration of one serial, its term, its owner, and its audit trail."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from warranty_api.accounts.customers import Customer
from warranty_api.catalog.models import Product
from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.media.models import Media
from warranty_api.tenancy.models import Coverage, Tenant


class Warranty(TimeStamped):
    class Status(models.TextChoices):
        # `expired` is never stored: it is derived from warranty_end so it is right the day after.
        ACTIVE = "active", "Active"
        PENDING_VERIFICATION = "pending_verification", "Pending verification"
        VOID = "void", "Void"
        TRANSFERRED = "transferred", "Transferred"

    class Verification(models.TextChoices):
        OFF = "off", "Off"
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        NOT_FOUND = "not_found", "Not found"
        MISMATCH = "mismatch", "Mismatch"
        ERROR = "error", "Error"
        OVERRIDDEN = "overridden", "Overridden by staff"

    # Every registration, the busiest write there is, updates each index of this table, so the references
    # have none of their own (db_index=False): Meta.indexes holds them, partial where most rows hold NULL
    # (owner, receipt, replaced warranty), composite where a list needs its order (customer, owner).
    id = PublicIdField(prefix="wty_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="warranties")
    serial_number = models.CharField(max_length=100, help_text="Normalised: trimmed, upper case.")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="warranties")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="warranties", db_index=False)
    # The account that may see this warranty; set at once for a signed-in registration, otherwise only
    # after the account has verified the customer's email.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="warranties",
        db_index=False,
    )
    # The contact details this registration was sent with (the customer record may hold another registration's).
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_address = models.JSONField(default=dict, blank=True)
    purchase_date = models.DateField()
    retailer = models.CharField(max_length=200, blank=True)
    order_number = models.CharField(max_length=100, blank=True)
    proof_of_purchase = models.ForeignKey(
        Media, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    warranty_start = models.DateField()
    warranty_end = models.DateField()
    extended = models.BooleanField(default=False)
    coverage = models.CharField(max_length=24, choices=Coverage.choices)
    transferable = models.BooleanField(default=False)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.ACTIVE)
    verification = models.CharField(max_length=16, choices=Verification.choices, default=Verification.OFF)
    verification_detail = models.JSONField(default=dict, blank=True)
    void_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    # A replacement unit's warranty points at the one it replaced; a transfer's new warranty likewise.
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    # Read per tenant only (warranty_tenant_created_idx), so no index of its own.
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "warranties"
        constraints = [
            # One live registration per serial and tenant; a transferred row keeps history beside its successor.
            models.UniqueConstraint(
                fields=["tenant", "serial_number"],
                condition=~Q(status="transferred"),
                name="warranty_unique_live_serial",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "created_at", "id"], name="warranty_tenant_created_idx"),
            # A customer's (or an account's) warranties, newest first; a customer or account is of one tenant.
            models.Index(fields=["customer", "created_at"], name="warranty_customer_created_idx"),
            models.Index(fields=["owner", "created_at"], name="warranty_owner_created_idx", condition=Q(owner__isnull=False)),
            models.Index(fields=["proof_of_purchase"], name="warranty_receipt_idx", condition=Q(proof_of_purchase__isnull=False)),
            models.Index(fields=["replaces"], name="warranty_replaces_idx", condition=Q(replaces__isnull=False)),
            # varchar_pattern_ops lets the admin's serial prefix search (LIKE 'X%') use the index under any
            # collation; it still serves equality.
            models.Index(
                fields=["tenant", "serial_number"], name="warranty_serial_idx", opclasses=["int8_ops", "varchar_pattern_ops"]
            ),
            # `id` closes each index so a page sorted by (field, id) reads in index order and stops at the limit.
            models.Index(fields=["tenant", "status", "warranty_end", "id"], name="warranty_status_idx"),
            models.Index(fields=["tenant", "purchase_date", "id"], name="warranty_purchase_idx"),
        ]

    def effective_status(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.status == self.Status.ACTIVE and self.warranty_end < today:
            return "expired"
        return self.status


class WarrantyEvent(models.Model):
    """Append-only audit trail of a warranty: who changed what, when, before and after."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    warranty = models.ForeignKey(Warranty, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False)
    action = models.CharField(max_length=50)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # A registration's event has no actor: no index entry for it.
        indexes = [models.Index(fields=["actor"], name="warranty_event_actor_idx", condition=Q(actor__isnull=False))]

    def __str__(self) -> str:
        return f"{self.action} on {self.warranty_id}"


class WarrantyTransfer(TimeStamped):
    """An owner's offer to hand a warranty to another email; accepted through a signed link."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        CANCELLED = "cancelled", "Cancelled"

    id = PublicIdField(prefix="wtr_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    warranty = models.ForeignKey(Warranty, on_delete=models.CASCADE, related_name="transfers")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    to_email = models.EmailField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    accepted_at = models.DateTimeField(null=True, blank=True)
    new_warranty = models.ForeignKey(Warranty, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warranty"], condition=Q(status="pending"), name="warrantytransfer_one_pending"
            )
        ]
