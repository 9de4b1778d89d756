"""Who may call each claims endpoint: the seven callers against every endpoint, and nothing changes when refused."""

from __future__ import annotations

import pytest

from tests.support.claims_helpers import make_claim, make_fulfillment, make_warranty
from warranty_api.models import Claim, ClaimEvent, ClaimMessage, Fulfillment

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]


def _expect(**overrides):
    # Tokens of another tenant are refused at authentication (401) before anything is looked up.
    base = {"anonymous": 401, "other_tenant_customer": 401, "other_tenant_admin": 401}
    return {**base, **overrides}


CUSTOMER_WRITE = _expect(customer=201, other_customer=404, agent=403, admin=403)
CUSTOMER_LIST = _expect(customer=200, other_customer=200, agent=403, admin=403)
CUSTOMER_READ = _expect(customer=200, other_customer=404, agent=403, admin=403)
STAFF_READ = _expect(customer=403, other_customer=403, agent=200, admin=200)


@pytest.fixture
def world(tenant, actors):
    owner = actors["customer"][0]
    claim = make_claim(tenant, owner, warranty=make_warranty(tenant, owner))
    fulfillment = make_fulfillment(claim, Fulfillment.Kind.REPAIR)
    free_warranty = make_warranty(tenant, owner)
    return {"claim": claim, "fulfillment": fulfillment, "free_warranty": free_warranty}


def _snapshot():
    return (
        list(Claim.objects.order_by("id").values_list("id", "status", "admin_notes", "assignee_id")),
        ClaimEvent.objects.count(),
        ClaimMessage.objects.count(),
        list(Fulfillment.objects.order_by("id").values_list("id", "status")),
    )


@pytest.mark.parametrize("actor", ACTORS)
def test_submit_claim(actor, actors, world):
    before = _snapshot()
    body = {"warranty_id": world["free_warranty"].id, "issue_type": "malfunction", "description": "Broken"}
    # Someone else's warranty is 404 for the other customer; staff file no claims.
    response = actors[actor][1].post("/api/northpeak/claims", body, format="json")
    assert response.status_code == CUSTOMER_WRITE[actor], response.content
    if response.status_code != 201:
        assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_list_own_claims(actor, actors, world):
    response = actors[actor][1].get("/api/northpeak/claims")
    assert response.status_code == CUSTOMER_LIST[actor]
    if response.status_code == 200:
        expected = [world["claim"].id] if actor == "customer" else []
        assert [c["id"] for c in response.json()["data"]] == expected


@pytest.mark.parametrize("actor", ACTORS)
def test_read_claim(actor, actors, world):
    response = actors[actor][1].get(f"/api/northpeak/claims/{world['claim'].id}")
    assert response.status_code == CUSTOMER_READ[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_post_message(actor, actors, world):
    before = _snapshot()
    response = actors[actor][1].post(f"/api/northpeak/claims/{world['claim'].id}/messages", {"body": "Hello"},
                                     format="json")
    assert response.status_code == CUSTOMER_WRITE[actor]
    if response.status_code != 201:
        assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_queue(actor, actors, world):
    response = actors[actor][1].get("/api/northpeak/admin/claims")
    assert response.status_code == STAFF_READ[actor]
    if response.status_code == 200:
        assert [c["id"] for c in response.json()["data"]] == [world["claim"].id]


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_read_claim(actor, actors, world):
    response = actors[actor][1].get(f"/api/northpeak/admin/claims/{world['claim'].id}")
    assert response.status_code == STAFF_READ[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_patch_claim(actor, actors, world):
    before = _snapshot()
    response = actors[actor][1].patch(f"/api/northpeak/admin/claims/{world['claim'].id}",
                                      {"status": "under_review", "admin_notes": "checked"}, format="json")
    assert response.status_code == STAFF_READ[actor]
    if response.status_code != 200:
        assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_fulfillments(actor, actors, world):
    response = actors[actor][1].get("/api/northpeak/admin/fulfillments")
    assert response.status_code == STAFF_READ[actor]


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_patch_fulfillment(actor, actors, world):
    before = _snapshot()
    response = actors[actor][1].patch(f"/api/northpeak/admin/fulfillments/{world['fulfillment'].id}",
                                      {"status": "received"}, format="json")
    assert response.status_code == STAFF_READ[actor]
    if response.status_code != 200:
        assert _snapshot() == before


def test_another_tenants_claim_is_not_found_for_its_staff(make_tenant, other_tenant, actors, world):
    """Staff of another brand, using their own brand's paths, cannot reach this brand's claim by id."""
    client = actors["other_tenant_admin"][1]
    before = _snapshot()
    claim_id, fulfillment_id = world["claim"].id, world["fulfillment"].id
    assert client.get(f"/api/southwind/admin/claims/{claim_id}").status_code == 404
    assert client.patch(f"/api/southwind/admin/claims/{claim_id}", {"status": "under_review"},
                        format="json").status_code == 404
    assert client.patch(f"/api/southwind/admin/fulfillments/{fulfillment_id}", {"status": "received"},
                        format="json").status_code == 404
    assert client.get("/api/southwind/admin/claims").json()["data"] == []
    foreign_customer = actors["other_tenant_customer"][1]
    assert foreign_customer.get(f"/api/southwind/claims/{claim_id}").status_code == 404
    assert foreign_customer.post("/api/southwind/claims", {"warranty_id": world["free_warranty"].id,
                                                           "issue_type": "malfunction", "description": "x"},
                                 format="json").status_code == 404
    assert _snapshot() == before
