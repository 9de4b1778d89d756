"""The admin warranty list as CSV rows (the same filters and order as the JSON list)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

CHUNK = 2000
WARRANTY_HEADER = ["id", "serial_number", "sku", "product", "category", "status", "purchase_date", "warranty_start",
                   "warranty_end", "coverage", "extended", "verification", "customer_email", "retailer", "created_at"]


def warranty_rows(qs) -> Iterator[list]:
    today = timezone.localdate()
    for w in qs.select_related("product__category", "customer").iterator(chunk_size=CHUNK):
        yield [w.id, w.serial_number, w.product.sku, w.product.name, w.product.category.slug,
               w.effective_status(today), w.purchase_date, w.warranty_start, w.warranty_end, w.coverage, w.extended,
               w.verification, w.customer.email, w.retailer, w.created_at]
