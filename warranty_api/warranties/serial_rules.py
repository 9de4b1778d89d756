"""The serial rules' dry run: what registration would decide about a serial today, without writing anything."""

from __future__ import annotations

from warranty_api.catalog.models import Product, normalize_serial
from warranty_api.catalog.serials import matches_whole
from warranty_api.core.exceptions import Unprocessable
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.services import serial_resolve


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
