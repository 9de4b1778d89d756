"""Recall and safety notices, and the warranties each one reached."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty


class Notice(TimeStamped):
    class Kind(models.TextChoices):
        SAFETY = "safety", "Safety"
        SERVICE = "service", "Service"

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    id = PublicIdField(prefix="ntc_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    message = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    audience = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    units_known = models.PositiveIntegerField(default=0)
    units_registered = models.PositiveIntegerField(default=0)
    owners_reachable = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "created_at"], name="notice_tenant_created_idx")]

    def __str__(self) -> str:
        return self.title


class NoticeWarranty(models.Model):
    """A warranty the notice is about: shown on it in the portal and the API; `opened_at` once its owner saw it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="warranties")
    warranty = models.ForeignKey(Warranty, on_delete=models.CASCADE, related_name="+", db_index=False)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "warranty"], name="noticewarranty_unique")]
        indexes = [models.Index(fields=["warranty"], name="noticewarranty_warranty_idx")]

    def __str__(self) -> str:
        return f"{self.notice_id} on {self.warranty_id}"
