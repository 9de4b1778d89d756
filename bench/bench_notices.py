"""Notice queueing: rows per second of sending a recall to 100,000 owners, against a bulk INSERT of the same rows.

100,000 verified customer accounts, each the owner of one registration, are bulk-loaded with COPY into
BENCH_NOTICES_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/aftersale_bench_notices) once and reused.
Each round times `notice_send` for all of them (the audience's counts, one NoticeWarranty per warranty, one outbox
email per owner with its dedupe key, the worker batches as ORM-broker task rows, one transaction), then, in the
same run, the floor: the same NoticeWarranty and Notification rows, built beforehand, written with COPY (the
fastest bulk load PostgreSQL has; Django's bulk_create of them is some twenty times slower) in one transaction. The ratio is floor time / queueing time (rows per second of the queueing over the floor's).
"""

from __future__ import annotations

import os
import statistics
import time

from bench._common import run_child

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersale_bench_notices"


def run():
    url = os.environ.get("BENCH_NOTICES_DATABASE_URL", DEFAULT_URL)
    yield from run_child("bench_notices", {"DATABASE_URL": url, "Q_SYNC": "0"})


def _load(tenant, owners: int) -> str:
    from django.db import connection
    from django.utils import timezone

    from bench._copy import copy_rows
    from warranty_api.models import Customer, Product, User, Warranty, new_public_id

    if Warranty.objects.filter(tenant=tenant, owner__isnull=False).count() == owners:
        return "reused"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_warranty, warranty_api_customer CASCADE")
        cursor.execute("DELETE FROM warranty_api_user WHERE tenant_id IS NOT NULL")
    now = timezone.now()
    started = time.perf_counter()
    product = Product.objects.filter(tenant=tenant).order_by("sku").first()
    copy_rows(User, ({"public_id": new_public_id("usr_"), "tenant_id": tenant.id, "email": f"o{i}@example.com",
                      "username": User.customer_username(tenant.id, f"o{i}@example.com"), "password": "!",
                      "full_name": f"Owner {i}", "email_verified_at": now, "is_active": True, "date_joined": now}
                     for i in range(owners)), now)
    copy_rows(Customer, ({"id": f"cus_nt{i:012d}", "tenant_id": tenant.id, "email": f"o{i}@example.com",
                          "name": f"Owner {i}"} for i in range(owners)), now)
    ids = dict(User.objects.filter(tenant=tenant).values_list("email", "id"))
    today = now.date()
    copy_rows(Warranty, ({"id": f"wty_nt{i:012d}", "tenant_id": tenant.id, "serial_number": f"SN-NT-{i:08d}",
                          "product_id": product.id, "customer_id": f"cus_nt{i:012d}",
                          "owner_id": ids[f"o{i}@example.com"], "purchase_date": today, "warranty_start": today,
                          "warranty_end": today, "coverage": "full_replacement"} for i in range(owners)), now)
    with connection.cursor() as cursor:
        for table in ("warranty_api_user", "warranty_api_customer", "warranty_api_warranty"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return f"loaded in {time.perf_counter() - started:.0f}s"


def _clear() -> None:
    from django.db import connection
    from django_q.models import OrmQ

    from warranty_api.models import Notice, NoticeWarranty, Notification

    NoticeWarranty.objects.all().delete()
    Notice.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Notification._meta.db_table}")
    OrmQ.objects.all().delete()


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.db import connection, transaction

    from warranty_api.models import Notice, NoticeWarranty, Notification
    from warranty_api.notices.services import notice_send, notifications_copy

    owners = int(os.environ.get("BENCH_NOTICE_OWNERS", 100_000))
    rounds = int(os.environ.get("BENCH_NOTICE_ROUNDS", 3))
    print(f"{owners:,} owners: {_load(tenant, owners)}")
    audience = {"serial_prefix": "SN-NT-"}
    queue_times, floor_times = [], []
    for _ in range(rounds):
        _clear()
        started = time.perf_counter()
        notice = notice_send(tenant=tenant, actor=None, title="Recall", message="Bring it back.", kind="safety",
                             audience=audience)
        queue_times.append(time.perf_counter() - started)
        assert Notification.objects.filter(subject_ref=notice.id).count() == owners
        # The floor: the very rows the queueing wrote, built in memory first, then one bulk INSERT of each kind.
        emails = list(Notification.objects.filter(subject_ref=notice.id))
        links = list(NoticeWarranty.objects.filter(notice=notice))
        _clear()
        floor_notice = Notice.objects.create(tenant=tenant, title="Recall", message="x", kind="safety", audience={})
        for row in links:
            row.pk, row.notice = None, floor_notice
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {NoticeWarranty._meta.db_table} (notice_id, warranty_id) FROM STDIN") as copy:
                copy.write("".join(f"{floor_notice.pk}\t{row.warranty_id}\n" for row in links))
            notifications_copy(emails)
        floor_times.append(time.perf_counter() - started)
    rows = 2 * owners
    queue, floor = statistics.median(queue_times), statistics.median(floor_times)
    print(f"queueing a notice: {rows / queue:,.0f} rows/s ({queue:.2f}s for {owners:,} emails and {owners:,} "
          f"warranty marks, median of {rounds})")
    print(f"bulk load floor of the same rows (COPY): {rows / floor:,.0f} rows/s ({floor:.2f}s)")
    print(f"notice queueing ratio: {floor / queue:.2f} of the floor (goal >= 0.5)")
    _clear()


if __name__ == "__main__":
    main()
