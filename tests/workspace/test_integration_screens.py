"""Email templates, staff, Shopify, webhooks and the inventory connection in Wagtail's admin (brand admins)."""

from __future__ import annotations

import pytest

from tests.support.admin_matrix import ADMINS_ONLY, check_matrix, db_state
from tests.support.fake_shopify import FakeShopify
from tests.verification.test_shopify_admin_api import link
from warranty_api.models import Membership, NotificationTemplate, Role, ShopifyConnection, WebhookEndpoint

EMAILS = "/admin/email-templates/"
STAFF = "/admin/staff/"
SHOPIFY = "/admin/shopify/"
WEBHOOKS = "/admin/webhooks/"
HOOK_URL = "http://127.0.0.1:9/hooks"


def _state(_ctx=None):
    return db_state(NotificationTemplate, Membership, ShopifyConnection, WebhookEndpoint)


@pytest.mark.parametrize("url", [EMAILS, f"{EMAILS}claim_approved/", STAFF, SHOPIFY, WEBHOOKS])
def test_each_screen_is_for_the_brands_admins(admin_callers, url):
    check_matrix(admin_callers, ADMINS_ONLY, act=lambda client, ctx: client.get(url), state=_state)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (f"{EMAILS}claim_approved/", {"action": "save", "subject": "Approved", "text_body": "Hello {{customer_name}}"}),
        (STAFF, {"action": "invite", "email": "new.person@example.com", "role": "agent"}),
        (WEBHOOKS, {"action": "create", "url": HOOK_URL, "events": ["*"]}),
    ],
    ids=["email-save", "staff-invite", "webhook-create"],
)
def test_each_action_is_for_the_brands_admins(admin_callers, settings, url, body):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = ["127.0.0.1"]
    expected = {**ADMINS_ONLY, "admin": "done", "superuser": "done", "other_admin": "done"}

    def prepare(name):
        # Each caller starts from nothing of the kind, so a second success is not a conflict.
        NotificationTemplate.objects.all().delete()
        WebhookEndpoint.objects.all().delete()
        Membership.objects.filter(user__email="new.person@example.com").delete()

    check_matrix(admin_callers, expected, writes_on={"done"}, prepare=prepare, state=_state,
                 act=lambda client, ctx: client.post(url, body))


def test_an_email_template_is_previewed_then_saved_and_reset(admin_callers, tenant):
    client = admin_callers["admin"].client
    page = client.get(f"{EMAILS}claim_approved/").content.decode()
    assert "data-email-preview" in page and "Placeholders" in page
    draft = {"subject": "Good news, {{customer_name}}", "text_body": "Your claim is approved.\n{{link}}"}
    preview = client.post(f"{EMAILS}claim_approved/", {**draft, "action": "preview"})
    assert preview.status_code == 200 and "Good news," in preview.content.decode()
    assert not NotificationTemplate.objects.exists()
    bad = client.post(f"{EMAILS}claim_approved/", {"subject": "{{nope}}", "text_body": "x", "action": "save"})
    assert bad.status_code == 400 and not NotificationTemplate.objects.exists()
    assert client.post(f"{EMAILS}claim_approved/", {**draft, "action": "save"}).status_code == 302
    assert NotificationTemplate.objects.get(tenant=tenant, kind="claim_approved").subject == draft["subject"]
    assert client.post(f"{EMAILS}claim_approved/", {"action": "reset"}).status_code == 302
    assert not NotificationTemplate.objects.exists()


def test_staff_invite_role_change_and_the_last_admin_is_kept(admin_callers, tenant):
    client = admin_callers["admin"].client
    admin = admin_callers["admin"].user
    page = client.post(STAFF, {"action": "invite", "email": "helper@example.com", "role": "agent"}, follow=True)
    assert "is invited" in page.content.decode()
    helper = Membership.objects.get(tenant=tenant, user__email="helper@example.com")
    assert helper.role == "agent" and not helper.is_pending
    client.post(STAFF, {"action": "role", "person": helper.user.public_id, "role": "admin"})
    helper.refresh_from_db()
    assert helper.role == "admin"
    client.post(STAFF, {"action": "deactivate", "person": helper.user.public_id})
    helper.refresh_from_db()
    assert not helper.is_active
    # With the file's lead admin gone too, the admin of the callers is the last one: neither demoted nor deactivated.
    lead = Membership.objects.get(tenant=tenant, user__email="lead@northpeak.example")
    client.post(STAFF, {"action": "deactivate", "person": lead.user.public_id})
    for body in ({"action": "role", "person": admin.public_id, "role": "agent"},
                 {"action": "deactivate", "person": admin.public_id}):
        response = client.post(STAFF, body, follow=True)
        assert "at least one active admin" in response.content.decode()
    mine = Membership.objects.get(tenant=tenant, user=admin)
    assert mine.role == Role.ADMIN and mine.is_active


def test_shopify_link_and_test_connection(admin_callers, tenant, settings):
    fake = FakeShopify().start()
    try:
        link(tenant, fake)
        client = admin_callers["admin"].client
        page = client.post(SHOPIFY, {"action": "test"}, follow=True).content.decode()
        assert "Connected to" in page
        connection = ShopifyConnection.objects.get(tenant=tenant)
        assert connection.last_test_ok is True
        saved = client.post(SHOPIFY, {"action": "save", "verification": "advisory"}, follow=True).content.decode()
        assert "Shopify connection saved" in saved
        tenant.refresh_from_db()
        assert tenant.verification == "advisory"
        assert "shpat" not in page and connection.access_token_last4 in page
    finally:
        fake.stop()


def test_webhook_secret_is_shown_once_and_rotates(admin_callers, tenant, settings):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = ["127.0.0.1"]
    client = admin_callers["admin"].client
    page = client.post(WEBHOOKS, {"action": "create", "url": HOOK_URL, "events": ["claim.created"]},
                       follow=True).content.decode()
    endpoint = WebhookEndpoint.objects.get(tenant=tenant, purpose="app")
    first = endpoint.secret()
    assert first in page and "not shown again" in page
    assert first not in client.get(WEBHOOKS).content.decode()
    rotated = client.post(WEBHOOKS, {"action": "rotate", "endpoint": endpoint.pk}, follow=True).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret() != first and endpoint.secret() in rotated
    assert client.get(f"{WEBHOOKS}?endpoint={endpoint.pk}").status_code == 200
    client.post(WEBHOOKS, {"action": "disable", "endpoint": endpoint.pk})
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    secret = "inv_0123456789abcdefghijklmnopqrstuv"
    client.post(WEBHOOKS, {"action": "inventory", "url": HOOK_URL, "secret": secret, "enabled": "on"})
    inventory = WebhookEndpoint.objects.get(tenant=tenant, purpose="inventory")
    assert inventory.secret() == secret and secret not in client.get(WEBHOOKS).content.decode()
    client.post(WEBHOOKS, {"action": "delete", "endpoint": endpoint.pk})
    assert not WebhookEndpoint.objects.filter(purpose="app").exists()


def test_another_brands_endpoint_is_not_touched(admin_callers, other_tenant, settings):
    from warranty_api.webhooks.services import webhook_endpoint_create

    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = ["127.0.0.1"]
    theirs, _ = webhook_endpoint_create(tenant=other_tenant, url=HOOK_URL, events=["*"])
    client = admin_callers["admin"].client
    before = _state()
    assert client.get(f"{WEBHOOKS}?endpoint={theirs.pk}").status_code == 404
    for action in ("rotate", "disable", "delete"):
        client.post(WEBHOOKS, {"action": action, "endpoint": theirs.pk})
    assert _state() == before
