"""Reads of the catalog for the brand's admins, and the dry run of the serial rules."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from warranty_api.exceptions import NotFound, Unprocessable, ValidationFailed
from warranty_api.models import Category, Product, Tenant, Warranty, normalize_serial
from warranty_api.services.serials import matches_whole
from warranty_api.services.warranties import serial_resolve


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


def serial_rule_test(*, tenant: Tenant, serial_number: str) -> dict:
    """What registration would decide about `serial_number` today, without writing anything.

    The same resolution as a registration (`serial_resolve`): formats, the known list, then the products'
    patterns; the term is the category's, in months (the dates depend on the purchase date).
    """
    number = normalize_serial(serial_number)
    format_ok = not tenant.serial_formats or any(matches_whole(p, number) for p in tenant.serial_formats)
    matching = sorted(
        p.sku
        for p in Product.objects.filter(tenant=tenant, is_active=True).exclude(serial_pattern="").only("sku", "serial_pattern")
        if matches_whole(p.serial_pattern, number)
    )
    answer = {
        "serial_number": number, "accepted": False, "refusal": None, "message": None, "format_ok": format_ok,
        "known": False, "product": None, "category": None, "term": None, "matching_products": matching,
    }
    try:
        resolved = serial_resolve(tenant, number)
    except Unprocessable as refusal:
        answer.update(refusal=refusal.code, message=refusal.message)
        return answer
    product, category = resolved.product, resolved.product.category
    registered = Warranty.objects.filter(tenant=tenant, serial_number=number).exclude(status="transferred").exists()
    if registered:
        answer.update(refusal="serial_already_registered",
                      message="This serial number is already registered.")
    answer.update(
        accepted=not registered,
        known=resolved.known is not None,
        product={"id": product.pk, "sku": product.sku, "name": product.name},
        category={"slug": category.slug, "name": category.name, "coverage": category.coverage,
                  "transferable": category.transferable},
        term={"standard_months": category.standard_months, "extended_months": category.extended_months,
              "extension_window_days": tenant.extension_window_days},
    )
    return answer
