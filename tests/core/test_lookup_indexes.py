"""Partial and re-led indexes serve the lookups they are for (migrations 0014 and 0016).

Each check leaves the table with only the indexes under test (inside the test's transaction, rolled back
after) and turns off sequential scans, so the plan names an index if, and only if, PostgreSQL can prove the
query's condition implies the index's (`owner_id = X` implies `owner_id IS NOT NULL`, `tenant_id = X` implies
`tenant_id IS NOT NULL`).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from warranty_api.accounts.selectors import account_for_email
from warranty_api.models import Customer, Media, User, Warranty, WarrantyEvent
from warranty_api.warranties.selectors import customer_warranty_list


def _keep_only(table: str, *indexes: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # rows written by the test are checked before the DDL
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND NOT indexname = ANY(%s)",
                       [table, list(indexes)])
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}" CASCADE')
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")


def _plan_with_only(index: str, queryset) -> str:
    _keep_only(queryset.model._meta.db_table, index)
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


def test_finding_an_account_by_email_in_any_spelling_uses_an_index(postgres_only, tenant, make_customer):
    """Sign-in's lookup, as it runs (customer account first, then staff): an exact match on the normalised email,
    each served by its unique constraint's partial index."""
    make_customer(tenant, "someone@example.com")
    _keep_only(User._meta.db_table, "user_unique_customer_email", "user_unique_staff_email")
    with CaptureQueriesContext(connection) as queries:
        assert account_for_email(tenant=tenant, email="No\u017fody@Example.com") is None
    assert len(queries) == 2 and not any("UPPER" in q["sql"] for q in queries)
    assert all("'nosody@example.com'" in q["sql"] for q in queries)
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(line for (line,) in cursor.fetchall()))
    assert "user_unique_customer_email" in plans[0], plans[0]
    assert "user_unique_staff_email" in plans[1], plans[1]
