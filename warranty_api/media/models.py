"""Uploaded files: receipts and claim photos, served only to their uploader and the tenant's staff."""

from django.conf import settings
from django.db import models

from warranty_api.core.ids import PublicIdField, TimeStamped
from warranty_api.tenancy.models import Tenant


def media_upload_to(instance: "Media", filename: str) -> str:
    return f"uploads/{instance.tenant_id}/{instance.id}/{filename}"


class Media(TimeStamped):
    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        PDF = "pdf", "PDF"

    class Purpose(models.TextChoices):
        CLAIM_PHOTO = "claim_photo", "Claim photo"
        PROOF_OF_PURCHASE = "proof_of_purchase", "Proof of purchase"

    id = PublicIdField(prefix="media_", primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="media")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    purpose = models.CharField(max_length=24, choices=Purpose.choices, default=Purpose.CLAIM_PHOTO)
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    # A 64-bit difference hash of an image (hex), for finding the same photo re-encoded or resized.
    phash = models.CharField(max_length=16, blank=True, default="", db_default="")
    file = models.FileField(upload_to=media_upload_to, max_length=300)
    thumbnail = models.FileField(upload_to=media_upload_to, max_length=300, blank=True)
    # Set when a registration, claim or message takes the upload; unattached uploads expire after 24 hours.
    attached_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A claim photo belongs to its claim, and to the message that carried it when one did.
    claim = models.ForeignKey(
        "warranty_api.Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    claim_message = models.ForeignKey(
        "warranty_api.ClaimMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )

    class Meta:
        verbose_name_plural = "media"
        indexes = [models.Index(fields=["tenant", "uploaded_by", "created_at"], name="media_uploader_idx")]
