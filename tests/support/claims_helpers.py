"""Test data for the claims tests: warranties and uploads written with the ORM (their services live elsewhere)."""

from __future__ import annotations

import datetime
import itertools

from django.core.files.base import ContentFile
from django.utils import timezone

from warranty_api.models import Claim, Customer, Fulfillment, Media, Product, Tenant, User, Warranty

_serials = itertools.count(10_000_000)


def make_warranty(tenant: Tenant, owner: User | None, *, status: str = Warranty.Status.ACTIVE,
                  end: datetime.date | None = None, serial: str | None = None, sku: str = "TP9-ELITE-SC") -> Warranty:
    email = owner.email if owner else "nobody@example.com"
    customer, _ = Customer.objects.get_or_create(tenant=tenant, email=email, defaults={"name": "John Smith"})
    product = Product.objects.select_related("category").get(tenant=tenant, sku=sku)
    today = timezone.localdate()
    return Warranty.objects.create(
        tenant=tenant,
        serial_number=serial or f"SN-CA-{next(_serials)}",
        product=product,
        customer=customer,
        owner=owner,
        contact_name="John Smith",  # as its registration would have sent it
        purchase_date=today - datetime.timedelta(days=30),
        warranty_start=today - datetime.timedelta(days=30),
        warranty_end=end or today + datetime.timedelta(days=300),
        coverage=product.category.coverage,
        transferable=product.category.transferable,
        status=status,
    )


def make_photo(tenant: Tenant, user: User | None, *, kind: str = Media.Kind.IMAGE, attached: bool = False) -> Media:
    media = Media(
        tenant=tenant, uploaded_by=user, kind=kind, content_type="image/png" if kind == "image" else "application/pdf",
        size=8, width=1, height=1, sha256="0" * 64, attached_at=timezone.now() if attached else None,
    )
    media.file.save("photo.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    media.save()
    return media


_REFERENCES = itertools.count(5001)


def make_claim(tenant: Tenant, owner: User, *, status: str = Claim.Status.SUBMITTED, warranty: Warranty | None = None,
               **fields) -> Claim:
    """A claim put straight into `status`, for tests of what happens from there."""
    warranty = warranty or make_warranty(tenant, owner)
    fields = {"issue_type": "malfunction", "description": "Slide release is stiff",
              "reference": f"TC-{next(_REFERENCES)}", **fields}
    return Claim.objects.create(tenant=tenant, warranty=warranty, submitted_by=owner, status=status, **fields)


def make_fulfillment(claim: Claim, kind: str, status: str = Fulfillment.Status.REQUESTED) -> Fulfillment:
    return Fulfillment.objects.create(tenant=claim.tenant, claim=claim, kind=kind, status=status)
