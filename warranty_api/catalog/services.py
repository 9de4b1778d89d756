"""The brand's admins change the catalog: categories and their terms, products; each change audited.

A term changed here applies to registrations from the next request on (every process's catalog cache is
versioned by the tenant row, which each change moves). Warranties keep the dates they were given when
they were registered: nothing here rewrites them.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from wagtail.images import get_image_model

from warranty_api.accounts.models import User
from warranty_api.catalog.error_codes import CatalogErrorCode
from warranty_api.catalog.models import Category, KnownSerial, Product
from warranty_api.catalog.serials import matches_whole, serial_format_hint
from warranty_api.core.exceptions import Conflict, NotFound, ValidationFailed
from warranty_api.tenancy.models import ConfigChange, Tenant
from warranty_api.tenancy.services import config_change_record, tenant_catalog_touch

CATEGORY_FIELDS = ("name", "standard_months", "extended_months", "coverage", "transferable", "resolutions")
PRODUCT_FIELDS = ("sku", "name", "serial_pattern", "gtin", "description", "is_active")


def category_state(category: Category | None) -> dict | None:
    if category is None:
        return None
    return {"slug": category.slug, **{name: getattr(category, name) for name in CATEGORY_FIELDS}}


def product_state(product: Product | None) -> dict | None:
    if product is None:
        return None
    return {
        **{name: getattr(product, name) for name in PRODUCT_FIELDS},
        "category": product.category.slug,
        "image": product.image_id,
    }


def _gtin_free(tenant: Tenant, gtin: str, *, product_id: str | None) -> None:
    if gtin and Product.objects.filter(tenant=tenant, gtin=gtin).exclude(pk=product_id).exists():
        raise Conflict(f"Another product already has the GTIN {gtin}.", code=CatalogErrorCode.PRODUCT_GTIN_EXISTS)


def _locked_category(tenant: Tenant, slug: str) -> Category:
    category = Category.objects.select_for_update().filter(tenant=tenant, slug=slug).first()
    if category is None:
        raise NotFound(f"There is no category '{slug}'.")
    return category


def _locked_product(tenant: Tenant, product_id: str) -> Product:
    product = Product.objects.select_for_update().filter(tenant=tenant, pk=product_id).select_related("category").first()
    if product is None:
        raise NotFound("There is no such product.")
    return product


@transaction.atomic
def category_create(*, tenant: Tenant, actor: User | None, data: dict) -> Category:
    if Category.objects.filter(tenant=tenant, slug=data["slug"]).exists():
        raise Conflict(f"There is already a category '{data['slug']}'.", code=CatalogErrorCode.CATEGORY_EXISTS)
    values = {name: data[name] for name in CATEGORY_FIELDS if name in data}
    try:
        with transaction.atomic():
            category = Category.objects.create(tenant=tenant, slug=data["slug"], **values)
    except IntegrityError:  # created by a concurrent request since the check
        raise Conflict(
            f"There is already a category '{data['slug']}'.", code=CatalogErrorCode.CATEGORY_EXISTS,
        ) from None
    config_change_record(tenant=tenant, actor=actor, target=ConfigChange.Target.CATEGORY, key=category.slug,
                         action=ConfigChange.Action.CREATE, before=None, after=category_state(category))
    tenant_catalog_touch(tenant)
    return category


@transaction.atomic
def category_update(*, tenant: Tenant, actor: User | None, slug: str, data: dict) -> Category:
    """Change a category; its new terms apply to the next registrations, never to existing warranties."""
    category = _locked_category(tenant, slug)
    before = category_state(category)
    for name in CATEGORY_FIELDS:
        if name in data:
            setattr(category, name, data[name])
    after = category_state(category)
    if after != before:
        category.save()
        config_change_record(tenant=tenant, actor=actor, target=ConfigChange.Target.CATEGORY, key=slug,
                             action=ConfigChange.Action.UPDATE, before=before, after=after)
        tenant_catalog_touch(tenant)
    return category


@transaction.atomic
def category_delete(*, tenant: Tenant, actor: User | None, slug: str) -> None:
    category = _locked_category(tenant, slug)
    if Product.objects.filter(category=category).exists():
        raise Conflict(
            "This category has products; move them to another category, or deactivate them, first.",
            code=CatalogErrorCode.CATEGORY_IN_USE,
        )
    before = category_state(category)
    category.delete()
    config_change_record(tenant=tenant, actor=actor, target=ConfigChange.Target.CATEGORY, key=slug,
                         action=ConfigChange.Action.DELETE, before=before, after=None)
    tenant_catalog_touch(tenant)


def _category_for(tenant: Tenant, slug: str) -> Category:
    category = Category.objects.filter(tenant=tenant, slug=slug).first()
    if category is None:
        raise ValidationFailed.field("category", "not_found", f"There is no category '{slug}'.")
    return category


def _check_image(tenant: Tenant, image_id: int | None) -> None:
    if image_id is None:
        return
    if tenant.collection_id is None or not get_image_model().objects.filter(
        pk=image_id, collection=tenant.collection_id
    ).exists():
        raise ValidationFailed.field("image", "not_found", "There is no such image in the brand's collection.")


@transaction.atomic
def product_create(*, tenant: Tenant, actor: User | None, data: dict) -> Product:
    category = _category_for(tenant, data["category"])
    _check_image(tenant, data.get("image"))
    if Product.objects.filter(tenant=tenant, sku=data["sku"]).exists():
        raise Conflict(
            f"There is already a product with SKU '{data['sku']}'.", code=CatalogErrorCode.PRODUCT_SKU_EXISTS,
        )
    values = {name: data[name] for name in PRODUCT_FIELDS if name in data}
    _gtin_free(tenant, values.get("gtin", ""), product_id=None)
    try:
        with transaction.atomic():
            product = Product.objects.create(tenant=tenant, category=category, image_id=data.get("image"), **values)
    except IntegrityError:
        raise Conflict(
            f"There is already a product with SKU '{data['sku']}'.", code=CatalogErrorCode.PRODUCT_SKU_EXISTS,
        ) from None
    config_change_record(tenant=tenant, actor=actor, target=ConfigChange.Target.PRODUCT, key=product.pk,
                         action=ConfigChange.Action.CREATE, before=None, after=product_state(product))
    tenant_catalog_touch(tenant)
    return product


@transaction.atomic
def product_update(*, tenant: Tenant, actor: User | None, product_id: str, data: dict) -> Product:
    product = _locked_product(tenant, product_id)
    before = product_state(product)
    if "sku" in data and data["sku"] != product.sku and Product.objects.filter(tenant=tenant, sku=data["sku"]).exists():
        raise Conflict(
            f"There is already a product with SKU '{data['sku']}'.", code=CatalogErrorCode.PRODUCT_SKU_EXISTS,
        )
    if "category" in data:
        product.category = _category_for(tenant, data["category"])
    if "image" in data:
        _check_image(tenant, data["image"])
        product.image_id = data["image"]
    for name in PRODUCT_FIELDS:
        if name in data:
            setattr(product, name, data[name])
    _gtin_free(tenant, product.gtin, product_id=product.pk)
    after = product_state(product)
    if after != before:
        try:
            with transaction.atomic():
                product.save()
        except IntegrityError:  # another product took the SKU or GTIN since the check
            raise Conflict("Another product has this SKU or GTIN.", code=CatalogErrorCode.PRODUCT_GTIN_EXISTS) from None
        config_change_record(tenant=tenant, actor=actor, target=ConfigChange.Target.PRODUCT, key=product.pk,
                             action=ConfigChange.Action.UPDATE, before=before, after=after)
        tenant_catalog_touch(tenant)
    return product


@transaction.atomic
def product_delete(*, tenant: Tenant, actor: User | None, product_id: str) -> None:
    product = _locked_product(tenant, product_id)
    if product.warranties.exists():
        raise Conflict(
            "This product has registered warranties; deactivate it instead.", code=CatalogErrorCode.PRODUCT_IN_USE,
        )
    if KnownSerial.objects.filter(tenant=tenant, product=product).exists():
        raise Conflict(
            "This product has known serial numbers; deactivate it instead.", code=CatalogErrorCode.PRODUCT_IN_USE,
        )
    before = product_state(product)
    product.delete()
    config_change_record(tenant=tenant, actor=actor, target=ConfigChange.Target.PRODUCT, key=product_id,
                         action=ConfigChange.Action.DELETE, before=before, after=None)
    tenant_catalog_touch(tenant)


def pattern_overlaps(*, tenant: Tenant, product: Product) -> list[dict]:
    """Warnings for other active products whose pattern takes the same serials as `product`'s.

    Overlaps are allowed (such serials answer `serial_ambiguous`, on purpose for some brands), so this only
    warns. Two patterns overlap here when one's example serial (`SN-[A-Z]{2}` -> `SN-AA`) fits the other;
    an overlap between patterns without a readable example goes unseen.
    """
    if not (product.is_active and product.serial_pattern):
        return []
    mine = serial_format_hint([product.serial_pattern])
    others = (
        Product.objects.filter(tenant=tenant, is_active=True).exclude(pk=product.pk).exclude(serial_pattern="")
        .only("id", "sku", "serial_pattern")
    )
    hits = []
    for other in others:
        theirs = serial_format_hint([other.serial_pattern])
        if (mine and matches_whole(other.serial_pattern, mine)) or (
            theirs and matches_whole(product.serial_pattern, theirs)
        ):
            hits.append(other)
    if not hits:
        return []
    return [{
        "code": "serial_pattern_overlap",
        "message": "Serials matching this pattern also match the pattern of "
        + ", ".join(o.sku for o in hits) + "; registering one of them answers serial_ambiguous.",
        "products": [o.pk for o in hits],
    }]
