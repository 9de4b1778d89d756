"""The outbox: staff's view of a tenant's failed and retrying emails and purchase checks, sending an email again, and
the lease and back-off every kind of outbox work shares."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from tests.conftest import client_for
from tests.support.claims_helpers import make_warranty
from warranty_api.core.checks import outbox_settings_check
from warranty_api.core.outbox import OUTBOXES, backoff
from warranty_api.models import Notification, PurchaseVerification, Role, WebhookDelivery
from warranty_api.notifications.services import OUTBOX as notification_outbox
from warranty_api.notifications.services import notification_send
from warranty_api.verification.services import OUTBOX as verification_outbox
from warranty_api.webhooks.services import OUTBOX as webhook_outbox

URL = "/api/northpeak/admin/outbox"


def _message(tenant, *, status="failed", attempts=6, error="SMTPRecipientsRefused: 550", kind="claim_denied", **extra):
    return Notification.objects.create(
        tenant=tenant, kind=kind, to_email="owner@example.com", context={"claim_id": "clm_1", "reason": "No"},
        subject_ref="clm_1", status=status, attempts=attempts, last_error=error,
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5), **extra,
    )


def _check(tenant, *, status="failed", attempts=8, error="ShopifyUnavailable: 500"):
    warranty = make_warranty(tenant, None)
    return PurchaseVerification.objects.create(
        warranty=warranty, tenant=tenant, status=status, attempts=attempts, last_error=error,
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5),
    )


def _state():
    return sorted(
        Notification.objects.values_list("pk", "status", "attempts", "last_error")
    ) + sorted(PurchaseVerification.objects.values_list("pk", "status", "attempts", "last_error"))


def test_lists_failed_and_retrying_work_only_newest_first(agent_client, tenant, other_tenant):
    failed = _message(tenant)
    retrying = _message(tenant, status="queued", attempts=2, error="SMTPServerDisconnected")
    lost = _message(tenant, status="sending", attempts=1, error="", lease_until=timezone.now() - datetime.timedelta(1))
    _message(tenant, status="queued", attempts=0, error="")  # fresh: not trouble
    _message(tenant, status="sent", attempts=3, error="")
    _message(tenant, status="sending", attempts=1, error="", lease_until=timezone.now() + datetime.timedelta(1))
    check_failed = _check(tenant)
    check_retrying = _check(tenant, status="queued", attempts=1, error="ShopifyThrottled")
    _check(tenant, status="done", attempts=1, error="")
    _message(other_tenant)
    _check(other_tenant)

    response = agent_client.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    ids = [row["id"] for row in body["data"]]
    assert ids == [check_retrying.pk, check_failed.pk, lost.pk, retrying.pk, failed.pk]
    assert body["meta"]["has_more"] is False and body["meta"]["next_cursor"] is None
    row = body["data"][-1]
    assert row == {
        **row,
        "type": "notification", "kind": "claim_denied", "status": "failed", "to": "owner@example.com",
        "subject_ref": "clm_1", "attempts": 6, "max_attempts": 6, "last_error": "SMTPRecipientsRefused: 550",
        "next_attempt_at": None,
    }
    queued = next(r for r in body["data"] if r["id"] == retrying.pk)
    assert queued["status"] == "queued" and queued["next_attempt_at"].endswith("Z")
    check = body["data"][0]
    assert check["type"] == check["kind"] == "purchase_verification" and check["last_error"] == "ShopifyThrottled"


def test_filters(agent_client, tenant):
    failed = _message(tenant)
    retrying = _message(tenant, status="queued", attempts=2, kind="expiry_reminder")
    check = _check(tenant)

    def ids(query):
        response = agent_client.get(URL + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["data"]}

    assert ids("?status=failed") == {failed.pk, check.pk}
    assert ids("?status=retrying") == {retrying.pk}
    assert ids("?kind=expiry_reminder") == {retrying.pk}
    assert ids("?kind=purchase_verification") == {check.pk}
    assert ids("?kind=claim_denied&status=retrying") == set()
    for query, field in (("?status=sent", "status"), ("?kind=nope", "kind"), ("?limit=0", "limit"),
                         ("?cursor=%%%", "cursor")):
        response = agent_client.get(URL + query)
        assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_cursor_walks_both_kinds_of_work_once(agent_client, tenant):
    made = set()
    for index in range(5):
        made.add(_message(tenant).pk)
        if index % 2:
            made.add(_check(tenant).pk)
    seen, cursor, pages = [], None, 0
    while True:
        response = agent_client.get(URL + "?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        body = response.json()
        seen += [row["id"] for row in body["data"]]
        pages += 1
        cursor = body["meta"]["next_cursor"]
        if not body["meta"]["has_more"]:
            break
    assert len(seen) == len(set(seen)) == len(made) and set(seen) == made
    assert pages == 4


def test_list_queries_do_not_grow_with_page_size(agent_client, tenant, django_assert_max_num_queries):
    for _ in range(12):
        _message(tenant)
    for _ in range(4):
        _check(tenant)
    with django_assert_max_num_queries(6) as small:
        agent_client.get(URL + "?limit=2")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(agent_client.get(URL + "?limit=100").json()["data"]) == 16


@pytest.mark.django_db(transaction=True)
def test_retry_sends_a_failed_message_with_fresh_attempts(tenant, make_staff):
    admin_client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    failed = _message(tenant)
    response = admin_client.post(f"{URL}/notifications/{failed.pk}/retry")
    assert response.status_code == 202, response.content
    assert response.json()["data"]["id"] == failed.pk
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 1  # sent by the task the retry enqueued
    assert len(mail.outbox) == 1
    conflict = admin_client.post(f"{URL}/notifications/{failed.pk}/retry")
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "notification_already_sent"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_retry_of_a_backing_off_message_sends_it_now(tenant, make_staff):
    admin_client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    waiting = _message(tenant, status="queued", attempts=2)
    assert admin_client.post(f"{URL}/notifications/{waiting.pk}/retry").status_code == 202
    waiting.refresh_from_db()
    assert waiting.status == "sent" and waiting.attempts == 3 and len(mail.outbox) == 1


def test_retry_of_a_message_being_sent_is_a_conflict(admin_client, tenant):
    busy = _message(tenant, status="sending", attempts=1, lease_until=timezone.now() + datetime.timedelta(minutes=1))
    response = admin_client.post(f"{URL}/notifications/{busy.pk}/retry")
    assert response.status_code == 409 and response.json()["error"]["code"] == "notification_in_progress"


# ---------------------------------------------------------------------------------------------- authorization

WHO = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
DENIED = {"anonymous": 401, "customer": 403, "other_customer": 403, "other_tenant_customer": 401,
          "other_tenant_admin": 401, "agent": 403}


@pytest.mark.parametrize("who", WHO)
def test_list_authorization_table(actors, tenant, other_tenant, who):
    ours, theirs = _message(tenant), _message(other_tenant)
    before = _state()
    response = actors[who][1].get(URL)
    if who in ("agent", "admin"):
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["data"]] == [ours.pk]
        assert theirs.pk not in response.content.decode()
    else:
        assert response.status_code == DENIED[who]
    assert _state() == before


@pytest.mark.parametrize("who", WHO)
def test_retry_authorization_table(actors, tenant, who):
    failed = _message(tenant)
    before = _state()
    response = actors[who][1].post(f"{URL}/notifications/{failed.pk}/retry")
    if who == "admin":
        assert response.status_code == 202
        failed.refresh_from_db()
        assert failed.status == "queued" and failed.attempts == 0  # the send runs after commit
    else:
        assert response.status_code == DENIED[who]
        assert _state() == before


def test_an_admin_cannot_retry_another_tenants_message(tenant, other_tenant, make_staff):
    theirs = _message(other_tenant)
    admin_client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    response = admin_client.post(f"{URL}/notifications/{theirs.pk}/retry")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.status == "failed" and theirs.attempts == 6
    foreign = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    assert foreign.post(f"/api/southwind/admin/outbox/notifications/{_message(tenant).pk}/retry").status_code == 404


# ------------------------------------------------------------------------------------------- leases and back-off


def _webhook_delivery(tenant):
    from warranty_api.webhooks.services import webhook_endpoint_create

    endpoint, _ = webhook_endpoint_create(tenant=tenant, url="https://hooks.example.com/in", events=["*"])
    return WebhookDelivery.objects.create(
        tenant=tenant, endpoint=endpoint, event_id="evt_lease", event_type="claim.created", body="{}",
        max_attempts=3, next_attempt_at=timezone.now(),
    )


# Every kind of outbox work: (its Outbox, a due row of it).
KINDS = {
    "email": (notification_outbox, lambda tenant: _message(tenant, status="queued", attempts=0)),
    "purchase check": (verification_outbox, lambda tenant: _check(tenant, status="queued", attempts=0)),
    "webhook delivery": (webhook_outbox, _webhook_delivery),
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_work_takes_its_lease_from_the_one_setting(tenant, settings, kind):
    outbox, make_row = KINDS[kind]
    row = make_row(tenant)
    outbox.model.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    settings.AFTERSALE_OUTBOX_LEASE_SECONDS = 7
    before = timezone.now()
    assert outbox.claim(row.pk)
    after = timezone.now()
    lease_until = outbox.model.objects.get(pk=row.pk).lease_until
    assert before + datetime.timedelta(seconds=7) <= lease_until <= after + datetime.timedelta(seconds=7)


def test_every_kind_of_work_is_covered_by_the_lease_check():
    assert {outbox.kind for outbox in OUTBOXES} >= set(KINDS)


@pytest.mark.parametrize(
    ("timeouts", "problem"),
    [
        ({"EMAIL_TIMEOUT": 80}, "email"),
        ({"AFTERSALE_SHOPIFY_TIMEOUT": 40}, "purchase check"),  # two calls of 40 s: 80 s
        ({"AFTERSALE_WEBHOOK_TIMEOUT": 75}, "webhook delivery"),
        ({"AFTERSALE_LABEL_SHEET_STEP_SECONDS": 60}, "label sheet"),
    ],
)
def test_a_lease_shorter_than_an_attempt_refuses_to_start(settings, timeouts, problem):
    settings.AFTERSALE_OUTBOX_LEASE_SECONDS = 60
    settings.EMAIL_TIMEOUT, settings.AFTERSALE_SHOPIFY_TIMEOUT, settings.AFTERSALE_WEBHOOK_TIMEOUT = 5, 5, 5
    settings.AFTERSALE_LABEL_SHEET_STEP_SECONDS = 5
    assert outbox_settings_check() == []
    for name, value in timeouts.items():
        setattr(settings, name, value)
    errors = outbox_settings_check()
    assert [error.id for error in errors] == ["aftersale.E001"]
    assert f"one {problem} attempt" in errors[0].msg


def test_the_retry_back_off_doubles_from_its_setting_up_to_its_cap(settings):
    settings.AFTERSALE_OUTBOX_RETRY_BASE_SECONDS, settings.AFTERSALE_OUTBOX_RETRY_MAX_SECONDS = 5, 30
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 30, 30]


def test_a_failed_send_waits_the_configured_back_off(tenant, settings):
    settings.AFTERSALE_OUTBOX_RETRY_BASE_SECONDS = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    message = _message(tenant, status="queued", attempts=0)
    Notification.objects.filter(pk=message.pk).update(next_attempt_at=None)
    before = timezone.now()
    assert notification_send(message.pk) == "retry"
    after = timezone.now()
    next_at = Notification.objects.get(pk=message.pk).next_attempt_at
    assert before + datetime.timedelta(seconds=5) <= next_at <= after + datetime.timedelta(seconds=5)


@pytest.mark.parametrize(
    "raw",
    [b'["2026-01-01T00:00:00+00:00", "ntf_\\u0000"]', b"[" * 5_000 + b"]" * 5_000, b'["2026-01-01T00:00:00", NaN]'],
    ids=["nul-in-the-id", "nested-too-deeply", "not-a-number"],
)
def test_a_hand_made_cursor_is_a_field_error(admin_client, raw):
    """The cursor is client input decoded by the JSON parser's rules: nothing in it reaches a query unchecked."""
    import base64

    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = admin_client.get(f"{URL}?cursor={cursor}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["cursor"][0]["code"] == "invalid"
