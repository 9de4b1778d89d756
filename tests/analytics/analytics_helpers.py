"""Test data for the analytics tests: a brand with three SKUs in two categories, two import batches and known claims."""

from __future__ import annotations

import datetime
import io
import math

from tests.conftest import load_tenant, tenant_config
from warranty_api.catalog.imports.services import serials_import
from warranty_api.models import Claim, Customer, Product, Tenant, User, Warranty

CONFIG = {
    "serial_formats": [],
    "categories": [
        {"slug": "tools", "name": "Tools", "standard_months": 24, "coverage": "full_replacement"},
        {"slug": "lights", "name": "Lights", "standard_months": 12, "coverage": "full_replacement"},
    ],
    "products": [
        {"sku": "SKU-A", "name": "Alpha Drill", "category": "tools"},
        {"sku": "SKU-B", "name": "Beta Saw", "category": "tools"},
        {"sku": "SKU-C", "name": "Gamma Lamp", "category": "lights"},
    ],
    "serials": [],
}


def make_brand(slug: str = "northpeak") -> Tenant:
    return load_tenant(tenant_config(slug, **CONFIG))


def import_batch(tenant: Tenant, batch: str, rows: list[tuple[str, str, str]]) -> None:
    text = "serial_number,sku,manufactured_on\n" + "".join(f"{s},{k},{m}\n" for s, k, m in rows)
    result = serials_import(tenant=tenant, stream=io.BytesIO(text.encode()), batch=batch)
    assert result.rows_failed == 0, result.errors


def register(tenant: Tenant, serial: str, sku: str, purchased: datetime.date, *, owner: User | None = None,
             email: str | None = None, **fields) -> Warranty:
    email = owner.email if owner else (email or f"{serial.lower()}@example.com")
    customer, _ = Customer.objects.get_or_create(tenant=tenant, email=email, defaults={"name": "Pat Owner"})
    product = Product.objects.select_related("category").get(tenant=tenant, sku=sku)
    return Warranty.objects.create(
        tenant=tenant, serial_number=serial, product=product, customer=customer, owner=owner,
        purchase_date=purchased, warranty_start=purchased, warranty_end=purchased + datetime.timedelta(days=730),
        coverage=product.category.coverage, **fields,
    )


def claim_on(warranty: Warranty, issue_type: str, filed: datetime.date, status: str = Claim.Status.SUBMITTED,
             resolution: str = "") -> Claim:
    claim = Claim.objects.create(tenant=warranty.tenant, warranty=warranty, issue_type=issue_type,
                                 description="It broke", status=status, resolution=resolution)
    at = datetime.datetime.combine(filed, datetime.time(15, 30), tzinfo=datetime.UTC)
    Claim.objects.filter(pk=claim.pk).update(created_at=at)
    return claim


def wilson(x: int, n: int) -> tuple[float, float]:
    """The Wilson score interval, written out from its textbook form."""
    z = 1.959963984540054
    p = x / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n), (centre + spread) / (1 + z * z / n)


D = datetime.date


def build_population(tenant: Tenant) -> None:
    """The known population every failure-rate figure is computed from by hand in the tests.

    SKU-A: known A-001..A-010 (batch B1, made 2025-01-10) and A-011..A-020 (batch B2, made 2025-02-10);
           registered A-001..A-004 (bought 2025-03-10), A-005..A-008 (2025-04-05), A-011..A-014 (2025-04-20),
           and A-900, not a known serial (2025-05-01): 13 units.
    SKU-B: known B-001..B-005 (batch B1, made 2025-01-15), all registered (2025-03-15).
    SKU-C: no known serials; C-001..C-003 registered (2025-06-01).
    Claims: A-001 malfunction day 10 approved, A-001 cosmetic day 60 denied, A-005 malfunction day 20 resolved
    (repair), A-011 malfunction day 30 submitted, B-002 cosmetic day 5 resolved after a denial, C-001 malfunction
    day 10 approved.
    """
    import_batch(tenant, "B1", [(f"A-{i:03d}", "SKU-A", "2025-01-10") for i in range(1, 11)]
                 + [(f"B-{i:03d}", "SKU-B", "2025-01-15") for i in range(1, 6)])
    import_batch(tenant, "B2", [(f"A-{i:03d}", "SKU-A", "2025-02-10") for i in range(11, 21)])
    units = {}
    for i in range(1, 5):
        units[f"A-{i:03d}"] = register(tenant, f"A-{i:03d}", "SKU-A", D(2025, 3, 10))
    for i in range(5, 9):
        units[f"A-{i:03d}"] = register(tenant, f"A-{i:03d}", "SKU-A", D(2025, 4, 5))
    for i in range(11, 15):
        units[f"A-{i:03d}"] = register(tenant, f"A-{i:03d}", "SKU-A", D(2025, 4, 20))
    units["A-900"] = register(tenant, "A-900", "SKU-A", D(2025, 5, 1))
    for i in range(1, 6):
        units[f"B-{i:03d}"] = register(tenant, f"B-{i:03d}", "SKU-B", D(2025, 3, 15))
    for i in range(1, 4):
        units[f"C-{i:03d}"] = register(tenant, f"C-{i:03d}", "SKU-C", D(2025, 6, 1))
    S = Claim.Status
    claim_on(units["A-001"], "malfunction", D(2025, 3, 20), S.APPROVED, "repair")
    claim_on(units["A-001"], "cosmetic", D(2025, 5, 9), S.DENIED)
    claim_on(units["A-005"], "malfunction", D(2025, 4, 25), S.RESOLVED, "repair")
    claim_on(units["A-011"], "malfunction", D(2025, 5, 20), S.SUBMITTED)
    claim_on(units["B-002"], "cosmetic", D(2025, 3, 20), S.RESOLVED)
    claim_on(units["C-001"], "malfunction", D(2025, 6, 11), S.APPROVED, "replacement")
