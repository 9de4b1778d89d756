"""The record of every change a brand's admins make to its configuration: who, when, what before, what after."""

from django.conf import settings
from django.db import models

from warranty_api.models.base import PublicIdField
from warranty_api.models.tenancy import Tenant


class ConfigChange(models.Model):
    class Target(models.TextChoices):
        SETTINGS = "settings", "Settings"
        CATEGORY = "category", "Category"
        PRODUCT = "product", "Product"

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"

    id = PublicIdField(prefix="cfg_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="config_changes")
    # The account may later be removed; its address at the time stays with the record.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_email = models.CharField(max_length=254, blank=True)
    target = models.CharField(max_length=16, choices=Target.choices)
    target_key = models.CharField(max_length=100, blank=True, help_text="The category's slug, the product's id")
    action = models.CharField(max_length=8, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "warranty_api"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"], name="configchange_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target} {self.target_key}"
