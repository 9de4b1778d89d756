"""Claims: p95 of a filtered admin queue page over a large PostgreSQL load, and claim submissions per second.

Runs in a child process against a database of its own (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/aftersale_bench_claims), bulk-loaded with COPY and kept between runs.
Sizes: BENCH_CLAIMS_WARRANTIES / BENCH_CLAIMS_CLAIMS (defaults 20,000 / 2,000; BENCH_FULL=1 gives the
issue's 1,000,000 / 100,000), BENCH_CLAIMS_SUBMISSIONS (default 60), BENCH_CLAIMS_REQUESTS per filter (100).
Both figures go through the whole stack (Django test client: middleware, JWT auth, DRF, serializers).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersale_bench_claims"


def run():
    env = {**os.environ, "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
           "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test",
           "MEDIA_ROOT": os.environ.get("BENCH_MEDIA_ROOT", "/tmp/aftersale-bench-claims-media")}
    env.pop("REDIS_URL", None)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_claims"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        yield line.rstrip("\n")
    if proc.wait() != 0:
        raise RuntimeError(f"the claims benchmark exited with {proc.returncode}")


def _sizes() -> tuple[int, int, int, int]:
    full = os.environ.get("BENCH_FULL") == "1"
    warranties = int(os.environ.get("BENCH_CLAIMS_WARRANTIES", 1_000_000 if full else 20_000))
    claims = int(os.environ.get("BENCH_CLAIMS_CLAIMS", 100_000 if full else 2_000))
    submissions = int(os.environ.get("BENCH_CLAIMS_SUBMISSIONS", 60))
    requests = int(os.environ.get("BENCH_CLAIMS_REQUESTS", 100))
    return warranties, min(claims, warranties), submissions, requests


def _ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load(tenant, n_warranties: int, n_claims: int) -> str:
    """COPY customers, warranties and claims in; skipped when the database already holds these sizes."""
    import datetime
    import random

    from django.db import connection
    from django.utils import timezone

    from warranty_api.models import Claim, Product, Warranty

    loaded_w = Warranty.objects.filter(tenant=tenant, id__startswith="wty_b").count()
    loaded_c = Claim.objects.filter(tenant=tenant, id__startswith="clm_b").count()
    if (loaded_w, loaded_c) == (n_warranties, n_claims):
        return "reused"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_claimevent, warranty_api_claimmessage, warranty_api_fulfillment, "
                       "warranty_api_claim, warranty_api_warrantyevent, warranty_api_warranty, warranty_api_customer CASCADE")
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    rng = random.Random(42)
    now = timezone.now()
    n_customers = max(1, n_warranties // 4)
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy("COPY warranty_api_customer (id, tenant_id, email, name, phone, address, created_at, updated_at) "
                      "FROM STDIN") as copy:
            for i in range(n_customers):
                copy.write_row((f"cus_b{i:019d}", tenant.id, f"c{i}@bench.example", f"Customer {i}", "", "{}", now, now))
        with cur.copy("COPY warranty_api_warranty (id, tenant_id, serial_number, product_id, customer_id, purchase_date, "
                      "retailer, order_number, warranty_start, warranty_end, extended, coverage, transferable, status, "
                      "verification, verification_detail, void_reason, notes, created_at, updated_at) FROM STDIN") as copy:
            start = datetime.date(2025, 1, 1)
            end = datetime.date(2030, 1, 1)
            for i in range(n_warranties):
                copy.write_row((f"wty_b{i:019d}", tenant.id, f"SN-CA-{i:08d}", product.id, f"cus_b{i % n_customers:019d}",
                                start, "", "", start, end, True, "full_replacement", True, "active", "off", "{}", "", "",
                                now, now))
        statuses = ["submitted"] * 30 + ["under_review"] * 20 + ["info_requested"] * 5 + ["approved"] * 10 + \
            ["denied"] * 10 + ["resolved"] * 25
        with cur.copy("COPY warranty_api_claim (id, tenant_id, warranty_id, issue_type, description, preferred_resolution, "
                      "status, resolution, denial_reason, admin_notes, photo_count, status_changed_at, created_at, "
                      "updated_at) FROM STDIN") as copy:
            for i in range(n_claims):
                created = now - datetime.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                copy.write_row((f"clm_b{i:019d}", tenant.id, f"wty_b{i * (n_warranties // n_claims):019d}",
                                rng.choice(["malfunction", "cosmetic"]), "Bench claim", "repair", rng.choice(statuses),
                                "", "", "", rng.choice([0, 0, 1, 3]), created, created, created))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE warranty_api_claim")
        cursor.execute("ANALYZE warranty_api_customer, warranty_api_warranty")
    return "loaded"


def main() -> None:
    import django

    _ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    import logging

    logging.getLogger("django-q").setLevel(logging.WARNING)  # sync tasks log every step; keep the figures readable
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from tests.conftest import NORTHPEAK
    from warranty_api.accounts.tokens import tokens_issue
    from warranty_api.models import Claim, Media, Role, Tenant, User, Warranty
    from warranty_api.onboarding.config_file import validate_tenant_config
    from warranty_api.onboarding.services import staff_create, tenant_config_apply

    n_warranties, n_claims, n_submissions, n_requests = _sizes()
    spec, errors = validate_tenant_config(NORTHPEAK)
    assert not errors
    tenant_config_apply(spec)
    tenant = Tenant.objects.get(slug="northpeak")
    started = time.perf_counter()
    how = _load(tenant, n_warranties, n_claims)
    print(f"data: {n_claims:,} claims over {n_warranties:,} warranties on PostgreSQL "
          f"({how} in {time.perf_counter() - started:.1f}s)", flush=True)

    admin, _ = staff_create(tenant=tenant, email="bench-admin@northpeak.example", role=Role.ADMIN,
                            password="Bench-Password-42")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=admin, tenant=tenant, role=Role.ADMIN)['access']}")
    pages = {
        "status=submitted (the queue's first tab)": "status=submitted",
        "status=under_review&issue_type=cosmetic": "status=under_review&issue_type=cosmetic",
        "status=submitted&has_photos=true&older_than_days=30": "status=submitted&has_photos=true&older_than_days=30",
        "health (floor: the stack without the query)": None,
    }
    for label, query in pages.items():
        url = "/api/health" if query is None else f"/api/northpeak/admin/claims?limit=25&{query}"
        for _ in range(5):
            assert client.get(url).status_code in (200, 503)
        times = []
        with CaptureQueriesContext(connection) as captured:
            for _ in range(n_requests):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code in (200, 503)
        per_request = len(captured.captured_queries) // n_requests
        print(f"admin page {label}: p50 {statistics.median(times):.1f} ms, p95 {_pct(times, 0.95):.1f} ms, "
              f"{per_request} queries/request, n={n_requests}", flush=True)
        reset_queries()

    # Submissions: each customer owns a warranty and holds three fresh photo uploads (rows written directly:
    # the upload endpoint is built on another branch, so image decoding is not part of this figure).
    from django.core.files.base import ContentFile

    from tests.conftest import client_for
    Claim.objects.filter(tenant=tenant, description="Bench submission").delete()
    prepared = []
    offset = Warranty.objects.filter(tenant=tenant).exclude(id__startswith="wty_b").count()
    for i in range(n_submissions):
        email = f"submit{offset + i}@bench.example"
        user = User.objects.filter(username=User.customer_username(tenant.id, email)).first() or User.objects.create_user(
            username=User.customer_username(tenant.id, email), email=email, tenant=tenant, password="x")
        from tests.support.claims_helpers import make_warranty

        warranty = make_warranty(tenant, user, serial=f"SN-CA-9{offset + i:07d}")
        photos = []
        for _ in range(3):
            media = Media(tenant=tenant, uploaded_by=user, kind="image", content_type="image/jpeg", size=4, sha256="0" * 64)
            media.file.save("p.jpg", ContentFile(b"\xff\xd8\xff\xd9"), save=False)
            media.save()
            photos.append(media.id)
        prepared.append((client_for(user, tenant, role=Role.CUSTOMER), warranty.id, photos))
    t0 = time.perf_counter()
    for customer_client, warranty_id, photos in prepared:
        response = customer_client.post("/api/northpeak/claims", {"warranty_id": warranty_id, "issue_type": "malfunction",
                                        "description": "Bench submission", "photos": photos,
                                        "preferred_resolution": "repair"}, format="json")
        assert response.status_code == 201, response.content
    elapsed = time.perf_counter() - t0
    print(f"claim submissions with 3 photos: {n_submissions / elapsed:.1f} requests/s over {n_submissions} "
          f"(sequential, one process; includes the claim_received outbox row and its inline send to locmem email)",
          flush=True)


if __name__ == "__main__":
    main()
