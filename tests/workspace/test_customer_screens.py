"""The customer screens in the admin: list and search, detail with warranties and claims, audited contact correction."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.models import Customer, Warranty, WarrantyEvent, WebhookDelivery


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(response) -> list[str]:
    return re.findall(r'href="/admin/customers/(cus_[A-Za-z0-9]+)/"', response.content.decode())


def state():
    return db_state(Customer, Warranty, WarrantyEvent, WebhookDelivery)


@pytest.fixture
def people(tenant, other_tenant, make_customer):
    ann = make_customer(tenant, "ann@example.com")
    bob = make_customer(tenant, "bob@example.com")
    foreign = make_customer(other_tenant, "ann@example.com")
    a1 = make_warranty(tenant, ann, serial="SN-CU-11110001")
    b1 = make_warranty(tenant, bob, serial="SN-CU-22220001")
    f1 = make_warranty(other_tenant, foreign, serial="SN-CU-11110003")
    Customer.objects.filter(pk=b1.customer_id).update(name="Bob Builder")
    claim = make_claim(tenant, ann, warranty=a1)
    return {"ann": a1.customer, "bob": b1.customer, "foreign": f1.customer, "a1": a1, "b1": b1, "f1": f1,
            "claim": claim}


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"ann", "bob"}),
    ("q=ann@", {"ann"}),
    ("q=BUILDER", {"bob"}),
    ("q=example.com", {"ann", "bob"}),
    ("q=nobody-here", set()),
])
def test_the_list_and_its_search_show_this_brand_only(agent, people, query, expected):
    listed = set(_listed(_signed_in(agent).get(f"/admin/customers/?{query}")))
    assert listed == {people[key].id for key in expected}


def test_the_list_query_count_does_not_grow_with_the_rows(tenant, agent, make_customer):
    client = _signed_in(agent)
    counts = []
    for batch in (3, 20):
        for _ in range(batch):
            owner = make_customer(tenant)
            make_claim(tenant, owner)
        client.get("/admin/customers/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/customers/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_list_counts_warranties_and_claims(agent, people):
    body = _signed_in(agent).get("/admin/customers/?q=ann@").content.decode()
    row = body[body.index("ann@example.com"):]
    assert re.search(r"<td>1</td>\s*<td>1</td>", row)
    # Ann has an account of the same email that is not linked to the record yet.
    assert "not linked yet" in row


def test_the_detail_links_the_warranties_and_claims(agent, people):
    body = _signed_in(agent).get(f"/admin/customers/{people['ann'].id}/").content.decode()
    assert f'href="/admin/warranties/{people["a1"].id}/"' in body
    assert f'href="/admin/claims/{people["claim"].id}/"' in body
    assert people["b1"].serial_number not in body
    assert "ann@example.com" in body


def test_another_brands_customer_is_not_there(agent, people):
    client = _signed_in(agent)
    assert client.get(f"/admin/customers/{people['foreign'].id}/").status_code == 404
    assert client.post(f"/admin/customers/{people['foreign'].id}/",
                       {"warranty": people["f1"].id, "name": "X"}).status_code == 404


def test_a_warranty_of_another_customer_cannot_be_corrected_here(agent, people):
    before = state()
    response = _signed_in(agent).post(f"/admin/customers/{people['ann'].id}/",
                                      {"warranty": people["b1"].id, "name": "Mallory"})
    assert response.status_code == 404 and state() == before


def test_correcting_a_contact_detail_is_audited(agent, people):
    warranty = people["a1"]
    response = _signed_in(agent).post(f"/admin/customers/{people['ann'].id}/", {
        "warranty": warranty.id, "name": "Ann Smith", "phone": "+44 20 7946 0000",
        "address_street": "1 High St", "address_city": "Leeds", "address_country": "GB",
        "note": "Customer phoned with the right address"})
    assert response.status_code == 302
    warranty.refresh_from_db()
    assert (warranty.contact_name, warranty.contact_phone) == ("Ann Smith", "+44 20 7946 0000")
    assert warranty.contact_address == {"street": "1 High St", "city": "Leeds", "country": "GB"}
    event = WarrantyEvent.objects.get(warranty=warranty, action="contact_corrected")
    assert event.actor == agent and event.note == "Customer phoned with the right address"
    assert event.before == {"contact_name": "John Smith", "contact_phone": "", "contact_address": {}}
    assert event.after["contact_address"] == {"street": "1 High St", "city": "Leeds", "country": "GB"}
    # The warranty's own screen shows the change in its trail.
    trail = _signed_in(agent).get(f"/admin/warranties/{warranty.id}/").content.decode()
    assert 'data-event="contact_corrected"' in trail


def test_saving_the_same_details_writes_nothing(agent, people):
    before = state()
    response = _signed_in(agent).post(f"/admin/customers/{people['ann'].id}/",
                                      {"warranty": people["a1"].id, "name": "John Smith"})
    assert response.status_code == 302 and state() == before


@pytest.mark.parametrize("fields", [{"name": "   "}, {"name": "x" * 201}, {"name": "Ann", "phone": "9" * 41}])
def test_a_bad_correction_says_why_and_changes_nothing(agent, people, fields):
    before = state()
    response = _signed_in(agent).post(f"/admin/customers/{people['ann'].id}/",
                                      {"warranty": people["a1"].id, **fields})
    assert response.status_code == 400
    assert "data-error" in response.content.decode()
    assert state() == before


def test_the_customer_screens_authorization(admin_callers, people):
    check_matrix(admin_callers, OPEN_TO_STAFF, act=lambda client, ctx: client.get("/admin/customers/"),
                 state=lambda ctx: state())
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"/admin/customers/{people['ann'].id}/"),
                 state=lambda ctx: state())


def test_the_correction_authorization(admin_callers, people):
    names = iter(range(100))
    check_matrix(
        admin_callers,
        {"anonymous": "login", "customer": "login", "agent": "done", "admin": "done", "other_admin": "not_found",
         "superuser": "done"},
        act=lambda client, ctx: client.post(f"/admin/customers/{people['ann'].id}/",
                                            {"warranty": people["a1"].id, "name": f"Ann {next(names)}"}),
        state=lambda ctx: state(),
        writes_on={"done"},
    )
    assert WarrantyEvent.objects.filter(warranty=people["a1"], action="contact_corrected").count() == 3
