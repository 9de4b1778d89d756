"""The brand's marketing opt-in: asked at registration and sign-up in the brand's words, withdrawn in the account,
each answer logged with its wording, version, time and source, handed to the brand through the admin API and the
`customer.consent_changed` webhook; a withdrawal keeps service notices away, never safety notices."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD, client_for
from tests.core.test_api_frame import assert_error
from tests.support.webhook_receiver import Receiver
from warranty_api.accounts.consent import consent_text_version
from warranty_api.models import Customer, MarketingConsent, Role, WebhookDelivery
from warranty_api.webhooks.services import webhook_endpoint_create

ME = "/api/northpeak/auth/me"
LOG = "/api/northpeak/admin/consents"
WORDING = "Yes, send me Northpeak's trail news and offers."


def _registration(email="buyer@example.com", **customer):
    return {"serial_number": "SN-CA-20250115",
            "purchase_date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
            "customer": {"email": email, "name": "Buyer", "phone": "+1-555-0100",
                         "address": {"street": "1 Main St", "city": "Miami", "state": "FL", "zip": "33101"}, **customer}}


@pytest.fixture
def worded(tenant):
    tenant.marketing_consent_text = WORDING
    tenant.save(update_fields=["marketing_consent_text"])
    return tenant


def test_a_ticked_box_at_registration_is_logged_with_the_brands_wording_unconfirmed(api, worded):
    response = api.post("/api/p/northpeak/warranties", _registration(marketing_consent=True), format="json")
    assert response.status_code == 201, response.content
    row = MarketingConsent.objects.get()
    assert (row.granted, row.source, row.text, row.email_confirmed) == (True, "registration", WORDING, False)
    assert row.text_version == consent_text_version(WORDING) and row.customer.email == "buyer@example.com"
    assert Customer.objects.get(email="buyer@example.com").marketing_opt_out is False


def test_no_box_or_an_unticked_one_is_no_answer(api, tenant, django_capture_on_commit_callbacks):
    assert api.post("/api/p/northpeak/warranties", _registration(), format="json").status_code == 201
    body = {"email": "new@example.com", "password": PASSWORD, "name": "Nora New", "marketing_consent": False}
    assert api.post("/api/northpeak/auth/register", body, format="json").status_code == 201
    assert not MarketingConsent.objects.exists()


def test_sign_up_with_the_box_ticked_is_logged_as_sign_up(api, tenant):
    body = {"email": "new@example.com", "password": PASSWORD, "name": "Nora New", "marketing_consent": True}
    assert api.post("/api/northpeak/auth/register", body, format="json").status_code == 201
    row = MarketingConsent.objects.get()
    assert (row.granted, row.source, row.email_confirmed) == (True, "sign_up", False)
    # The product's own wording when the brand set none, naming the brand.
    assert "Northpeak Outdoor" in row.text


def test_the_account_grants_and_withdraws_and_a_withdrawal_stops_service_notices(tenant, make_customer):
    owner = make_customer(tenant, "owner@example.com")
    client = client_for(owner, tenant)
    me = client.get(ME).json()["data"]
    assert me["marketing_consent"] is False and "Northpeak Outdoor" in me["marketing_consent_text"]
    granted = client.patch(ME, {"marketing_consent": True}, format="json")
    assert granted.status_code == 200 and granted.json()["data"]["marketing_consent"] is True
    again = client.patch(ME, {"marketing_consent": True}, format="json")  # no change, no second row
    assert again.status_code == 200 and MarketingConsent.objects.count() == 1
    withdrawn = client.patch(ME, {"marketing_consent": False}, format="json")
    assert withdrawn.json()["data"]["marketing_consent"] is False
    rows = list(MarketingConsent.objects.order_by("created_at", "id").values_list("granted", "source", "email_confirmed"))
    assert rows == [(True, "account", True), (False, "account", True)]
    assert Customer.objects.get(tenant=tenant, email="owner@example.com").marketing_opt_out is True
    client.patch(ME, {"marketing_consent": True}, format="json")
    assert Customer.objects.get(tenant=tenant, email="owner@example.com").marketing_opt_out is False


@pytest.mark.parametrize(("verified", "value", "code"), [
    (True, "no", "invalid"), (True, None, "invalid"), (True, 0, "invalid"), (False, True, "email_not_verified"),
])
def test_the_account_answer_needs_a_boolean_and_a_confirmed_email(tenant, make_customer, verified, value, code):
    owner = make_customer(tenant, "owner@example.com", verified=verified)
    response = client_for(owner, tenant).patch(ME, {"marketing_consent": value}, format="json")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"]["marketing_consent"][0]["code"] == code
    assert not MarketingConsent.objects.exists()


def test_the_brand_reads_its_log_and_an_app_gets_the_event(tenant, other_tenant, make_customer, make_staff,
                                                          django_capture_on_commit_callbacks):
    receiver = Receiver().start()
    try:
        _, receiver.secret = webhook_endpoint_create(tenant=tenant, url=receiver.url, events=["customer.consent_changed"])
        owner = make_customer(tenant, "owner@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            client_for(owner, tenant).patch(ME, {"marketing_consent": True}, format="json")
        with django_capture_on_commit_callbacks(execute=True):
            client_for(owner, tenant).patch(ME, {"marketing_consent": False}, format="json")
    finally:
        receiver.stop()
    events = [e for e in receiver.accepted if e["type"] == "customer.consent_changed"]
    assert [e["data"]["granted"] for e in events] == [True, False]
    assert events[0]["data"]["customer"]["email"] == "owner@example.com"
    assert events[0]["data"]["source"] == "account" and events[0]["data"]["email_confirmed"] is True

    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    log = admin.get(LOG)
    assert log.status_code == 200, log.content
    rows = log.json()["data"]
    assert [r["granted"] for r in rows] == [False, True]  # newest first
    assert rows[0]["customer"]["email"] == "owner@example.com" and rows[0]["text_version"]
    assert [r["granted"] for r in admin.get(LOG + "?granted=true").json()["data"]] == [True]
    assert_error(admin.get(LOG + "?granted=maybe"), 400, "validation_error")
    delivered = json.loads(WebhookDelivery.objects.order_by("id").first().body)
    assert delivered["data"]["id"] == rows[1]["id"]


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 401), ("customer", 403), ("agent", 403), ("admin", 200), ("other_admin", 401),
])
def test_who_may_read_the_consent_log(tenant, other_tenant, make_customer, make_staff, api, who, status):
    owner = make_customer(tenant, "owner@example.com")
    client_for(owner, tenant).patch(ME, {"marketing_consent": True}, format="json")
    client = {
        "anonymous": lambda: api,
        "customer": lambda: client_for(owner, tenant),
        "agent": lambda: client_for(make_staff(tenant, Role.AGENT), tenant),
        "admin": lambda: client_for(make_staff(tenant, Role.ADMIN), tenant),
        "other_admin": lambda: client_for(make_staff(other_tenant, Role.ADMIN, email="other@example.com"), tenant),
    }[who]()
    response = client.get(LOG)
    assert response.status_code == status, response.content
    if status == 200:
        assert len(response.json()["data"]) == 1
    # And another brand's admin sees only their own (empty) log.
    theirs = client_for(make_staff(other_tenant, Role.ADMIN, email="theirs@example.com"), other_tenant)
    assert theirs.get("/api/southwind/admin/consents").json()["data"] == []


def test_the_brand_sets_its_wording_in_the_admin_settings(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    response = admin.patch("/api/northpeak/admin/settings", {"consent": {"marketing_text": WORDING}}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["consent"] == {"marketing_text": WORDING}
    tenant.refresh_from_db()
    assert tenant.marketing_consent_text == WORDING
