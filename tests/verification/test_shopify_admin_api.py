"""Admin endpoints of Shopify verification: the store link, its test, staff override and retry."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.support.fake_shopify import TOKEN, order
from tests.verification.test_shopify_verification import EMAIL, SKU, make_warranty
from warranty_api.models import PurchaseVerification, ShopifyConnection, Warranty, WarrantyEvent
from warranty_api.verification.services import shopify_connection_save

SHOPIFY = "/api/northpeak/admin/integrations/shopify"


@pytest.fixture
def admin_client(tenant, make_staff):
    return client_for(make_staff(tenant, "admin"), tenant)


@pytest.fixture
def agent(tenant, make_staff):
    return make_staff(tenant, "agent")


def link(tenant, fake, token=TOKEN):
    tenant.verification = "required"
    tenant.save(update_fields=["verification"])
    return shopify_connection_save(
        tenant=tenant, shop_domain="northpeak.myshopify.com", access_token=token, api_base_url=fake.base_url
    )


def verification_url(warranty, suffix=""):
    return f"/api/northpeak/admin/warranties/{warranty.pk}/verification{suffix}"


# ------------------------------------------------------------------------------------------- the store link


def test_put_links_the_store_and_never_returns_the_token(admin_client, fake):
    body = {
        "shop_domain": "https://Northpeak.myshopify.com/",
        "access_token": TOKEN,
        "api_version": "2025-04",
        "api_base_url": fake.base_url,
    }
    response = admin_client.put(SHOPIFY, body, format="json")
    assert response.status_code == 200, response.content
    assert TOKEN not in response.content.decode()
    data = response.json()["data"]
    assert data["connected"] is True and data["has_access_token"] is True
    assert data["shop_domain"] == "northpeak.myshopify.com" and data["api_version"] == "2025-04"
    assert data["access_token_last4"] == "WXYZ"
    got = admin_client.get(SHOPIFY)
    assert TOKEN not in got.content.decode() and got.json()["data"] == data

    # Relinking without a token keeps the stored one.
    response = admin_client.put(SHOPIFY, {"shop_domain": "northpeak.myshopify.com", "api_base_url": fake.base_url}, format="json")
    assert response.status_code == 200
    assert ShopifyConnection.objects.get().access_token() == TOKEN
    assert response.json()["data"]["api_version"] == "2025-07"  # the default


def test_get_without_a_link(admin_client):
    data = admin_client.get(SHOPIFY).json()["data"]
    assert data["connected"] is False and data["has_access_token"] is False


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"shop_domain": "evil.example.com", "access_token": TOKEN}, "shop_domain", "invalid"),
        ({"shop_domain": "northpeak.myshopify.com"}, "access_token", "required"),
        ({"shop_domain": "northpeak.myshopify.com", "access_token": TOKEN, "api_version": "latest"}, "api_version", "invalid"),
        (
            {"shop_domain": "northpeak.myshopify.com", "access_token": TOKEN, "api_base_url": "http://10.0.0.5:80"},
            "api_base_url",
            "not_allowed",
        ),
        ({"shop_domain": "northpeak.myshopify.com", "access_token": TOKEN, "last_test_ok": True}, "last_test_ok", "not_allowed"),
    ],
    ids=["not-myshopify", "no-token", "bad-version", "base-url-host", "read-only-field"],
)
def test_put_refuses_bad_settings(admin_client, body, field, code):
    response = admin_client.put(SHOPIFY, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code
    assert TOKEN not in response.content.decode()
    assert not ShopifyConnection.objects.exists()


def test_base_url_override_is_refused_when_settings_allow_no_host(admin_client, settings, fake):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    body = {"shop_domain": "northpeak.myshopify.com", "access_token": TOKEN, "api_base_url": fake.base_url}
    response = admin_client.put(SHOPIFY, body, format="json")
    assert response.json()["error"]["fields"]["api_base_url"][0]["code"] == "not_allowed"


def test_an_admin_sets_the_verification_mode_and_the_link_stays_as_it_was(admin_client, tenant, fake):
    link(tenant, fake)
    assert admin_client.post(SHOPIFY + "/test").status_code == 200
    before = ShopifyConnection.objects.get(tenant=tenant)
    for mode in ("advisory", "off", "required"):
        response = admin_client.put(SHOPIFY, {"verification": mode}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["verification"] == mode
        tenant.refresh_from_db()
        assert tenant.verification == mode
    after = ShopifyConnection.objects.get(tenant=tenant)
    kept = ("shop_domain", "api_version", "api_base_url", "access_token_encrypted", "last_test_ok")
    assert [getattr(after, name) for name in kept] == [getattr(before, name) for name in kept]
    assert admin_client.get(SHOPIFY).json()["data"]["verification"] == "required"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"verification": "sometimes"}, "verification", "invalid_choice"),
        ({"verification": "required"}, "shop_domain", "required"),  # nothing linked yet
    ],
)
def test_a_refused_mode_changes_nothing(admin_client, tenant, body, field, code):
    response = admin_client.put(SHOPIFY, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code
    tenant.refresh_from_db()
    assert tenant.verification == "off" and not ShopifyConnection.objects.exists()


def test_connection_test_answers_the_shop_name(admin_client, tenant, fake):
    link(tenant, fake)
    response = admin_client.post(SHOPIFY + "/test")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["ok"] is True
    assert response.json()["data"]["shop_name"] == "Northpeak Outdoor Store"
    assert TOKEN not in response.content.decode()
    last = admin_client.get(SHOPIFY).json()["data"]["last_test"]
    assert last["ok"] is True and last["shop_name"] == "Northpeak Outdoor Store"


@pytest.mark.parametrize(
    ("script", "token", "status", "code"),
    [
        (None, "shpat_wrong_token_wrong_token_0000", 422, "shopify_auth_failed"),
        (("status", 500), TOKEN, 502, "shopify_unavailable"),
        (("status", 429, {"Retry-After": "7"}), TOKEN, 503, "shopify_throttled"),
        (("hang", 1.2), TOKEN, 502, "shopify_timeout"),
        # Every read is quick, the whole answer is not: the timeout is for the call, not for each read.
        (("trickle", 0.05), TOKEN, 502, "shopify_timeout"),
        (("raw", b'{"data": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"), TOKEN, 502, "shopify_unavailable"),
        (("raw", b"not json"), TOKEN, 502, "shopify_unavailable"),
    ],
    ids=["bad-token", "server-error", "throttled", "timeout", "trickling-answer", "answer-nested-too-deeply", "answer-not-json"],
)
def test_connection_test_reports_the_error_in_the_envelope(admin_client, tenant, fake, script, token, status, code):
    link(tenant, fake, token=token)
    if script:
        fake.script.append(script)
    response = admin_client.post(SHOPIFY + "/test")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert token not in response.content.decode()
    if code == "shopify_throttled":
        assert response["Retry-After"] == "7"
    last = admin_client.get(SHOPIFY).json()["data"]["last_test"]
    assert last["ok"] is False and last["error"].startswith(code)


def test_connection_test_without_a_link(admin_client):
    response = admin_client.post(SHOPIFY + "/test")
    assert response.status_code == 422 and response.json()["error"]["code"] == "shopify_not_connected"


# ------------------------------------------------------------------------------------------- staff decisions


def test_override_verified_activates_a_pending_warranty(tenant, fake, agent):
    link(tenant, fake)
    warranty = make_warranty(tenant, verification="not_found")
    response = client_for(agent, tenant).post(
        verification_url(warranty), {"decision": "verified", "note": "Receipt from the shop seen"}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["status"], data["verification"]) == ("active", "overridden")
    assert data["verification_detail"]["override"]["decision"] == "verified"
    assert data["verification_detail"]["override"]["by"] == agent.public_id
    event = WarrantyEvent.objects.get(warranty=warranty)
    assert event.action == "verification_overridden" and event.actor == agent
    assert event.note == "Receipt from the shop seen"
    assert event.after == {"verification": "overridden", "status": "active"}


def test_override_rejected_voids_the_warranty_and_no_later_check_undoes_it(tenant, fake, agent):
    link(tenant, fake)
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    warranty = make_warranty(tenant)
    PurchaseVerification.objects.create(warranty=warranty, tenant=tenant)
    response = client_for(agent, tenant).post(
        verification_url(warranty), {"decision": "rejected", "note": "Serial reported stolen"}, format="json"
    )
    assert response.status_code == 200
    warranty.refresh_from_db()
    assert (warranty.status, warranty.verification, warranty.void_reason) == ("void", "overridden", "Serial reported stolen")
    from warranty_api.verification.services import purchase_verify

    assert purchase_verify(warranty.pk) == "skipped"
    assert fake.requests == []
    again = client_for(agent, tenant).post(verification_url(warranty), {"decision": "verified", "note": "oops"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def test_override_needs_a_note_and_a_known_decision(tenant, agent):
    warranty = make_warranty(tenant)
    client = client_for(agent, tenant)
    response = client.post(verification_url(warranty), {"decision": "verified", "note": "  "}, format="json")
    assert response.status_code == 400 and "note" in response.json()["error"]["fields"]
    response = client.post(verification_url(warranty), {"decision": "maybe", "note": "x"}, format="json")
    assert response.status_code == 400 and "decision" in response.json()["error"]["fields"]
    warranty.refresh_from_db()
    assert warranty.verification == "pending" and not WarrantyEvent.objects.exists()


def test_retry_runs_the_check_again(tenant, fake, agent, django_capture_on_commit_callbacks):
    link(tenant, fake)
    warranty = make_warranty(tenant, verification="not_found")
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent, tenant).post(verification_url(warranty, "/retry"))
    assert response.status_code == 202, response.content
    warranty.refresh_from_db()
    assert (warranty.verification, warranty.status) == ("verified", "active")
    assert [e.action for e in WarrantyEvent.objects.filter(warranty=warranty)] == [
        "verification_queued",
        "verification_checked",
    ]
    shown = client_for(agent, tenant).get(verification_url(warranty)).json()["data"]
    assert shown["verification"] == "verified" and shown["check"]["status"] == "done"


def test_retry_refuses_when_verification_is_off(tenant, agent):
    warranty = make_warranty(tenant, verification="off")
    response = client_for(agent, tenant).post(verification_url(warranty, "/retry"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "verification_off"


def test_another_tenants_warranty_is_not_found(tenant, other_tenant, make_staff):
    foreign = make_warranty(other_tenant)
    client = client_for(make_staff(tenant, "admin"), tenant)
    for method, suffix, body in (("get", "", None), ("post", "", {"decision": "verified", "note": "x"}), ("post", "/retry", None)):
        response = getattr(client, method)(verification_url(foreign, suffix), body, format="json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    foreign.refresh_from_db()
    assert foreign.verification == "pending"


# ------------------------------------------------------------------------------------------- authorization

ADMIN_ONLY = {
    "anonymous": 401,
    "customer": 403,
    "other_customer": 403,
    "other_tenant_customer": 401,
    "agent": 403,
    "admin": None,
    "other_tenant_admin": 401,
}
STAFF = {**ADMIN_ONLY, "agent": None}


def _state(warranty=None):
    connection = ShopifyConnection.objects.values().first()
    rows = list(PurchaseVerification.objects.values())
    events = WarrantyEvent.objects.count()
    w = Warranty.objects.filter(pk=warranty.pk).values("status", "verification").first() if warranty else None
    return connection, rows, events, w


ENDPOINTS = {
    "connection_get": ("get", lambda w: SHOPIFY, None, ADMIN_ONLY, 200),
    "connection_put": (
        "put",
        lambda w: SHOPIFY,
        {"shop_domain": "other.myshopify.com", "access_token": "shpat_new_token_new_token_new_token"},
        ADMIN_ONLY,
        200,
    ),
    "connection_test": ("post", lambda w: SHOPIFY + "/test", None, ADMIN_ONLY, 200),
    "verification_get": ("get", lambda w: verification_url(w), None, STAFF, 200),
    "verification_override": ("post", lambda w: verification_url(w), {"decision": "rejected", "note": "no"}, STAFF, 200),
    "verification_retry": ("post", lambda w: verification_url(w, "/retry"), None, STAFF, 202),
}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("actor", list(ADMIN_ONLY))
def test_authorization_table(actors, tenant, fake, endpoint, actor, django_capture_on_commit_callbacks):
    method, url, body, table, allowed_status = ENDPOINTS[endpoint]
    link(tenant, fake)
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    warranty = make_warranty(tenant, verification="not_found")
    before = _state(warranty)
    _, client = actors[actor]
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(url(warranty), body, format="json")
    expected = table[actor] or allowed_status
    assert response.status_code == expected, response.content
    assert TOKEN not in response.content.decode()
    if table[actor] is not None:
        assert response.json()["error"]["code"] in ("authentication_failed", "permission_denied")
        assert _state(warranty) == before
