"""The claims queue in the admin: the brand's claims only, filters, search, sort, counts, ages, pagination."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.models import Claim, ClaimEvent, Role


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> list[str]:
    """The claim ids of the rows, in order (each row links to its review screen)."""
    return re.findall(r'href="/admin/claims/(clm_[A-Za-z0-9]+)/"', response.content.decode())


@pytest.fixture
def desk(tenant, other_tenant, make_staff, make_customer):
    agent = make_staff(tenant, Role.AGENT)
    colleague = make_staff(tenant, Role.AGENT)
    owner = make_customer(tenant, "owner@example.com")
    other = make_customer(tenant, "ann@example.com")
    now = timezone.now()
    claims = {
        "old": make_claim(tenant, owner, warranty=make_warranty(tenant, owner, serial="SN-CA-00000001")),
        "mine": make_claim(tenant, owner, status=Claim.Status.UNDER_REVIEW, assignee=agent, issue_type="cosmetic"),
        "theirs": make_claim(tenant, other, status=Claim.Status.INFO_REQUESTED, assignee=colleague),
        "new": make_claim(tenant, other, status=Claim.Status.APPROVED, resolution="repair"),
    }
    for days, key in ((40, "old"), (20, "mine"), (10, "theirs"), (1, "new")):
        Claim.objects.filter(id=claims[key].id).update(created_at=now - datetime.timedelta(days=days))
    foreign_owner = make_customer(other_tenant, "owner@example.com")
    foreign = make_claim(other_tenant, foreign_owner, warranty=make_warranty(other_tenant, foreign_owner, serial="SN-CA-00000001"))
    return {"agent": agent, "colleague": colleague, "claims": {k: c.id for k, c in claims.items()}, "foreign": foreign.id,
            "client": _signed_in(agent)}


def test_the_brands_claims_oldest_first_with_their_age(desk):
    response = desk["client"].get("/admin/claims/")
    assert response.status_code == 200
    ids = desk["claims"]
    assert _listed(response) == [ids["old"], ids["mine"], ids["theirs"], ids["new"]]
    page = response.content.decode()
    assert desk["foreign"] not in page
    assert "40 d" in page and "1 d" in page
    assert 'data-workspace-brand="northpeak"' in page


def test_sorting_newest_first(desk):
    ids = desk["claims"]
    assert _listed(desk["client"].get("/admin/claims/?ordering=-created_at")) == [
        ids["new"], ids["theirs"], ids["mine"], ids["old"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=submitted", ["old"]),
        ("status=under_review&status=approved", ["mine", "new"]),
        ("waiting_on_customer=true", ["theirs"]),
        ("waiting_on_customer=false", ["old", "mine", "new"]),
        ("issue_type=cosmetic", ["mine"]),
        ("assignee=me", ["mine"]),
        ("assignee=none", ["old", "new"]),
        ("q=SN-CA-00000001", ["old"]),
        ("q=sn-ca-00000001", ["old"]),
        ("q=ann@example.com", ["theirs", "new"]),
        ("q=John Smith", ["old", "mine", "theirs", "new"]),
        ("q=nobody at all", []),
    ],
)
def test_filters_and_search(desk, query, expected):
    ids = desk["claims"]
    response = desk["client"].get(f"/admin/claims/?{query}")
    assert _listed(response) == [ids[k] for k in expected]
    # The page's total (taken from the status counts) is what the filters list.
    assert response.context["paginator"].count == len(expected)


def test_filter_by_a_colleague_product_category_and_dates(desk, tenant):
    ids = desk["claims"]
    client = desk["client"]
    assert _listed(client.get(f"/admin/claims/?assignee={desk['colleague'].public_id}")) == [ids["theirs"]]
    claim = Claim.objects.select_related("warranty__product__category").get(id=ids["old"])
    product, category = claim.warranty.product, claim.warranty.product.category
    assert len(_listed(client.get(f"/admin/claims/?product={product.pk}"))) == 4
    assert len(_listed(client.get(f"/admin/claims/?category={category.pk}"))) == 4
    today = timezone.localdate()
    start = (today - datetime.timedelta(days=25)).isoformat()
    end = (today - datetime.timedelta(days=5)).isoformat()
    assert _listed(client.get(f"/admin/claims/?created_from={start}&created_to={end}")) == [ids["mine"], ids["theirs"]]


def test_search_by_claim_id_and_reference_never_finds_another_brands(desk):
    client = desk["client"]
    assert _listed(client.get(f"/admin/claims/?q={desk['foreign']}")) == []
    claim = Claim.objects.get(id=desk["claims"]["mine"])
    assert _listed(client.get(f"/admin/claims/?q={claim.id}")) == [claim.id]
    assert _listed(client.get(f"/admin/claims/?q={claim.reference.lower()}")) == [claim.id]


def test_status_tabs_count_with_the_other_filters(desk):
    page = desk["client"].get("/admin/claims/?issue_type=malfunction&status=submitted").content.decode()
    counts = dict(re.findall(r'data-status="(\w+)"[^>]*>[^<]*<span class="workspace-count">(\d+)</span>', page))
    assert counts == {"submitted": "1", "under_review": "0", "info_requested": "1", "approved": "1", "denied": "0",
                      "resolved": "0"}
    assert re.search(r">All <span class=\"workspace-count\">3</span>", page)



def test_an_invalid_filter_value_is_not_a_server_error(desk):
    for query in ("status=bogus", "created_from=2026-13-45", "product=999999", "assignee=usr_nobody", "p=99999",
                  "per_page=7", "ordering=password"):
        assert desk["client"].get(f"/admin/claims/?{query}").status_code in (200, 404), query


def test_the_query_count_does_not_grow_with_the_page_size(tenant, make_staff, make_customer):
    agent = make_staff(tenant, Role.AGENT)
    for n in range(60):
        owner = make_customer(tenant, f"bulk{n}@example.com")
        make_claim(tenant, owner, assignee=agent if n % 2 else None)
    client = _signed_in(agent)
    client.get("/admin/claims/")  # warm the session and Wagtail's caches
    counts = []
    for size in (25, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/admin/claims/?per_page={size}&assignee=none")
        assert len(_listed(response)) == min(size, 30)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_dashboard_shows_counts_and_what_is_assigned_to_me(desk):
    page = desk["client"].get("/admin/").content.decode()
    assert "Claims at Northpeak Outdoor" in page
    assert "Assigned to me: 1" in page
    assert re.search(r"Under review</a></td><td data-count>1<", page)
    # The panel comes before Wagtail's own: the desk is the first thing an agent sees.
    assert page.index("workspace-claims") < page.index("Your most recent edits") if "Your most recent edits" in page else True


def test_the_sidebar_leads_to_claims(desk):
    page = desk["client"].get("/admin/").content.decode()
    assert '"name": "claims"' in page and "/admin/claims/" in page


def test_queue_authorization_table(admin_callers, tenant, make_customer):
    owner = make_customer(tenant, "someone@example.com")
    claim = make_claim(tenant, owner)

    def act(client, ctx):
        response = client.get("/admin/claims/")
        # Whoever sees the queue sees only their current brand's claims.
        if response.status_code == 200:
            listed = _listed(response)
            assert listed == ([] if client is admin_callers["other_admin"].client else [claim.id])
        return response

    check_matrix(admin_callers, OPEN_TO_STAFF, act=act, state=lambda ctx: db_state(Claim, ClaimEvent))
