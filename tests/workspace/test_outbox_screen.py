"""The outbox screen in the admin: the brand's failed and retrying emails; admins retry, agents look."""

from __future__ import annotations

from django.test import Client

from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from warranty_api.models import Notification, Role


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
