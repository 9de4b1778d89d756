"""Admin warranty list at 1,000,000 warranties: p50/p95 of filtered, searched pages through the whole stack.

The warranties are bulk-loaded with COPY into BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/aftersale_bench) once and reused while the size matches
(BENCH_ADMIN_ROWS, default 1,000,000). Each page is a real GET /api/<tenant>/admin/warranties through
Django's test client (middleware, JWT, DRF, serializers, cursor pagination), BENCH_ADMIN_REQUESTS (100)
times per query.
"""

from __future__ import annotations

import datetime
import os
import random
import time

from bench._common import pct, run_child

PREFIX = "wty_bench"


def run():
    yield from run_child("bench_admin_list")


def _load(tenant, rows: int) -> str:
    from django.db import connection
    from django.utils import timezone

    from warranty_api.models import Product, Warranty

    if Warranty.objects.filter(tenant=tenant, id__startswith=PREFIX).count() == rows:
        return "reused"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_warrantyevent, warranty_api_warrantytransfer, warranty_api_warranty, "
                       "warranty_api_customer CASCADE")
    products = list(Product.objects.filter(tenant=tenant).values_list("id", flat=True))
    rng = random.Random(7)
    now = timezone.now()
    n_customers = max(1, rows // 10)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy("COPY warranty_api_customer (id, tenant_id, email, name, phone, address, created_at, updated_at) "
                      "FROM STDIN") as copy:
            stamp = now.isoformat()
            for i in range(n_customers):
                copy.write(f"cus_bench{i:011d}\t{tenant.id}\tc{i}@example.com\tCustomer {i}\t+1-555-{i % 10000:04d}\t"
                           f"{{}}\t{stamp}\t{stamp}\n")
        columns = ("id, tenant_id, serial_number, product_id, customer_id, purchase_date, retailer, order_number, "
                   "warranty_start, warranty_end, extended, coverage, transferable, status, verification, "
                   "verification_detail, void_reason, notes, created_at, updated_at")
        with raw.copy(f"COPY warranty_api_warranty ({columns}) FROM STDIN") as copy:
            chunk = []
            for i in range(rows):
                created = now - datetime.timedelta(seconds=(rows - i) * 90)
                purchase = created.date() - datetime.timedelta(days=rng.randint(0, 60))
                extended = rng.random() < 0.7
                months = 24 if extended else 12
                end = datetime.date(purchase.year + months // 12, purchase.month, min(purchase.day, 28))
                r = rng.random()
                status = "void" if r < 0.03 else "pending_verification" if r < 0.05 else "active"
                prefix = "SN-CA" if i % 2 else "SN-CB"
                stamp = created.isoformat()
                chunk.append(
                    f"{PREFIX}{i:011d}\t{tenant.id}\t{prefix}-{i:08d}\t{products[i % 2]}\tcus_bench{rng.randrange(n_customers):011d}\t"
                    f"{purchase.isoformat()}\tShop {i % 50}\t\t{purchase.isoformat()}\t{end.isoformat()}\t"
                    f"{'t' if extended else 'f'}\tfull_replacement\tt\t{status}\toff\t{{}}\t\t\t{stamp}\t{stamp}\n"
                )
                if len(chunk) == 5000:
                    copy.write("".join(chunk))
                    chunk = []
            copy.write("".join(chunk))
        cursor.execute("VACUUM ANALYZE warranty_api_warranty")
        cursor.execute("VACUUM ANALYZE warranty_api_customer")
    return f"loaded in {time.perf_counter() - started:.0f}s"


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.test import Client

    from warranty_api.accounts.selectors import user_role
    from warranty_api.accounts.tokens import tokens_issue
    from warranty_api.models import Role, User

    rows = int(os.environ.get("BENCH_ADMIN_ROWS", 1_000_000))
    requests = int(os.environ.get("BENCH_ADMIN_REQUESTS", 100))
    print(f"{rows:,} warranties: {_load(tenant, rows)}")
    admin = User.objects.get(email="lead@bench.example", tenant__isnull=True)
    assert user_role(user=admin, tenant=tenant) == Role.ADMIN
    token = tokens_issue(user=admin, tenant=tenant, role=Role.ADMIN)["access"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    serial_prefix = f"SN-CA-{rows // 2:08d}"[:-3]  # about a thousand serials share it
    queries = {
        "status=active, serial prefix": f"status=active&q={serial_prefix.lower()}",
        "customer email": f"q=C{rows // 40}@Example.com",
        "expired, category, -warranty_end": "status=expired&category=handguns&sort=-warranty_end",
        "void, purchased since, -created": f"status=void&purchased_from={datetime.date.today().year - 1}-01-01",
        "registered range, -purchase_date": (
            f"registered_from={datetime.date.today() - datetime.timedelta(days=30)}&sort=-purchase_date"
        ),
        "no filter, first page": "",
    }
    everything = []
    for name, query in queries.items():
        url = f"/api/{tenant.slug}/admin/warranties?limit=25&{query}"
        first = client.get(url)
        assert first.status_code == 200, first.content[:300]
        count = len(first.json()["data"])
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        everything += timings
        print(f"{name:<36} p50 {pct(timings, 0.5):6.1f} ms  p95 {pct(timings, 0.95):6.1f} ms  ({count} rows on the page)")
    print(f"all pages: p95 {pct(everything, 0.95):.1f} ms (goal < 50 ms)")


if __name__ == "__main__":
    main()
