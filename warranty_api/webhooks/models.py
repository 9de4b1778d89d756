"""Signed webhooks: the endpoints a tenant sends events to, the durable delivery rows, and inbound event ids."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from warranty_api.core import crypto
from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant


class WebhookEndpoint(TimeStamped):
    """Where a tenant's events go: an app's subscription, or the one inventory system of the tenant.

    The inventory system is an endpoint too, so both share one delivery queue, one signature and one log; its
    secret also authenticates the events the inventory system posts back to us.
    """

    class Purpose(models.TextChoices):
        APP = "app", "App subscription"
        INVENTORY = "inventory", "Inventory system"

    id = PublicIdField(prefix="whk_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="webhook_endpoints")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.APP)
    url = models.CharField(max_length=500)
    # Event types this endpoint takes, or ["*"]; the inventory endpoint takes what the inventory backend sends.
    events = models.JSONField(default=list, blank=True)
    secret_encrypted = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(purpose="inventory"), name="webhookendpoint_one_inventory"
            )
        ]
        indexes = [models.Index(fields=["tenant", "purpose", "created_at"], name="webhookendpoint_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.purpose}: {self.url}"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


class WebhookDelivery(TimeStamped):
    """One event to one endpoint: the outbox row, written in the transaction of the change it reports.

    The integer primary key gives the order of deliveries sharing an endpoint and `ordering_key` (a claim id):
    rows of one claim are written under the claim's row lock, so their ids follow the order of the changes.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"  # attempts exhausted; later deliveries of its ordering key wait for a retry

    id = models.BigAutoField(primary_key=True)
    public_id = PublicIdField(prefix="whd_")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40, help_text="evt_...: the same for every endpoint the event goes to.")
    event_type = models.CharField(max_length=40)
    ordering_key = models.CharField(max_length=64, blank=True)
    # The exact bytes signed and sent, kept so every attempt sends the same body.
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=10)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhookdelivery_unique_event")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhookdelivery_due_idx"),
            models.Index(fields=["endpoint", "ordering_key", "id"], name="webhookdelivery_order_idx"),
            models.Index(fields=["endpoint", "created_at", "id"], name="webhookdelivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} to {self.endpoint_id} ({self.status})"


class InboundEvent(models.Model):
    """An event id the inventory system sent us; the unique constraint refuses a replay of it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40)
    fulfillment_id = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "event_id"], name="inboundevent_unique_id")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
