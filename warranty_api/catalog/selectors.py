"""Tenant-scoped reads of the catalog."""

import datetime
import time
from dataclasses import dataclass

from django.db.models import QuerySet

from warranty_api.catalog.models import Product
from warranty_api.core.exceptions import ValidationFailed
from warranty_api.tenancy.models import Tenant


def product_list(*, tenant: Tenant, category: str | None = None, search: str | None = None) -> QuerySet[Product]:
    qs = Product.objects.filter(tenant=tenant, is_active=True).select_related("category")
    if category:
        if not tenant.categories.filter(slug=category).exists():
            raise ValidationFailed.field("category", "not_found", f"There is no category '{category}'.")
        qs = qs.filter(category__slug=category)
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(sku__iexact=search)
    return qs


# --- the registration's view of the catalog, cached per process ----------------------------------------

CATALOG_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class TenantCatalog:
    """One tenant's products (every one, by id, with its category) and the active ones that have a pattern."""

    tenant_id: int
    version: datetime.datetime
    products: dict[str, Product]
    patterned: tuple[Product, ...]


_catalogs: dict[int, tuple[float, TenantCatalog]] = {}


def tenant_catalog(*, tenant: Tenant) -> TenantCatalog:
    """The tenant's catalog, read at most once per TTL per process while the tenant row is unchanged.

    Entries are keyed by the tenant's id and checked against its `updated_at` (the version); every catalog
    change (`tenant_config_apply`) touches the tenant row, and the tenant row is read fresh on each request,
    so the next request after a change reads the catalog again. The TTL bounds what a change made behind the
    services' back (a shell) can leave stale. The products returned are shared: callers must not change them.
    """
    now = time.monotonic()
    hit = _catalogs.get(tenant.id)
    if hit is not None and hit[0] > now and hit[1].version == tenant.updated_at and hit[1].tenant_id == tenant.id:
        return hit[1]
    products = {p.id: p for p in Product.objects.filter(tenant=tenant).select_related("category").order_by("id")}
    catalog = TenantCatalog(
        tenant_id=tenant.id,
        version=tenant.updated_at,
        products=products,
        patterned=tuple(p for p in products.values() if p.is_active and p.serial_pattern),
    )
    _catalogs[tenant.id] = (now + CATALOG_TTL_SECONDS, catalog)
    return catalog


def tenant_catalog_forget() -> None:
    """Empty this process's cache (tests)."""
    _catalogs.clear()
