"""The outbox screen in the admin: the brand's failed and retrying emails, purchase checks and webhook deliveries;
admins retry, agents look."""

from __future__ import annotations

from django.test import Client

from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from warranty_api.models import Notification, Role, WebhookDelivery, WebhookEndpoint


def _failed(tenant, to="owner@example.com") -> Notification:
    return Notification.objects.create(tenant=tenant, kind="claim_received", to_email=to, status="failed",
                                       attempts=6, last_error="SMTP 550 mailbox unavailable")


def test_the_brands_failed_email_is_listed_with_its_error(tenant, other_tenant, make_staff):
    mine, theirs = _failed(tenant), _failed(other_tenant, "someone@example.com")
    client = Client()
    client.force_login(make_staff(tenant, Role.AGENT))
    page = client.get("/admin/outbox/").content.decode()
    assert f'data-outbox="{mine.id}"' in page and "SMTP 550 mailbox unavailable" in page
    assert theirs.id not in page
    # Agents look; retrying is for the brand's admins, as in the API.
    assert "Retry now" not in page
    assert client.get("/admin/outbox/?status=bogus").status_code == 200


def test_outbox_authorization_table(admin_callers, tenant):
    _failed(tenant)
    check_matrix(admin_callers, OPEN_TO_STAFF, act=lambda client, ctx: client.get("/admin/outbox/"),
                 state=lambda ctx: db_state(Notification))


def test_retry_authorization_table(admin_callers, tenant):
    def prepare(name):
        return _failed(tenant, f"{name}@example.com")

    check_matrix(admin_callers, {**OPEN_TO_STAFF, "agent": "denied", "admin": "done", "superuser": "done",
                                 "other_admin": "not_found"},
                 act=lambda client, n: client.post("/admin/outbox/", {"type": "notification", "id": n.id}),
                 state=lambda n: db_state(Notification), prepare=prepare, writes_on={"done"})
    retried = set(Notification.objects.filter(status="queued").values_list("to_email", flat=True))
    assert retried == {"admin@example.com", "superuser@example.com"}


def _failed_delivery(tenant, event_id="evt_outbox_1", status="failed", attempts=10) -> WebhookDelivery:
    endpoint = WebhookEndpoint.objects.filter(tenant=tenant, purpose="app").first() or WebhookEndpoint.objects.create(
        tenant=tenant, url=f"https://hooks.example.com/{tenant.slug}", events=["*"])
    return WebhookDelivery.objects.create(
        tenant=tenant, endpoint=endpoint, event_id=event_id, event_type="claim.created", body="{}", status=status,
        attempts=attempts, response_code=503, last_error="Service Unavailable")


def test_the_brands_failing_webhook_deliveries_are_listed_beside_the_emails(tenant, other_tenant, make_staff):
    failed, retrying = _failed_delivery(tenant), _failed_delivery(tenant, "evt_outbox_2", status="queued", attempts=2)
    delivered = _failed_delivery(tenant, "evt_outbox_3", status="delivered", attempts=1)
    first_try = _failed_delivery(tenant, "evt_outbox_4", status="queued", attempts=0)
    theirs = _failed_delivery(other_tenant)
    client = Client()
    client.force_login(make_staff(tenant, Role.ADMIN))
    page = client.get("/admin/outbox/").content.decode()
    assert f'data-delivery="{failed.public_id}"' in page and f'data-delivery="{retrying.public_id}"' in page
    assert "HTTP 503: Service Unavailable" in page and "hooks.example.com/northpeak" in page
    for absent in (delivered, first_try, theirs):
        assert absent.public_id not in page
    only_retrying = client.get("/admin/outbox/?status=retrying").content.decode()
    assert retrying.public_id in only_retrying and failed.public_id not in only_retrying
    only_emails = client.get("/admin/outbox/?kind=claim_received").content.decode()
    assert failed.public_id not in only_emails
    only_deliveries = client.get("/admin/outbox/?kind=webhook_delivery").content.decode()
    assert failed.public_id in only_deliveries and "No email or purchase check" not in only_deliveries


def test_webhook_delivery_retry_authorization_table(admin_callers, tenant):
    def prepare(name):
        return _failed_delivery(tenant, f"evt_outbox_{name}")

    check_matrix(admin_callers, {**OPEN_TO_STAFF, "agent": "denied", "admin": "done", "superuser": "done",
                                 "other_admin": "not_found"},
                 act=lambda client, d: client.post("/admin/outbox/", {"type": "webhook_delivery", "id": d.public_id,
                                                                      "endpoint": d.endpoint_id}),
                 state=lambda d: db_state(WebhookDelivery), prepare=prepare, writes_on={"done"})
    retried = set(WebhookDelivery.objects.filter(status="queued", attempts=0).values_list("event_id", flat=True))
    assert retried == {"evt_outbox_admin", "evt_outbox_superuser"}
