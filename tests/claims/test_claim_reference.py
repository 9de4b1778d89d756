"""The claim's short reference per brand (NO-1001): given at submission, shown, searched, used in every claim email."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from tests.conftest import client_for
from tests.support.claims_helpers import make_warranty
from warranty_api.models import Claim, claim_reference_prefix


def _submit(customer, tenant, warranty):
    body = {"warranty_id": warranty.id, "issue_type": "malfunction", "description": "The slide does not lock."}
    return client_for(customer, tenant).post(f"/api/{tenant.slug}/claims", body, format="json")


def test_claims_are_numbered_per_brand_and_the_api_shows_the_reference(tenant, other_tenant, make_customer):
    first, second = make_customer(tenant, "a@example.com"), make_customer(tenant, "b@example.com")
    elsewhere = make_customer(other_tenant, "a@example.com")
    created = [_submit(first, tenant, make_warranty(tenant, first)).json()["data"],
               _submit(second, tenant, make_warranty(tenant, second)).json()["data"],
               _submit(elsewhere, other_tenant, make_warranty(other_tenant, elsewhere)).json()["data"]]
    assert [c["reference"] for c in created] == ["NO-1001", "NO-1002", "SO-1001"]
    assert created[0]["id"].startswith("clm_")  # the API's id stays the public id

    client = client_for(first, tenant)
    assert client.get(f"/api/northpeak/claims/{created[0]['id']}").json()["data"]["reference"] == "NO-1001"
    assert [c["reference"] for c in client.get("/api/northpeak/claims").json()["data"]] == ["NO-1001"]


def test_a_refused_claim_takes_no_number(tenant, make_customer):
    customer = make_customer(tenant, "a@example.com")
    warranty = make_warranty(tenant, customer)
    assert _submit(customer, tenant, warranty).status_code == 201
    assert _submit(customer, tenant, warranty).json()["error"]["code"] == "claim_already_open"
    other = make_warranty(tenant, customer)
    assert _submit(customer, tenant, other).json()["data"]["reference"] == "NO-1002"


def test_staff_find_a_claim_by_its_reference(tenant, make_customer, admin):
    customer = make_customer(tenant, "a@example.com")
    for _ in range(3):
        _submit(customer, tenant, make_warranty(tenant, customer))
    client = client_for(admin, tenant)
    for query in ("NO-1002", "no-1002", " NO-1002 "):
        found = client.get("/api/northpeak/admin/claims", {"q": query}).json()["data"]
        assert [c["reference"] for c in found] == ["NO-1002"], query
    assert client.get("/api/northpeak/admin/claims", {"q": "NO-1009"}).json()["data"] == []


@pytest.mark.django_db(transaction=True)
def test_every_claim_email_names_the_reference_and_links_to_the_claims_page(tenant, make_customer, admin, settings):
    settings.AFTERSALE_PUBLIC_BASE_URL = "https://care.example"
    customer = make_customer(tenant, "a@example.com")
    claim_id = _submit(customer, tenant, make_warranty(tenant, customer)).json()["data"]["id"]
    page = f"https://care.example/northpeak/claims/{claim_id}/"
    staff = client_for(admin, tenant)
    url = f"/api/northpeak/admin/claims/{claim_id}"
    steps = [
        {"status": "info_requested", "message_to_customer": "A photo of the plate, please.", "notify_customer": True},
        {"status": "under_review", "notify_customer": True},
        {"status": "approved", "resolution": "repair", "notify_customer": True},
    ]
    for step in steps:
        assert staff.patch(url, step, format="json").status_code == 200
    claim_mail = [m for m in mail.outbox if "NO-1001" in m.subject]
    assert len(claim_mail) == 4, [m.subject for m in mail.outbox]  # received, info requested, updated, approved
    for message in claim_mail:
        assert claim_id not in message.subject
        assert page in message.body, message.subject
        assert f'href="{page}"' in message.alternatives[0][0]

    approved = claim_mail[-1]
    rma = Claim.objects.get(id=claim_id).fulfillments.get(kind="return_authorization").rma_number
    assert rma and rma in approved.body
    assert "parcel" in approved.body  # what to do with the product


def test_the_prefix_comes_from_the_brand_slug():
    assert claim_reference_prefix("ridgeline") == "RI"
    assert claim_reference_prefix("red-lake-outdoor") == "RLO"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claims_submitted_at_the_same_instant_get_distinct_numbers(tenant, make_customer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so nothing races there")
    customers = [make_customer(tenant, f"c{i}@example.com") for i in range(6)]
    warranties = [make_warranty(tenant, c) for c in customers]
    barrier = threading.Barrier(len(customers))
    statuses: list[int] = []

    def submit(index: int) -> None:
        try:
            barrier.wait()
            statuses.append(_submit(customers[index], tenant, warranties[index]).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(customers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * len(customers)
    references = sorted(Claim.objects.filter(tenant=tenant).values_list("reference", flat=True))
    assert references == [f"NO-{1001 + i}" for i in range(len(customers))]
