"""Failure rates at 1,000,000 warranties and 100,000 claims: p50/p95 through the whole stack, and the rebuild's cost.

The brand (20 SKUs in 3 categories, 1,200,000 known serials in 12 import batches over 24 manufactured months,
1,000,000 registrations, 100,000 claims of 3 issue types) is bulk-loaded with COPY into its own database,
BENCH_ANALYTICS_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/aftersale_bench_analytics), once and
reused while its size matches (BENCH_ANALYTICS_ROWS). The cells are rebuilt (timed: that is the figures' cost
and how fresh they can be), then each query is a real GET /api/<tenant>/admin/analytics/failure-rates through
Django's test client (middleware, JWT, DRF, the cells' GROUP BYs, the JSON), BENCH_ANALYTICS_REQUESTS (50) times.
"""

from __future__ import annotations

import datetime
import os
import random
import time

from bench._common import pct, run_child

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersale_bench_analytics"
SKUS = 20
ISSUES = ("malfunction", "cosmetic", "battery")


def run():
    url = os.environ.get("BENCH_ANALYTICS_DATABASE_URL", DEFAULT_URL)
    yield from run_child("bench_analytics", {"DATABASE_URL": url})


def _catalog(tenant):
    from warranty_api.models import Category, Product

    categories = []
    for slug in ("tools", "lights", "outdoor"):
        category, _ = Category.objects.get_or_create(
            tenant=tenant, slug=slug, defaults={"name": slug.title(), "standard_months": 24,
                                                "coverage": "full_replacement"})
        categories.append(category)
    products = []
    for i in range(SKUS):
        product, _ = Product.objects.get_or_create(
            tenant=tenant, sku=f"BENCH-{i:02d}",
            defaults={"name": f"Bench product {i}", "category": categories[i % 3]})
        products.append(product.id)
    tenant.issue_types = [{"code": code, "label": code.title()} for code in ISSUES]
    tenant.save(update_fields=["issue_types"])
    return products


