"""Scheduled reminders: warranties about to expire and claims waiting on the customer, each sent once."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api import tasks
from warranty_api.claims.reminders import expiry_reminders_queue, info_request_reminders_send
from warranty_api.management.commands.schedules_sync import SCHEDULES
from warranty_api.models import Claim, ClaimEvent, ClaimMessage, Notification, Warranty

TODAY = timezone.localdate


def _expiring(tenant, owner, days, **kwargs):
    return make_warranty(tenant, owner, end=TODAY() + datetime.timedelta(days=days), **kwargs)


# ------------------------------------------------------------------------------------------------ expiry


def test_expiry_reminders_go_once_to_warranties_ending_within_the_window(tenant, other_tenant, make_customer):
    owner = make_customer(tenant, "owner@example.com")
    due = _expiring(tenant, owner, 30)
    soon = _expiring(tenant, None, 3)  # no account: the registration's email
    later = _expiring(tenant, owner, 31)  # not yet
    _expiring(tenant, owner, -1)  # already over
    _expiring(tenant, owner, 10, status=Warranty.Status.VOID)
    foreign = _expiring(other_tenant, make_customer(other_tenant, "owner@example.com"), 5)

    assert tasks.warranty_expiry_reminders() == 3
    rows = Notification.objects.filter(kind="expiry_reminder")
    assert {(n.tenant_id, n.subject_ref, n.to_email) for n in rows} == {
        (tenant.id, due.pk, "owner@example.com"),
        (tenant.id, soon.pk, "nobody@example.com"),
        (other_tenant.id, foreign.pk, "owner@example.com"),
    }
    context = rows.get(subject_ref=due.pk).context
    assert context["warranty_end"] == due.warranty_end.isoformat() and context["product_name"] == "TP9 Elite SC"

    # Running the job again queues nothing new; the next day only the warranty that came into the window.
    assert tasks.warranty_expiry_reminders() == 0
    assert expiry_reminders_queue(today=TODAY() + datetime.timedelta(days=1)) == 1
    assert rows.filter(subject_ref=later.pk).count() == 1
    assert expiry_reminders_queue(today=TODAY() + datetime.timedelta(days=1)) == 0
    assert Notification.objects.filter(kind="expiry_reminder").count() == 4


def test_expiry_window_is_a_setting_and_batches_cover_everything(tenant, settings):
    settings.AFTERSALE_EXPIRY_REMINDER_DAYS = 60
    warranties = [_expiring(tenant, None, 40 + index) for index in range(7)]
    assert expiry_reminders_queue(batch_size=3) == 7
    assert set(Notification.objects.values_list("subject_ref", flat=True)) == {w.pk for w in warranties}
    assert expiry_reminders_queue(batch_size=3) == 0


@pytest.mark.django_db(transaction=True)
def test_expiry_reminder_is_sent_after_the_job_commits(tenant):
    _expiring(tenant, None, 7)
    assert tasks.warranty_expiry_reminders() == 1
    assert len(mail.outbox) == 1
    assert "warranty ends on" in mail.outbox[0].subject
    assert Notification.objects.get().status == "sent"


# ------------------------------------------------------------------------------------------------ stale claims


def _waiting(tenant, owner, days, status=Claim.Status.INFO_REQUESTED):
    claim = make_claim(tenant, owner, status=status)
    since = timezone.now() - datetime.timedelta(days=days)
    Claim.objects.filter(pk=claim.pk).update(status_changed_at=since)
    ClaimMessage.objects.create(tenant=tenant, claim=claim, author=None, body="Send a photo of the serial plate.")
    ClaimMessage.objects.filter(claim=claim).update(created_at=since)
    claim.refresh_from_db()
    return claim


def test_claims_waiting_too_long_get_one_reminder_and_an_event(tenant, other_tenant, make_customer):
    owner = make_customer(tenant, "owner@example.com")
    stale = _waiting(tenant, owner, 15)
    _waiting(tenant, make_customer(tenant), 13)  # not stale yet
    _waiting(tenant, make_customer(tenant), 20, status=Claim.Status.UNDER_REVIEW)
    foreign = _waiting(other_tenant, make_customer(other_tenant, "owner@example.com"), 30)

    assert tasks.claim_info_requested_reminders() == 2
    reminder = Notification.objects.get(tenant=tenant, kind="claim_info_reminder")
    assert reminder.subject_ref == stale.pk and reminder.to_email == "owner@example.com"
    assert reminder.context["message"] == "Send a photo of the serial plate."
    assert reminder.context["requested_on"] == timezone.localdate(stale.status_changed_at).isoformat()
    event = ClaimEvent.objects.get(claim=stale, kind=ClaimEvent.Kind.REMINDER_SENT)
    assert event.visibility == "internal" and "owner@example.com" in event.note
    assert Notification.objects.filter(tenant=other_tenant, subject_ref=foreign.pk).count() == 1

    assert tasks.claim_info_requested_reminders() == 0  # running twice queues nothing new
    assert Notification.objects.filter(kind="claim_info_reminder").count() == 2
    assert ClaimEvent.objects.filter(kind=ClaimEvent.Kind.REMINDER_SENT).count() == 2


def test_a_claim_asked_again_later_gets_a_reminder_for_the_new_period(tenant, make_customer):
    claim = _waiting(tenant, make_customer(tenant), 40)
    assert info_request_reminders_send() == 1
    # That reminder went out 26 days ago; then the customer answered and staff asked again 20 days ago.
    ClaimEvent.objects.filter(claim=claim).update(created_at=timezone.now() - datetime.timedelta(days=26))
    Claim.objects.filter(pk=claim.pk).update(status_changed_at=timezone.now() - datetime.timedelta(days=20))
    assert info_request_reminders_send() == 1
    assert info_request_reminders_send() == 0
    assert Notification.objects.filter(subject_ref=claim.pk, kind="claim_info_reminder").count() == 2


def test_stale_days_is_a_setting(tenant, make_customer, settings):
    _waiting(tenant, make_customer(tenant), 5)
    assert info_request_reminders_send() == 0
    settings.AFTERSALE_INFO_REQUEST_REMINDER_DAYS = 3
    assert info_request_reminders_send() == 1


# ------------------------------------------------------------------------------------------------ schedules


def test_schedules_sync_registers_every_job_once(db):
    call_command("schedules_sync")
    call_command("schedules_sync")
    rows = {s.name: s for s in Schedule.objects.all()}
    assert set(rows) == {
        "notifications_sweep",
        "purchase_verifications_sweep",
        "media_purge_unattached",
        "idempotency_purge",
        "webhook_deliveries_sweep",
        "fulfillment_requests_sweep",
        "tokens_purge_expired",
        "warranty_expiry_reminders",
        "claim_info_requested_reminders",
        "claim_sla_reminders",
        "analytics_refresh",
        "label_sheets_sweep",
        "label_sheets_purge",
        "export_jobs_sweep",
        "export_jobs_purge",
    }
    assert len(rows) == len(SCHEDULES)
    assert rows["notifications_sweep"].schedule_type == Schedule.MINUTES and rows["notifications_sweep"].minutes == 1
    assert rows["purchase_verifications_sweep"].minutes == 1
    assert rows["warranty_expiry_reminders"].schedule_type == Schedule.DAILY
    assert rows["claim_info_requested_reminders"].schedule_type == Schedule.DAILY
    # Every schedule names a task that exists.
    for spec in SCHEDULES:
        module, name = spec.func.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), name))
    Schedule.objects.filter(name="notifications_sweep").update(minutes=10)
    call_command("schedules_sync")
    assert Schedule.objects.get(name="notifications_sweep").minutes == 1
    assert Schedule.objects.count() == len(SCHEDULES)
