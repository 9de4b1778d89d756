"""The notification outbox: one row per message, sent after commit, once, with retries and back-off."""

import pytest
from django.core import mail
from django.db import transaction

from warranty_api.models import Notification, NotificationKind, NotificationTemplate
from warranty_api.notifications.services import notification_render, notification_send, notifications_sweep, notify


def _queue(tenant, **context):
    return notify(
        tenant=tenant,
        kind=NotificationKind.CLAIM_DENIED,
        to="owner@example.com",
        context={"claim_id": "clm_x", "product_name": "TP9 Elite SC", "reason": "Damage from misuse", **context},
        subject_ref="clm_x",
    )


@pytest.mark.django_db(transaction=True)
def test_message_is_sent_after_commit_with_brand_and_plain_text(tenant):
    with transaction.atomic():
        notification = _queue(tenant, customer_name="Ann <b>")
        assert mail.outbox == []  # nothing leaves before the change is committed
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.com"]
    assert "clm_x" in message.subject
    assert "Damage from misuse" in message.body and "Ann <b>" in message.body
    html_part, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "#0b5d3b" in html_part and "Northpeak Outdoor" in html_part
    assert "Ann &lt;b&gt;" in html_part  # values are escaped in HTML
    assert message.reply_to == ["care@northpeak.example"]
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_sends_nothing(tenant):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(tenant)
        raise RuntimeError("the change failed")
    assert mail.outbox == [] and not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_running_the_task_twice_sends_once(tenant):
    notification = _queue(tenant)
    assert notification_send(notification.id) == "skipped"
    assert len(mail.outbox) == 1


def test_unknown_placeholder_is_refused(tenant):
    with pytest.raises(ValueError):
        notify(tenant=tenant, kind=NotificationKind.CLAIM_DENIED, to="a@example.com", context={"password": "x"})


def test_tenant_template_overrides_default_and_cannot_reach_other_data(tenant):
    NotificationTemplate.objects.create(
        tenant=tenant,
        kind=NotificationKind.CLAIM_DENIED,
        subject="Claim {{ claim_id }} at {{ brand_name }}",
        text_body="Sorry {{ customer_name }}: {{ reason }} {{ secret_key }} {% debug %}",
    )
    message = notification_render(
        tenant=tenant, kind=NotificationKind.CLAIM_DENIED, context={"claim_id": "clm_1", "reason": "Worn out"}
    )
    assert message.subject == "Claim clm_1 at Northpeak Outdoor"
    assert message.text.startswith("Sorry customer: Worn out  {% debug %}")


@pytest.mark.django_db(transaction=True)
def test_failed_send_is_retried_by_the_sweep(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    notification = _queue(tenant)
    notification.refresh_from_db()
    assert notification.status == "queued" and notification.attempts == 1 and notification.last_error
    Notification.objects.filter(id=notification.id).update(next_attempt_at=notification.created_at)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_sweep() == 1
    notification.refresh_from_db()
    assert notification.status == "sent" and notification.attempts == 2
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_attempts_are_bounded(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    notification = _queue(tenant)
    Notification.objects.filter(id=notification.id).update(attempts=notification.max_attempts - 1, status="queued")
    assert notification_send(notification.id) == "failed"
    notification.refresh_from_db()
    assert notification.status == "failed"
    assert notifications_sweep() == 0


@pytest.mark.django_db(transaction=True)
def test_a_send_whose_worker_died_on_the_last_attempt_is_failed_not_retried_for_ever(tenant):
    import datetime

    from django.utils import timezone

    notification = _queue(tenant)  # sent at once; then made to look like a worker killed on its last attempt
    mail.outbox.clear()
    past = timezone.now() - datetime.timedelta(minutes=10)
    Notification.objects.filter(id=notification.id).update(
        status="sending", attempts=notification.max_attempts, lease_until=past, sent_at=None
    )
    assert notifications_sweep() == 0
    notification.refresh_from_db()
    assert notification.status == "failed" and "worker stopped" in notification.last_error
    assert notification_send(notification.id) == "skipped" and mail.outbox == []
