"""Customer email: queued in an outbox row with the change that caused it, sent by a task, sent once.

`notify()` is the single way any part of the product sends a message. The row is the durable record:
if the broker loses the task, `notifications_sweep` (scheduled) hands overdue rows to a worker again.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from ..models import Notification, NotificationKind, NotificationTemplate, Tenant
from .outbox import Outbox
from .queueing import task_enqueue_after_commit

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "notifications"


def _lease() -> datetime.timedelta:
    # How long a sender holds a row before the sweep may give it to another worker (a setting, read per claim).
    return datetime.timedelta(seconds=getattr(settings, "AFTERSALE_OUTBOX_LEASE_SECONDS", 300))


OUTBOX = Outbox(
    Notification,
    waiting=Notification.Status.QUEUED,
    working=Notification.Status.SENDING,
    failed=Notification.Status.FAILED,
    lease=_lease,
    # A message's task may send it at once (enqueued on commit, or a staff retry); only the sweep waits.
    honour_schedule=False,
)
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_URL_RE = re.compile(r"(https?://[^\s<]+)")

# Every message may use the brand placeholders; each kind adds its own. Nothing else is substituted, so a
# tenant's edited template cannot reach into the product's data.
BRAND_PLACEHOLDERS = ("brand_name", "brand_primary_color", "brand_accent_color", "support_email", "customer_name")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    NotificationKind.REGISTRATION_CONFIRMATION: ("product_name", "serial_number", "coverage", "warranty_start", "warranty_end"),
    NotificationKind.EMAIL_VERIFICATION: ("email", "link", "code"),
    NotificationKind.PASSWORD_RESET: ("link",),
    NotificationKind.CLAIM_RECEIVED: ("claim_id", "product_name", "serial_number"),
    NotificationKind.CLAIM_INFO_REQUESTED: ("claim_id", "message"),
    NotificationKind.CLAIM_APPROVED: ("claim_id", "product_name", "resolution", "message"),
    NotificationKind.CLAIM_DENIED: ("claim_id", "product_name", "reason"),
    NotificationKind.CLAIM_RESOLVED: ("claim_id", "resolution", "message"),
    NotificationKind.CLAIM_UPDATED: ("claim_id", "status", "message"),
    NotificationKind.TRANSFER_OFFERED: ("from_name", "product_name", "serial_number", "warranty_end", "link"),
    NotificationKind.TRANSFER_ACCEPTED: ("product_name", "serial_number"),
    NotificationKind.EXPIRY_REMINDER: ("product_name", "serial_number", "warranty_end"),
}


@dataclass
class RenderedMessage:
    subject: str
    text: str
    html: str


def notify(*, tenant: Tenant, kind: str, to: str, context: dict, subject_ref: str = "") -> Notification:
    """Queue one message. Call inside the transaction of the change it reports; it is sent after commit."""
    if kind not in PLACEHOLDERS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    allowed = set(PLACEHOLDERS[kind]) | {"customer_name"}
    unknown = set(context) - allowed
    if unknown:
        raise ValueError(f"Placeholders not allowed for {kind}: {sorted(unknown)}")
    notification = Notification.objects.create(
        tenant=tenant,
        kind=kind,
        to_email=to,
        context={k: "" if v is None else str(v) for k, v in context.items()},
        subject_ref=subject_ref,
        next_attempt_at=timezone.now(),
    )
    task_enqueue_after_commit(
        "warranty_api.tasks.notification_send", notification.id, task_name=f"notification {notification.id}"
    )
    return notification


def _enqueue(notification_id: str) -> None:
    from django_q.tasks import async_task

    try:
        async_task("warranty_api.tasks.notification_send", notification_id, task_name=f"notification {notification_id}")
    except Exception:  # the broker is down: the row stays queued and the sweep sends it later
        import logging

        logging.getLogger(__name__).warning("Could not enqueue %s; the sweep will retry", notification_id)


def _default_template(kind: str) -> tuple[str, str]:
    raw = (TEMPLATE_DIR / f"{kind}.txt").read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    return first.removeprefix("Subject:").strip(), body.strip() + "\n"


def _substitute(template: str, values: dict[str, str], *, escape: bool) -> str:
    def replace(match: re.Match) -> str:
        value = values.get(match.group(1), "")
        return html.escape(value) if escape else value

    return _PLACEHOLDER_RE.sub(replace, template)


def _text_to_html(text: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    out = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph).replace("\n", "<br>")
        out.append("<p>" + _URL_RE.sub(r'<a href="\1">\1</a>', escaped) + "</p>")
    return "\n".join(out)


def brand_values(tenant: Tenant) -> dict[str, str]:
    branding = tenant.branding or {}
    return {
        "brand_name": tenant.name,
        "brand_primary_color": branding.get("primary_color", "#1f3a5f"),
        "brand_accent_color": branding.get("accent_color", "#e0a526"),
        "support_email": tenant.support_email,
    }


def notification_render(*, tenant: Tenant, kind: str, context: dict, template: NotificationTemplate | None = None) -> RenderedMessage:
    """The subject, plain-text and HTML parts of a message, with the tenant's own template if it has one."""
    if template is None:
        template = NotificationTemplate.objects.filter(tenant=tenant, kind=kind).first()
    if template is not None:
        subject_t, text_t, html_t = template.subject, template.text_body, template.html_body
    else:
        subject_t, text_t = _default_template(kind)
        html_t = ""
    values = {"customer_name": "customer", **brand_values(tenant), **context}
    if not values.get("customer_name"):
        values["customer_name"] = "customer"
    subject = " ".join(_substitute(subject_t, values, escape=False).split())
    text = _substitute(text_t, values, escape=False)
    body_html = _substitute(html_t, values, escape=True) if html_t else _text_to_html(text)
    layout = (TEMPLATE_DIR / "layout.html").read_text(encoding="utf-8")
    escaped = {k: html.escape(v) for k, v in values.items()}
    page = _substitute(layout, {**escaped, "body": body_html}, escape=False)
    return RenderedMessage(subject=subject, text=text, html=page)


