"""Transfer of ownership: the owner offers, the invited verified customer accepts through a signed token."""

from __future__ import annotations

import datetime
import time

import pytest
from django.core import signing
from django.utils import timezone

from tests.conftest import client_for
from warranty_api.models import Warranty, WarrantyEvent, WarrantyTransfer
from warranty_api.warranties.selectors import warranty_contact
from warranty_api.warranties.services import transfer_token, warranty_register


def register(tenant, owner, serial="SN-CA-20250115", **kw):
    data = {
        "serial_number": serial,
        "purchase_date": timezone.localdate() - datetime.timedelta(days=5),
        "customer": {"email": owner.email, "name": "Owner", "phone": "1", "address": {"city": "X"}},
    }
    return warranty_register(tenant=tenant, data=data, account=owner, **kw)


@pytest.fixture
def newcomer(tenant, make_customer):
    return make_customer(tenant, "new.owner@example.com")


def test_transfer_start_and_accept(tenant, owner, newcomer):
    warranty = register(tenant, owner)
    url = f"/api/northpeak/warranties/{warranty.id}/transfer"
    started = client_for(owner, tenant).post(url, {"email": "New.Owner@example.com"}, format="json")
    assert started.status_code == 201, started.content
    transfer = WarrantyTransfer.objects.get(id=started.json()["data"]["id"])
    assert transfer.to_email == "new.owner@example.com" and transfer.status == "pending"
    again = client_for(owner, tenant).post(url, {"email": "third@example.com"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "transfer_already_pending"

    accepted = client_for(newcomer, tenant).post(
        "/api/northpeak/warranties/transfers/accept", {"token": transfer_token(transfer)}, format="json"
    )
    assert accepted.status_code == 201, accepted.content
    data = accepted.json()["data"]
    warranty.refresh_from_db()
    assert warranty.status == "transferred"
    new = Warranty.objects.get(id=data["id"])
    assert new.owner == newcomer and new.replaces_id == warranty.id and new.status == "active"
    assert (new.serial_number, new.warranty_end, new.warranty_start) == (
        warranty.serial_number, warranty.warranty_end, warranty.warranty_start
    )
    assert new.customer.email == "new.owner@example.com"
    # The new owner's contact details go with it, never the previous owner's address.
    assert (new.contact_name, new.contact_phone, new.contact_address) == (newcomer.full_name, "", {})
    assert warranty_contact(new)["address"] != {"city": "X"}
    assert data["replaces"] == warranty.id
    # The old owner no longer sees it as theirs to act on; the new owner does.
    assert client_for(owner, tenant).get(f"/api/northpeak/warranties/{warranty.id}").json()["data"]["status"] == "transferred"
    assert client_for(newcomer, tenant).get(f"/api/northpeak/warranties/{new.id}").status_code == 200
    assert {e.action for e in WarrantyEvent.objects.filter(warranty__in=[warranty, new])} >= {
        "transfer_started", "transferred", "received_by_transfer"
    }
    # The token is spent.
    reuse = client_for(newcomer, tenant).post(
        "/api/northpeak/warranties/transfers/accept", {"token": transfer_token(transfer)}, format="json"
    )
    assert reuse.status_code == 409


def test_not_transferable_is_422(make_tenant, make_customer):
    config_categories = [{"slug": "handguns", "name": "Handguns", "standard_months": 12, "extended_months": 24,
                          "coverage": "full_replacement", "transferable": False}]
    tenant = make_tenant("northpeak", categories=config_categories)
    owner = make_customer(tenant, "owner@example.com")
    warranty = register(tenant, owner)
    response = client_for(owner, tenant).post(
        f"/api/northpeak/warranties/{warranty.id}/transfer", {"email": "x@example.com"}, format="json"
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "warranty_not_transferable"
    assert not WarrantyTransfer.objects.exists()


def test_accept_refusals(tenant, owner, newcomer, make_customer):
    warranty = register(tenant, owner)
    client_for(owner, tenant).post(f"/api/northpeak/warranties/{warranty.id}/transfer",
                                   {"email": newcomer.email}, format="json")
    transfer = WarrantyTransfer.objects.get()
    token = transfer_token(transfer)
    url = "/api/northpeak/warranties/transfers/accept"
    stranger = make_customer(tenant, "stranger@example.com")
    assert client_for(stranger, tenant).post(url, {"token": token}, format="json").status_code == 404
    bad = client_for(newcomer, tenant).post(url, {"token": token + "x"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["token"][0]["code"] == "invalid"
    class FifteenDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 15 * 24 * 3600)

    old_token = FifteenDaysAgo(salt="warranty_api.transfer").sign(transfer.id)
    expired = client_for(newcomer, tenant).post(url, {"token": old_token}, format="json")
    assert expired.status_code == 400 and expired.json()["error"]["fields"]["token"][0]["code"] == "expired"
    newcomer.email_verified_at = None
    newcomer.save()
    assert client_for(newcomer, tenant).post(url, {"token": token}, format="json").status_code == 403
    warranty.refresh_from_db()
    assert warranty.status == "active" and WarrantyTransfer.objects.get().status == "pending"


def test_transfer_own_email_and_someone_elses_warranty(tenant, owner, newcomer):
    warranty = register(tenant, owner)
    url = f"/api/northpeak/warranties/{warranty.id}/transfer"
    assert client_for(owner, tenant).post(url, {"email": owner.email}, format="json").status_code == 400
    assert client_for(newcomer, tenant).post(url, {"email": "x@example.com"}, format="json").status_code == 404
    assert not WarrantyTransfer.objects.exists()


def test_transfer_post_is_idempotent(tenant, owner):
    warranty = register(tenant, owner)
    url = f"/api/northpeak/warranties/{warranty.id}/transfer"
    client = client_for(owner, tenant)
    first = client.post(url, {"email": "a@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    replay = client.post(url, {"email": "a@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    assert first.status_code == replay.status_code == 201 and first.json() == replay.json()
    assert WarrantyTransfer.objects.count() == 1
    reused = client.post(url, {"email": "b@example.com"}, format="json", HTTP_IDEMPOTENCY_KEY="t1")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"


def test_the_emailed_link_carries_a_token_that_accepts(tenant, owner, newcomer, django_capture_on_commit_callbacks):
    import re
    from urllib.parse import parse_qs, urlparse

    from django.core import mail

    warranty = register(tenant, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner, tenant).post(
            f"/api/northpeak/warranties/{warranty.id}/transfer", {"email": newcomer.email}, format="json"
        )
    assert response.status_code == 201
    offer = [m for m in mail.outbox if m.to == [newcomer.email]]
    assert len(offer) == 1 and "TP9 Elite SC" in offer[0].body
    link = re.search(r"https?://\S+", offer[0].body).group(0)
    token = parse_qs(urlparse(link).query)["token"][0]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client_for(newcomer, tenant).post(
            "/api/northpeak/warranties/transfers/accept", {"token": token}, format="json"
        )
    assert accepted.status_code == 201
    assert any(m.to == [owner.email] and "new owner" in m.body for m in mail.outbox)
