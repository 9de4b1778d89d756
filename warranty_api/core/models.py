"""Stored answers to POSTs sent with an Idempotency-Key, so a retry gets the first answer again."""

from django.db import models


class IdempotencyRecord(models.Model):
    """One key of one caller at one tenant; `status_code` is null while the first request is in flight."""

    tenant = models.ForeignKey("warranty_api.Tenant", on_delete=models.CASCADE, related_name="+")
    caller = models.CharField(max_length=80, help_text="User public id, or ip:<address> for anonymous callers.")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "caller", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"
