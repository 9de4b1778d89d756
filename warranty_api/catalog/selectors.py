"""Tenant-scoped reads of the catalog."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError

from warranty_api.catalog.models import Category, Product
from warranty_api.core.exceptions import NotFound, ValidationFailed
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


# --- the product's image as the API and the portal show it --------------------------------------------

# The product page's rendition (templates/home/portal/catalog_product.html): one file serves both.
PRODUCT_IMAGE_SPEC = "max-720x480"


def product_image_renditions(lookup: str) -> Prefetch:
    """Prefetch the products' image renditions along `lookup` (say "product__image__renditions"), so a list
    finds each product's rendition without a query per row (the images themselves come by select_related)."""
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec=PRODUCT_IMAGE_SPEC)
    return Prefetch(lookup, queryset=renditions)


def product_image_url(product: Product) -> str | None:
    """The URL of the product's image, sized as its page shows it; None without an image, or when its file is
    gone (the page then shows none rather than failing)."""
    if product.image_id is None:
        return None
    try:
        return product.image.get_rendition(PRODUCT_IMAGE_SPEC).url
    except SourceImageIOError:
        return None


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
    # The image's rendition comes with it, so a registration's answer (`product.image_url`) reads no more rows.
    rows = (Product.objects.filter(tenant=tenant).select_related("category", "image")
            .prefetch_related(product_image_renditions("image__renditions")).order_by("id"))
    products = {p.id: p for p in rows}
    catalog = TenantCatalog(
        tenant_id=tenant.id,
        version=tenant.updated_at,
        products=products,
        patterned=tuple(p for p in products.values() if p.is_active and p.serial_pattern),
    )
    _catalogs[tenant.id] = (now + CATALOG_TTL_SECONDS, catalog)
    return catalog


# ----------------------------------------------------------------------------------------------------
# Reads of the catalog for the brand's admins.

def admin_category_list(*, tenant: Tenant) -> QuerySet[Category]:
    return Category.objects.filter(tenant=tenant).annotate(product_count=Count("products"))


def admin_category_get(*, tenant: Tenant, slug: str) -> Category:
    category = admin_category_list(tenant=tenant).filter(slug=slug).first()
    if category is None:
        raise NotFound(f"There is no category '{slug}'.")
    return category


def admin_product_list(
    *, tenant: Tenant, category: str | None = None, is_active: str | None = None, search: str | None = None
) -> QuerySet[Product]:
    qs = Product.objects.filter(tenant=tenant).select_related("category", "image")
    if category:
        if not Category.objects.filter(tenant=tenant, slug=category).exists():
            raise ValidationFailed.field("category", "not_found", f"There is no category '{category}'.")
        qs = qs.filter(category__slug=category)
    if is_active is not None:
        if is_active not in ("true", "false"):
            raise ValidationFailed.field("is_active", "invalid", "Use true or false.")
        qs = qs.filter(is_active=is_active == "true")
    if search:
        qs = qs.filter(name__icontains=search) | qs.filter(sku__iexact=search)
    return qs


def admin_product_get(*, tenant: Tenant, product_id: str) -> Product:
    product = Product.objects.filter(tenant=tenant, pk=product_id).select_related("category", "image").first()
    if product is None:
        raise NotFound("There is no such product.")
    return product
