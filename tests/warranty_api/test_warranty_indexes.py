"""The partial and re-led indexes of migration 0014 still serve the lookups they are for.

Each check leaves the table with only the index under test (inside the test's transaction, rolled back after)
and turns off sequential scans, so the plan names that index if, and only if, PostgreSQL can prove the
query's condition implies the index's (`owner_id = X` implies `owner_id IS NOT NULL`).
"""

from __future__ import annotations

import pytest
from django.db import connection

from warranty_api.models import Customer, Media, Warranty, WarrantyEvent
from warranty_api.selectors.warranties import customer_warranty_list


def _plan_with_only(index: str, queryset) -> str:
    table = queryset.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname <> %s", [table, index])
        others = [name for (name,) in cursor.fetchall()]
        for name in others:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}" CASCADE')
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("partial-index plans are PostgreSQL's to check (SQLite has the same indexes, no such planner)")


@pytest.mark.parametrize(
    ("index", "query"),
    [
        ("warranty_owner_created_idx", lambda t, u, c, m: customer_warranty_list(tenant=t, user=u).order_by("-created_at")),
        ("warranty_owner_created_idx", lambda t, u, c, m: Warranty.objects.filter(owner__in=[u])),  # SET NULL on delete
        ("warranty_customer_created_idx", lambda t, u, c, m: Warranty.objects.filter(tenant=t, customer=c).order_by("-created_at")),
        ("warranty_customer_created_idx", lambda t, u, c, m: Warranty.objects.filter(customer__in=[c])),  # PROTECT
        ("warranty_receipt_idx", lambda t, u, c, m: Warranty.objects.filter(proof_of_purchase__in=[m])),
        ("warranty_replaces_idx", lambda t, u, c, m: Warranty.objects.filter(replaces_id="wty_x")),
        ("warranty_event_actor_idx", lambda t, u, c, m: WarrantyEvent.objects.filter(actor__in=[u])),
    ],
)
def test_each_lookup_can_use_its_index(postgres_only, tenant, make_customer, index, query):
    user = make_customer(tenant)
    customer = Customer.objects.create(tenant=tenant, email="owner@example.com", name="Owner")
    media = Media(id="media_x", tenant=tenant)
    assert index in _plan_with_only(index, query(tenant, user, customer, media))
