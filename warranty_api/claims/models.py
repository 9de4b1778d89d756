"""Claims: a customer's request under a warranty, its review workflow, its audit trail and its fulfillment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty


class Claim(TimeStamped):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        UNDER_REVIEW = "under_review", "Under review"
        INFO_REQUESTED = "info_requested", "More information requested"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"
        RESOLVED = "resolved", "Resolved"

    S = Status
    # The workflow as data: `claim_transition` refuses (409 invalid_transition) every pair not listed here.
    # info_requested -> denied lets staff close a claim whose customer never answers.
    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.INFO_REQUESTED, S.APPROVED, S.DENIED}),
        S.UNDER_REVIEW: frozenset({S.INFO_REQUESTED, S.APPROVED, S.DENIED}),
        S.INFO_REQUESTED: frozenset({S.UNDER_REVIEW, S.DENIED}),
        S.APPROVED: frozenset({S.RESOLVED}),
        S.DENIED: frozenset({S.RESOLVED}),
        S.RESOLVED: frozenset(),
    }
    # A warranty may hold one open claim; a denied claim is a decision, so a new claim may follow it.
    OPEN_STATUSES = (S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED, S.APPROVED)

    id = PublicIdField(prefix="clm_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="claims")
    # What the customer and support say on the phone and see in email subjects; the id stays the API's key.
    reference = models.CharField(max_length=24, blank=True, help_text="Short and unique per brand: RI-1001.")
    warranty = models.ForeignKey(Warranty, on_delete=models.PROTECT, related_name="claims")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="claims_submitted"
    )
    issue_type = models.CharField(max_length=50)
    description = models.TextField()
    preferred_resolution = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    resolution = models.CharField(max_length=50, blank=True)
    denial_reason = models.TextField(blank=True, help_text="Shown to the customer.")
    admin_notes = models.TextField(blank=True, help_text="Internal: never shown to the customer.")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims_assigned"
    )
    # Kept on the row so the queue's "has photos" filter needs no join.
    photo_count = models.PositiveSmallIntegerField(default=0)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Service levels, kept by warranty_api/claims/sla.py; risk signals by warranty_api/claims/risk.py (staff only).
    first_responded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_deadline = models.DateTimeField(null=True, blank=True)
    sla_due_soon_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_late = models.BooleanField(default=False, db_default=False)
    sla_reminded_at = models.DateTimeField(null=True, blank=True)
    risk_score = models.PositiveSmallIntegerField(default=0, db_default=0)
    risk_level = models.CharField(max_length=8, default="low", db_default="low")
    risk_reasons = models.JSONField(default=list, blank=True, db_default=[])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warranty"],
                condition=Q(status__in=["submitted", "under_review", "info_requested", "approved"]),
                name="claim_one_open_per_warranty",
            ),
            models.UniqueConstraint(
                fields=["tenant", "reference"], condition=~Q(reference=""), name="claim_unique_reference"
            ),
        ]
        indexes = [
            # The admin queue: a status tab, oldest first; the tabs' counts read the same index.
            models.Index(fields=["tenant", "status", "created_at"], name="claim_queue_idx"),
            models.Index(fields=["tenant", "created_at"], name="claim_tenant_created_idx"),
            models.Index(fields=["tenant", "assignee", "status", "created_at"], name="claim_assignee_idx"),
            models.Index(fields=["tenant", "issue_type", "created_at"], name="claim_issue_idx"),
            models.Index(fields=["tenant", "submitted_by", "created_at"], name="claim_customer_idx"),
            models.Index(fields=["tenant", "sla_deadline", "id"], name="claim_sla_idx"),
            models.Index(fields=["tenant", "risk_level", "created_at"], name="claim_risk_idx"),
        ]

    def __str__(self) -> str:
        return self.id

    def can_move_to(self, to_status: str) -> bool:
        return to_status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())


class Visibility(models.TextChoices):
    CUSTOMER = "customer", "Customer and staff"
    INTERNAL = "internal", "Staff only"


class AppendOnly(models.Model):
    """Rows that are written once and never changed or deleted: an audit trail."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} is append-only")


