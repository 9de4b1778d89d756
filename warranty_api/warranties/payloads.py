"""Webhook payloads of warranty events: what a brand's systems receive about a warranty (API.md, webhooks)."""

from __future__ import annotations

from warranty_api.core.timestamps import iso_z
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.selectors import warranty_contact


def warranty_payload(warranty: Warranty) -> dict:
    return {
        "id": warranty.id,
        "serial_number": warranty.serial_number,
        "status": warranty.status,
        "product": {"sku": warranty.product.sku, "name": warranty.product.name},
        "purchase_date": iso_z(warranty.purchase_date),
        "warranty_start": iso_z(warranty.warranty_start),
        "warranty_end": iso_z(warranty.warranty_end),
        "coverage": warranty.coverage,
        "verification": warranty.verification,
        "replaces": warranty.replaces_id,
        "customer": {"email": warranty.customer.email, "name": warranty_contact(warranty)["name"]},
    }