def _load(tenant, rows: int, claims: int) -> str:
    from django.db import connection
    from django.utils import timezone

    from bench._copy import copy_rows
    from warranty_api.models import Claim, Customer, KnownSerial, Warranty

    products = _catalog(tenant)
    if (Warranty.objects.filter(tenant=tenant).count() == rows
            and Claim.objects.filter(tenant=tenant).count() == claims):
        return "reused"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_claim, warranty_api_warranty, warranty_api_customer, "
                       "warranty_api_knownserial CASCADE")
    rng = random.Random(17)
    now = timezone.now()
    started = time.perf_counter()
    known = rows * 6 // 5
    start_month = datetime.date(2023, 1, 1)

    def made(i: int) -> datetime.date:
        month = (i * 24) // known
        return datetime.date(start_month.year + month // 12, month % 12 + 1, 1 + i % 28)

    copy_rows(KnownSerial, ({"tenant_id": tenant.id, "serial_number": f"SN-BN-{i:08d}",
                             "product_id": products[i % SKUS], "manufactured_on": made(i),
                             "import_batch": f"imp_bench{i * 12 // known:02d}"} for i in range(known)), now)
    n_customers = rows // 4
    copy_rows(Customer, ({"id": f"cus_bn{i:012d}", "tenant_id": tenant.id, "email": f"c{i}@example.com",
                          "name": f"Customer {i}"} for i in range(n_customers)), now)

    def warranty(i: int) -> dict:
        made_on = made(i)
        purchase = made_on + datetime.timedelta(days=30 + rng.randrange(200))
        return {"id": f"wty_bn{i:012d}", "tenant_id": tenant.id, "serial_number": f"SN-BN-{i:08d}",
                "product_id": products[i % SKUS], "customer_id": f"cus_bn{rng.randrange(n_customers):012d}",
                "purchase_date": purchase, "warranty_start": purchase,
                "warranty_end": purchase + datetime.timedelta(days=730), "coverage": "full_replacement",
                "created_at": now, "updated_at": now}

    copy_rows(Warranty, (warranty(i) for i in range(rows)), now)
    step = rows // claims

    def claim(n: int) -> dict:
        i = n * step + rng.randrange(step)
        filed = now - datetime.timedelta(days=rng.randrange(700))
        status = rng.choice(["submitted", "under_review", "approved", "denied", "resolved"])
        return {"id": f"clm_bn{n:012d}", "tenant_id": tenant.id, "reference": f"BB-{10_000 + n}",
                "warranty_id": f"wty_bn{i:012d}", "issue_type": ISSUES[rng.randrange(3)], "description": "x",
                "status": status, "resolution": "repair" if status in ("approved", "resolved") else "",
                "created_at": filed, "updated_at": filed}

    copy_rows(Claim, (claim(n) for n in range(claims)), now)
    with connection.cursor() as cursor:
        for table in ("warranty_api_knownserial", "warranty_api_warranty", "warranty_api_claim"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return f"loaded in {time.perf_counter() - started:.0f}s"


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.test import Client

    from warranty_api.accounts.tokens import tokens_issue
    from warranty_api.analytics.services import failure_cells_refresh
    from warranty_api.models import FailureClaimCell, FailureUnitCell, Role, User

    rows = int(os.environ.get("BENCH_ANALYTICS_ROWS", 1_000_000))
    claims = int(os.environ.get("BENCH_ANALYTICS_CLAIMS", rows // 10))
    requests = int(os.environ.get("BENCH_ANALYTICS_REQUESTS", 50))
    print(f"{rows:,} warranties, {claims:,} claims: {_load(tenant, rows, claims)}")
    refresh = failure_cells_refresh(tenant=tenant)
    print(f"cells rebuilt in {refresh.seconds:.1f}s: {FailureUnitCell.objects.filter(tenant=tenant).count():,} unit "
          f"cells, {FailureClaimCell.objects.filter(tenant=tenant).count():,} claim cells (rebuilt every "
          "ANALYTICS_REFRESH_MINUTES: the figures are at most that old plus this)")
    admin = User.objects.get(email="lead@bench.example", tenant__isnull=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=admin, tenant=tenant, role=Role.ADMIN)['access']}")
    queries = {
        "by=sku": "by=sku",
        "by=category": "by=category",
        "by=manufactured_month": "by=manufactured_month",
        "by=purchase_month": "by=purchase_month",
        "by=import_batch": "by=import_batch",
        "by=sku, one issue type": "by=sku&issue_type=battery",
        "by=manufactured_month as CSV": "by=manufactured_month&format=csv",
    }
    # A purchase window (or several issue types) is summed from the cells at the request, not read whole.
    windowed = {
        "by=sku, a year of purchases": "by=sku&from=2024-01-01&to=2024-12-31",
        "by=import_batch, a quarter, two issue types": "by=import_batch&from=2024-04-01&to=2024-06-30"
                                                         "&issue_type=battery,cosmetic",
    }
    everything, summed = [], []
    for name, query in [*queries.items(), *windowed.items()]:
        url = f"/api/{tenant.slug}/admin/analytics/failure-rates?{query}"
        first = client.get(url)
        assert first.status_code == 200, first.content[:300]
        groups = len(first.json()["data"]) if "csv" not in query else sum(1 for _ in first.streaming_content) - 1
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        (summed if name in windowed else everything).extend(timings)
        print(f"{name:<44} p50 {pct(timings, 0.5):7.1f} ms  p95 {pct(timings, 0.95):7.1f} ms  ({groups} groups)")
    print(f"failure rates, every dimension, all claims or one issue type: p95 {pct(everything, 0.95):.1f} ms "
          "(goal < 300 ms)")
    print(f"failure rates with a purchase window, summed from the cells at the request: p95 {pct(summed, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