class ClaimEvent(AppendOnly):
    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        STATUS_CHANGED = "status_changed", "Status changed"
        MESSAGE = "message", "Message"
        ASSIGNED = "assigned", "Assignee changed"
        NOTES_UPDATED = "notes_updated", "Internal notes updated"
        FULFILLMENT_UPDATED = "fulfillment_updated", "Fulfillment updated"
        REMINDER_SENT = "reminder_sent", "Reminder sent to the customer"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="claimevent_claim_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.claim_id}"


class ClaimMessage(AppendOnly):
    id = PublicIdField(prefix="cmsg_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.CUSTOMER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"message on {self.claim_id}"


class Fulfillment(TimeStamped):
    """One follow-up of an approved claim, kept by the tenant's inventory backend (the local one: these rows)."""

    class Kind(models.TextChoices):
        RETURN_AUTHORIZATION = "return_authorization", "Return authorization"
        REPLACEMENT = "replacement", "Replacement"
        REPAIR = "repair", "Repair"
        REFUND = "refund", "Refund"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SHIPPED = "shipped", "Shipped"
        RECEIVED = "received", "Received"
        REPAIRED = "repaired", "Repaired"
        REFUNDED = "refunded", "Refunded"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    K, St = Kind, Status
    # What staff may record next, per kind; anything else is 409 invalid_transition.
    FLOW: dict[str, dict[str, frozenset[str]]] = {
        K.RETURN_AUTHORIZATION: {
            St.REQUESTED: frozenset({St.RECEIVED, St.CANCELLED}),
            St.RECEIVED: frozenset({St.COMPLETED}),
        },
        K.REPLACEMENT: {
            St.REQUESTED: frozenset({St.SHIPPED, St.CANCELLED}),
            St.SHIPPED: frozenset({St.COMPLETED}),
        },
        K.REPAIR: {
            St.REQUESTED: frozenset({St.RECEIVED, St.CANCELLED}),
            St.RECEIVED: frozenset({St.REPAIRED, St.CANCELLED}),
            St.REPAIRED: frozenset({St.SHIPPED, St.COMPLETED}),
            St.SHIPPED: frozenset({St.COMPLETED}),
        },
        K.REFUND: {
            St.REQUESTED: frozenset({St.REFUNDED, St.CANCELLED}),
            St.REFUNDED: frozenset({St.COMPLETED}),
        },
    }
    # The claim may be resolved once its follow-up reached one of these (the return itself may still be open).
    DONE: dict[str, frozenset[str]] = {
        K.REPLACEMENT: frozenset({St.SHIPPED, St.COMPLETED}),
        K.REPAIR: frozenset({St.REPAIRED, St.SHIPPED, St.COMPLETED}),
        K.REFUND: frozenset({St.REFUNDED, St.COMPLETED}),
        K.RETURN_AUTHORIZATION: frozenset({St.RECEIVED, St.COMPLETED}),
    }

    id = PublicIdField(prefix="ful_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="fulfillments")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="fulfillments")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    rma_number = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    replacement_serial = models.CharField(max_length=100, blank=True)
    replacement_warranty = models.ForeignKey(
        Warranty, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    backend = models.CharField(max_length=30, default="local")
    external_ref = models.CharField(max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "rma_number"], condition=~Q(rma_number=""), name="fulfillment_unique_rma"
            )
        ]
        indexes = [models.Index(fields=["tenant", "status", "created_at"], name="fulfillment_queue_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.claim_id} ({self.status})"

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE.get(self.kind, frozenset())


def claim_reference_prefix(slug: str) -> str:
    """The brand's letters in its claim references: the initials of a hyphenated slug, else its first two letters."""
    parts = [part for part in slug.split("-") if part]
    letters = "".join(part[0] for part in parts[:4]) if len(parts) > 1 else slug[:2]
    return letters.upper()


class ClaimCounter(models.Model):
    """The last claim number given per tenant; locked while the next is taken, like RmaCounter."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"claim counter of tenant {self.tenant_id}: {self.last_value}"


class RmaCounter(models.Model):
    """The last RMA number given per tenant; locked while the next is taken, so numbers never repeat."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="+")
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"RMA counter of tenant {self.tenant_id}: {self.last_value}"