def _claim(notification_id: str) -> Notification | None:
    """Take the row for sending; None if another worker has it, it is done, or it is not due."""
    if not OUTBOX.claim(notification_id):
        return None
    return Notification.objects.select_related("tenant").get(id=notification_id)


def notification_send(notification_id: str) -> str:
    """Send one queued message; safe to run twice (the second run finds it taken or sent and does nothing)."""
    notification = _claim(notification_id)
    if notification is None:
        return "skipped"
    try:
        message = notification_render(tenant=notification.tenant, kind=notification.kind, context=notification.context)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.to_email],
            reply_to=[notification.tenant.support_email],
            headers={"X-Aftersale-Notification": notification.id},
        )
        email.attach_alternative(message.html, "text/html")
        email.send(fail_silently=False)
    except Exception as exc:  # SMTP refusals, timeouts, DNS: record, back off, retry via the sweep
        exhausted = OUTBOX.retry_later(
            notification.id,
            attempts=notification.attempts,
            max_attempts=notification.max_attempts,
            error=f"{exc.__class__.__name__}: {exc}",
        )
        return "failed" if exhausted else "retry"
    Notification.objects.filter(id=notification.id).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        last_error="",
        rendered_subject=message.subject[:300],
    )
    return "sent"


def notifications_sweep() -> int:
    """Re-enqueue what is due: queued rows whose retry time has come, and sends whose worker died."""
    due = OUTBOX.due()
    for notification_id in due:
        _enqueue(notification_id)
    return len(due)


def notification_retry(*, notification: Notification) -> Notification:
    """Staff asked to try a failed message again."""
    Notification.objects.filter(id=notification.id, status=Notification.Status.FAILED).update(
        status=Notification.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _enqueue(notification.id))
    notification.refresh_from_db()
    return notification
