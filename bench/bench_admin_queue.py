"""Admin claims queue: p95 per filtered page through the whole Wagtail admin stack, at 100,000 claims over 1,000,000 warranties.

Runs in a child process against a database of its own (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/aftersale_bench_admin_queue), bulk-loaded with COPY and kept between runs.
Sizes: BENCH_QUEUE_WARRANTIES / BENCH_QUEUE_CLAIMS (defaults 1,000,000 / 100,000 on PostgreSQL; 20,000 / 2,000
on SQLite, where the rows are bulk-inserted), BENCH_QUEUE_REQUESTS per page (default 60). Each request goes
through Django's test client with a signed-in agent's session: every middleware, Wagtail's admin access check,
the sidebar and the templates, the filter form, the page's count and the status tabs' GROUP BY. The floor is the
brand-switch screen: the same admin frame with no claim query.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersale_bench_admin_queue"
GOAL_MS = 100


def run():
    env = {**os.environ, "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
           "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test"}
    env.pop("REDIS_URL", None)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_admin_queue"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        yield line.rstrip("\n")
    if proc.wait() != 0:
        raise RuntimeError(f"the admin queue benchmark exited with {proc.returncode}")


def _sizes(postgres: bool) -> tuple[int, int, int]:
    warranties = int(os.environ.get("BENCH_QUEUE_WARRANTIES", 1_000_000 if postgres else 20_000))
    claims = int(os.environ.get("BENCH_QUEUE_CLAIMS", 100_000 if postgres else 2_000))
    requests = int(os.environ.get("BENCH_QUEUE_REQUESTS", 60))
    return warranties, min(claims, warranties), requests


def _load_sqlite(tenant, n_warranties: int, n_claims: int) -> str:
    import datetime
    import random

    from django.utils import timezone

    from warranty_api.models import Claim, Customer, Product, Warranty

    if (Warranty.objects.filter(tenant=tenant, id__startswith="wty_b").count(),
            Claim.objects.filter(tenant=tenant, id__startswith="clm_b").count()) == (n_warranties, n_claims):
        return "reused"
    Claim.objects.filter(tenant=tenant).delete()
    Warranty.objects.filter(tenant=tenant).delete()
    Customer.objects.filter(tenant=tenant).delete()
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    rng = random.Random(42)
    now = timezone.now()
    n_customers = max(1, n_warranties // 4)
    Customer.objects.bulk_create([Customer(id=f"cus_b{i:019d}", tenant=tenant, email=f"c{i}@bench.example",
                                           name=f"Customer {i}") for i in range(n_customers)], batch_size=2000)
    start, end = datetime.date(2025, 1, 1), datetime.date(2030, 1, 1)
    Warranty.objects.bulk_create([
        Warranty(id=f"wty_b{i:019d}", tenant=tenant, serial_number=f"SN-CA-{i:08d}", product=product,
                 customer_id=f"cus_b{i % n_customers:019d}", purchase_date=start, warranty_start=start,
                 warranty_end=end, coverage="full_replacement", transferable=True)
        for i in range(n_warranties)], batch_size=2000)
    statuses = ["submitted"] * 30 + ["under_review"] * 20 + ["info_requested"] * 5 + ["approved"] * 10 + \
        ["denied"] * 10 + ["resolved"] * 25
    claims = []
    for i in range(n_claims):
        created = now - datetime.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        claims.append(Claim(id=f"clm_b{i:019d}", tenant=tenant, reference=f"NO-{100000 + i}", warranty_id=f"wty_b{i * (n_warranties // n_claims):019d}",
                            issue_type=rng.choice(["malfunction", "cosmetic"]), description="Bench claim",
                            status=rng.choice(statuses), photo_count=rng.choice([0, 0, 1, 3]), status_changed_at=created))
    Claim.objects.bulk_create(claims, batch_size=2000)
    for claim in claims:
        Claim.objects.filter(id=claim.id).update(created_at=claim.status_changed_at, updated_at=claim.status_changed_at)
    return "loaded"


def _load_postgres(tenant, n_warranties: int, n_claims: int) -> str:
    """COPY customers, warranties and claims in; skipped when the database already holds these sizes."""
    import datetime
    import random

    from django.db import connection
    from django.utils import timezone

    from warranty_api.models import Claim, Product, Warranty

    if (Warranty.objects.filter(tenant=tenant, id__startswith="wty_b").count(),
            Claim.objects.filter(tenant=tenant, id__startswith="clm_b").count()) == (n_warranties, n_claims):
        return "reused"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_claimevent, warranty_api_claimmessage, warranty_api_fulfillment, "
                       "warranty_api_claim, warranty_api_warrantyevent, warranty_api_warranty, warranty_api_customer CASCADE")
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    rng = random.Random(42)
    now = timezone.now()
    n_customers = max(1, n_warranties // 4)
    statuses = ["submitted"] * 30 + ["under_review"] * 20 + ["info_requested"] * 5 + ["approved"] * 10 + \
        ["denied"] * 10 + ["resolved"] * 25
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy("COPY warranty_api_customer (id, tenant_id, email, name, phone, address, created_at, updated_at) "
                      "FROM STDIN") as copy:
            for i in range(n_customers):
                copy.write_row((f"cus_b{i:019d}", tenant.id, f"c{i}@bench.example", f"Customer {i}", "", "{}", now, now))
        with cur.copy("COPY warranty_api_warranty (id, tenant_id, serial_number, product_id, customer_id, contact_name, "
                      "contact_phone, contact_address, purchase_date, retailer, order_number, warranty_start, "
                      "warranty_end, extended, coverage, transferable, status, verification, verification_detail, "
                      "void_reason, notes, created_at, updated_at) FROM STDIN") as copy:
            start, end = datetime.date(2025, 1, 1), datetime.date(2030, 1, 1)
            for i in range(n_warranties):
                copy.write_row((f"wty_b{i:019d}", tenant.id, f"SN-CA-{i:08d}", product.id, f"cus_b{i % n_customers:019d}",
                                f"Customer {i % n_customers}", "", "{}", start, "", "", start, end, True,
                                "full_replacement", True, "active", "off", "{}", "", "", now, now))
        with cur.copy("COPY warranty_api_claim (id, tenant_id, reference, warranty_id, issue_type, description, "
                      "preferred_resolution, status, resolution, denial_reason, admin_notes, photo_count, "
                      "status_changed_at, created_at, updated_at) FROM STDIN") as copy:
            for i in range(n_claims):
                created = now - datetime.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                copy.write_row((f"clm_b{i:019d}", tenant.id, f"NO-{100000 + i}",
                                f"wty_b{i * (n_warranties // n_claims):019d}", rng.choice(["malfunction", "cosmetic"]),
                                "Bench claim", "repair", rng.choice(statuses), "", "", "", rng.choice([0, 0, 1, 3]),
                                created, created, created))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE warranty_api_claim")
        cursor.execute("ANALYZE warranty_api_customer, warranty_api_warranty")
    return "loaded"


def _assign(tenant, agent, colleague) -> None:
    """One claim in ten is the agent's, one in ten a colleague's: the "assigned to me" tab has a real share."""
    from django.db import connection

    table = "warranty_api_claim"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET assignee_id = NULL WHERE tenant_id = %s", [tenant.id])
        cursor.execute(f"UPDATE {table} SET assignee_id = %s WHERE tenant_id = %s AND substr(id, 24, 1) = '3'",
                       [agent.id, tenant.id])
        cursor.execute(f"UPDATE {table} SET assignee_id = %s WHERE tenant_id = %s AND substr(id, 24, 1) = '7'",
                       [colleague.id, tenant.id])
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    import django

    postgres = os.environ["DATABASE_URL"].startswith("postgres")
    if postgres:
        from bench.bench_claims import _ensure_database

        _ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from tests.conftest import NORTHPEAK
    from warranty_api.models import Role, Tenant, User
    from warranty_api.onboarding.config_file import validate_tenant_config
    from warranty_api.onboarding.services import staff_create, tenant_config_apply

    n_warranties, n_claims, n_requests = _sizes(postgres)
    spec, errors = validate_tenant_config(NORTHPEAK)
    assert not errors
    tenant_config_apply(spec)
    tenant = Tenant.objects.get(slug="northpeak")
    started = time.perf_counter()
    load = _load_postgres if postgres else _load_sqlite
    how = load(tenant, n_warranties, n_claims)
    engine = "PostgreSQL (COPY)" if postgres else "SQLite (bulk inserts; a smaller scale than the goal's)"
    print(f"data: {n_claims:,} claims over {n_warranties:,} warranties on {engine} "
          f"({how} in {time.perf_counter() - started:.1f}s)", flush=True)

    agent = User.objects.filter(email="bench-agent@northpeak.example").first() or staff_create(
        tenant=tenant, email="bench-agent@northpeak.example", role=Role.AGENT, password="Bench-Password-42")[0]
    colleague = User.objects.filter(email="bench-colleague@northpeak.example").first() or staff_create(
        tenant=tenant, email="bench-colleague@northpeak.example", role=Role.AGENT, password="Bench-Password-42")[0]
    _assign(tenant, agent, colleague)
    client = Client()
    client.force_login(agent)

    serial = f"SN-CA-{(n_claims // 2) * (n_warranties // n_claims):08d}"
    pages = {
        "the queue as it opens (all, oldest first)": "",
        "status=submitted": "status=submitted",
        "status=under_review&issue_type=cosmetic": "status=under_review&issue_type=cosmetic",
        "assigned to me, open": "assignee=me&status=submitted&status=under_review&status=info_requested",
        "unassigned, waiting on the customer": "assignee=none&waiting_on_customer=true",
        "filed in one month, submitted": "status=submitted&created_from=2026-01-01&created_to=2026-01-31",
        "newest first, 100 per page": "ordering=-created_at&per_page=100",
        "page 40 of submitted": "status=submitted&p=40",
        f"search a serial ({serial})": f"q={serial}",
        "search a customer email": "q=c1234@bench.example",
    }
    floor_url = "/admin/workspace/brand/"
    results = []
    for label, query in [*pages.items(), ("floor: the admin frame, no claim query (brand switch)", None)]:
        url = floor_url if query is None else f"/admin/claims/?{query}"
        for _ in range(3):
            assert client.get(url).status_code == 200
        times = []
        with CaptureQueriesContext(connection) as captured:
            for _ in range(n_requests):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
        per_request = len(captured.captured_queries) // n_requests
        p95 = _pct(times, 0.95)
        results.append((label, p95))
        print(f"{label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, {per_request} queries/request, "
              f"n={n_requests}", flush=True)
        reset_queries()
    floor = results[-1][1]
    worst = max(results[:-1], key=lambda item: item[1])
    print(f"worst filtered page p95 {worst[1]:.1f} ms ({worst[0]}); floor p95 {floor:.1f} ms; "
          f"ratio {worst[1] / floor:.1f}x the frame; goal < {GOAL_MS} ms: {'met' if worst[1] < GOAL_MS else 'NOT met'}",
          flush=True)


if __name__ == "__main__":
    main()
