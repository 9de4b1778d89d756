"""Admin endpoints of webhooks and the inventory integration: secrets, validation, delivery log, authorization."""

from __future__ import annotations

import pytest

from warranty_api.models import WebhookDelivery, WebhookEndpoint
from warranty_api.webhooks.services import inventory_integration_save, webhook_endpoint_create

INVENTORY = "/api/northpeak/admin/integrations/inventory"
WEBHOOKS = "/api/northpeak/admin/webhooks"
SECRET = "inv_0123456789abcdefghijklmnopqrstuv"
URL = "http://127.0.0.1:9/hooks"


def test_inventory_secret_is_write_only_and_stored_encrypted(admin_client, tenant):
    empty = admin_client.get(INVENTORY).json()["data"]
    assert empty["configured"] is False and empty["inbound_url"] == "/api/northpeak/integrations/inventory/events"
    missing = admin_client.put(INVENTORY, {"url": URL}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["fields"]["secret"][0]["code"] == "required"
    response = admin_client.put(INVENTORY, {"url": URL, "secret": SECRET}, format="json")
    assert response.status_code == 200, response.content
    assert SECRET not in response.content.decode()
    data = response.json()["data"]
    assert data["configured"] and data["enabled"] and data["has_secret"] and data["url"] == URL
    assert SECRET not in admin_client.get(INVENTORY).content.decode()
    stored = WebhookEndpoint.objects.get(tenant=tenant, purpose="inventory")
    assert SECRET not in stored.secret_encrypted and stored.secret() == SECRET
    # A PUT without the secret keeps it.
    kept = admin_client.put(INVENTORY, {"url": URL, "enabled": False}, format="json")
    assert kept.status_code == 200 and kept.json()["data"]["enabled"] is False
    stored.refresh_from_db()
    assert stored.secret() == SECRET


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": "http://example.com/hooks", "secret": SECRET}, "url", "invalid"),
        ({"url": "https://10.0.0.5/hooks", "secret": SECRET}, "url", "invalid"),
        ({"url": "https://localhost/hooks", "secret": SECRET}, "url", "invalid"),
        ({"url": "https://[::1]/hooks", "secret": SECRET}, "url", "invalid"),
        ({"url": "https://169.254.169.254/latest", "secret": SECRET}, "url", "invalid"),
        ({"url": "https://user:pw@example.com/", "secret": SECRET}, "url", "invalid"),
        ({"url": URL, "secret": "short"}, "secret", "invalid"),
        ({"url": URL, "secret": SECRET, "has_secret": True}, "has_secret", "not_allowed"),
    ],
    ids=["plain-http", "private-ip", "localhost", "loopback-v6", "metadata", "userinfo", "short-secret", "read-only"],
)
def test_inventory_settings_are_checked(admin_client, body, field, code):
    response = admin_client.put(INVENTORY, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code
    assert SECRET not in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


# What each address reaches decides, not how it is written: IPv6 forms that carry a private IPv4 address, and
# IPv4 written as one number, are refused like the address they reach.
@pytest.mark.parametrize(
    "url",
    [
        "https://[::127.0.0.1]/hooks",  # IPv4-compatible loopback
        "https://[::ffff:10.0.0.5]/hooks",  # IPv4-mapped private
        "https://[64:ff9b::127.0.0.1]/hooks",  # NAT64 of loopback
        "https://[64:ff9b::a9fe:a9fe]/hooks",  # NAT64 of the metadata address 169.254.169.254
        "https://[2002:7f00:1::1]/hooks",  # 6to4 of 127.0.0.1
        "https://[2002:c0a8:101::1]/hooks",  # 6to4 of 192.168.1.1
        "https://[fe80::1]/hooks",  # link-local
        "https://[fd00::1]/hooks",  # unique local
        "https://[2001:db8::1]/hooks",  # documentation
        "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hooks",  # Teredo
        "https://2130706433/hooks",  # 127.0.0.1 as one number
        "https://0x7f.1/hooks",  # 127.0.0.1 in hex shorthand
        "https://100.64.0.1/hooks",  # carrier-grade NAT
        "https://localhost./hooks",  # a trailing dot is the same name
    ],
)
def test_every_form_of_a_non_public_address_is_refused(admin_client, settings, url):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    for response in (
        admin_client.put(INVENTORY, {"url": url, "secret": SECRET}, format="json"),
        admin_client.post(WEBHOOKS, {"url": url, "events": ["*"]}, format="json"),
    ):
        assert response.status_code == 400, (url, response.content)
        assert response.json()["error"]["fields"]["url"][0]["code"] == "invalid"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://[2606:4700:4700::1111]/hooks",
        "https://[64:ff9b::808:808]/hooks",  # NAT64 of a public address
        "https://[2002:808:808::1]/hooks",  # 6to4 of a public address
        "https://93.184.215.14/hooks",
        "https://hooks.example.com/in",
    ],
)
def test_public_addresses_are_accepted(admin_client, settings, url):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    response = admin_client.post(WEBHOOKS, {"url": url, "events": ["*"]}, format="json")
    assert response.status_code == 201, response.content


