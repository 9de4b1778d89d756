"""Tenant-scoped reads for purchase verification: the store link and a warranty's check."""

from warranty_api.core.exceptions import NotFound
from warranty_api.tenancy.models import Tenant
from warranty_api.verification.models import PurchaseVerification, ShopifyConnection
from warranty_api.warranties.models import Warranty


def shopify_connection_get(*, tenant: Tenant) -> ShopifyConnection | None:
    return ShopifyConnection.objects.filter(tenant=tenant).first()


def warranty_verification_get(*, tenant: Tenant, warranty_id: str) -> tuple[Warranty, PurchaseVerification | None]:
    warranty = Warranty.objects.filter(tenant=tenant, pk=warranty_id).first()
    if warranty is None:
        raise NotFound()
    return warranty, PurchaseVerification.objects.filter(pk=warranty.pk).first()
