"""Links to a tenant's outside systems (its Shopify store) and the durable queue of purchase checks."""

from django.db import models

from warranty_api.core import crypto
from warranty_api.core.ids import TimeStamped
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty


class ShopifyConnection(TimeStamped):
    """A tenant's Shopify store: where it is, how to reach its Admin API, and the last connection test.

    The access token is stored encrypted (see warranty_api/core/crypto.py) and never leaves through the API; only
    `access_token_last4` is shown so an admin can tell which token is set.
    """

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="shopify_connection")
    shop_domain = models.CharField(max_length=255, help_text="The store's permanent domain, e.g. brand.myshopify.com.")
    # Tests point the client at a fake Admin API on 127.0.0.1; the client refuses any host that
    # settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS does not list (empty, and refused, in production).
    api_base_url = models.CharField(max_length=255, blank=True, help_text="Test override of https://<shop_domain>.")
    access_token_encrypted = models.TextField(blank=True)
    access_token_last4 = models.CharField(max_length=4, blank=True)
    api_version = models.CharField(max_length=16)
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_error = models.CharField(max_length=500, blank=True)
    last_test_shop_name = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.tenant.slug}: {self.shop_domain}"

    @property
    def has_access_token(self) -> bool:
        return bool(self.access_token_encrypted)

    def set_access_token(self, token: str) -> None:
        self.access_token_encrypted = crypto.encrypt(token)
        # Only long tokens show a hint; four characters of a short one would give too much of it away.
        self.access_token_last4 = token[-4:] if len(token) >= 16 else ""

    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted) if self.access_token_encrypted else ""


class PurchaseVerification(TimeStamped):
    """The record of a purchase check to run for one warranty: the outbox row the sweep relies on."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"  # attempts exhausted; staff see the error and may retry

    # Keyed by the warranty, so the task's argument (a warranty id) is the row's id and the row is unique.
    warranty = models.OneToOneField(
        Warranty, primary_key=True, on_delete=models.CASCADE, related_name="purchase_verification"
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=8)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.CharField(max_length=16, blank=True, help_text="The last outcome: a Warranty.Verification value.")

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="purchaseverif_due_idx")]

    def __str__(self) -> str:
        return f"verification of {self.warranty_id} ({self.status})"