def test_a_name_resolving_inside_is_refused_without_saying_where_it_resolves(settings):
    from warranty_api.integrations.webhooks import UnsafeDestination, post

    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    with pytest.raises(UnsafeDestination) as refused:
        post("https://2130706433/hooks", b"{}", {}, timeout=1)
    assert "127.0.0.1" not in str(refused.value)


def test_loopback_is_refused_when_settings_allow_no_http_host(admin_client, settings):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    response = admin_client.put(INVENTORY, {"url": "https://127.0.0.1/hooks", "secret": SECRET}, format="json")
    assert response.json()["error"]["fields"]["url"][0]["code"] == "invalid"


def test_webhook_secret_is_shown_once_at_creation(admin_client):
    created = admin_client.post(WEBHOOKS, {"url": URL, "events": ["claim.status_changed", "warranty.registered"]},
                                format="json")
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    secret = data["secret"]
    assert secret.startswith("whsec_") and data["id"].startswith("whk_") and data["enabled"] is True
    endpoint_url = f"{WEBHOOKS}/{data['id']}"
    for response in (
        admin_client.get(WEBHOOKS),
        admin_client.get(endpoint_url),
        admin_client.patch(endpoint_url, {"enabled": False}, format="json"),
        admin_client.get(endpoint_url + "/deliveries"),
    ):
        assert response.status_code == 200, response.content
        assert secret not in response.content.decode() and '"secret"' not in response.content.decode()
    assert WebhookEndpoint.objects.get(pk=data["id"]).secret() == secret


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"url": URL, "events": []}, "events", "required"),
        ({"url": URL, "events": ["claim.deleted"]}, "events", "invalid_choice"),
        ({"url": URL, "events": ["*", "*"]}, "events", "duplicate"),
        ({"url": "ftp://example.com", "events": ["*"]}, "url", "invalid"),
        ({"url": URL, "events": ["*"], "secret": "mine"}, "secret", "not_allowed"),
    ],
    ids=["no-events", "unknown-event", "duplicate", "bad-scheme", "secret-not-settable"],
)
def test_webhook_subscriptions_are_checked(admin_client, body, field, code):
    response = admin_client.post(WEBHOOKS, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"][field][0]["code"] == code
    assert not WebhookEndpoint.objects.exists()


def test_patch_and_delete(admin_client, tenant):
    endpoint, _ = webhook_endpoint_create(tenant=tenant, url=URL, events=["*"])
    url = f"{WEBHOOKS}/{endpoint.pk}"
    changed = admin_client.patch(url, {"events": ["claim.created"], "url": "http://127.0.0.1:8/x"}, format="json")
    assert changed.status_code == 200 and changed.json()["data"]["events"] == ["claim.created"]
    refused = admin_client.patch(url, {"secret": "x"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["secret"][0]["code"] == "not_allowed"
    assert admin_client.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert admin_client.get(url).status_code == 404


def test_another_tenants_endpoint_and_the_inventory_endpoint_are_not_app_webhooks(admin_client, other_tenant, tenant):
    foreign, _ = webhook_endpoint_create(tenant=other_tenant, url=URL, events=["*"])
    inventory = inventory_integration_save(tenant=tenant, url=URL, secret=SECRET)
    for path in (f"{WEBHOOKS}/{foreign.pk}", f"{WEBHOOKS}/{foreign.pk}/deliveries"):
        response = admin_client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert admin_client.patch(f"{WEBHOOKS}/{inventory.pk}", {"enabled": False}, format="json").status_code == 404
    assert admin_client.get(f"{WEBHOOKS}/{inventory.pk}/deliveries").status_code == 200  # its log is readable
    assert [e["id"] for e in admin_client.get(WEBHOOKS).json()["data"]] == []


def _deliveries(endpoint, count):
    for index in range(count):
        WebhookDelivery.objects.create(
            tenant=endpoint.tenant, endpoint=endpoint, event_id=f"evt_{index}", event_type="claim.created",
            ordering_key=f"clm_{index % 3}", body="{}", status="failed" if index % 2 else "queued",
        )


def test_delivery_log_queries_do_not_grow_with_page_size(admin_client, tenant, django_assert_max_num_queries):
    endpoint, _ = webhook_endpoint_create(tenant=tenant, url=URL, events=["*"])
    _deliveries(endpoint, 30)
    path = f"{WEBHOOKS}/{endpoint.pk}/deliveries"
    with django_assert_max_num_queries(8):
        small = admin_client.get(path + "?limit=2")
    with django_assert_max_num_queries(8):
        big = admin_client.get(path + "?limit=25")
    assert len(small.json()["data"]) == 2 and len(big.json()["data"]) == 25
    assert big.json()["meta"]["has_more"] is True
    failed = admin_client.get(path + "?status=failed&limit=100").json()["data"]
    assert len(failed) == 15 and {d["status"] for d in failed} == {"failed"}


# ------------------------------------------------------------------------------------------- authorization

EXPECTED = {
    "anonymous": 401,
    "customer": 403,
    "other_customer": 403,
    "other_tenant_customer": 401,
    "agent": 403,
    "other_tenant_admin": 401,
}


@pytest.fixture
def world(tenant):
    endpoint, _ = webhook_endpoint_create(tenant=tenant, url=URL, events=["*"])
    inventory = inventory_integration_save(tenant=tenant, url=URL, secret=SECRET)
    failed = WebhookDelivery.objects.create(
        tenant=tenant, endpoint=endpoint, event_id="evt_1", event_type="claim.created", ordering_key="clm_1",
        body="{}", status="failed", attempts=10,
    )
    return {"endpoint": endpoint, "inventory": inventory, "delivery": failed}


def state():
    return (
        list(WebhookEndpoint.objects.order_by("pk").values_list("pk", "url", "events", "enabled", "secret_encrypted")),
        list(WebhookDelivery.objects.order_by("pk").values_list("pk", "status", "attempts")),
    )


REQUESTS = {
    "inventory-get": ("get", lambda w: INVENTORY, None, 200),
    "inventory-put": ("put", lambda w: INVENTORY, {"url": "http://127.0.0.1:7/new", "secret": SECRET + "x"}, 200),
    "webhooks-list": ("get", lambda w: WEBHOOKS, None, 200),
    "webhooks-create": ("post", lambda w: WEBHOOKS, {"url": URL, "events": ["*"]}, 201),
    "webhooks-get": ("get", lambda w: f"{WEBHOOKS}/{w['endpoint'].pk}", None, 200),
    "webhooks-patch": ("patch", lambda w: f"{WEBHOOKS}/{w['endpoint'].pk}", {"enabled": False}, 200),
    "webhooks-delete": ("delete", lambda w: f"{WEBHOOKS}/{w['endpoint'].pk}", None, 204),
    "deliveries-list": ("get", lambda w: f"{WEBHOOKS}/{w['endpoint'].pk}/deliveries", None, 200),
    "delivery-retry": (
        "post", lambda w: f"{WEBHOOKS}/{w['endpoint'].pk}/deliveries/{w['delivery'].public_id}/retry", None, 202),
}


@pytest.mark.parametrize("request_name", list(REQUESTS))
@pytest.mark.parametrize("actor", [*EXPECTED, "admin"])
def test_authorization_table(actors, world, actor, request_name, settings):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = ["127.0.0.1"]
    method, path, body, admin_status = REQUESTS[request_name]
    _, client = actors[actor]
    before = state()
    response = getattr(client, method)(path(world), body, format="json") if body else getattr(client, method)(path(world))
    expected = admin_status if actor == "admin" else EXPECTED[actor]
    assert response.status_code == expected, response.content
    assert SECRET not in response.content.decode()
    if actor != "admin" or method == "get":
        assert state() == before
