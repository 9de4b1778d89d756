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
from django.db.models import F, Q
from django.utils import timezone

from ..models import Notification, NotificationKind, NotificationTemplate, Tenant

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "notifications"
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
    transaction.on_commit(lambda: _enqueue(notification.id))
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
    """Take the row for sending (queued, or sending with an expired lease); None if another has it or it is done."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(status=Notification.Status.QUEUED) | Q(status=Notification.Status.SENDING, lease_until__lt=now),
        id=notification_id,
    ).update(
        status=Notification.Status.SENDING,
        lease_until=now + datetime.timedelta(seconds=settings.AFTERSALE_OUTBOX_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
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
        exhausted = notification.attempts >= notification.max_attempts
        Notification.objects.filter(id=notification.id).update(
            status=Notification.Status.FAILED if exhausted else Notification.Status.QUEUED,
            last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _backoff(notification.attempts),
            lease_until=None,
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


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def notifications_sweep() -> int:
    """Re-enqueue what is due: queued rows whose retry time has come, and sends whose worker died."""
    now = timezone.now()
    due = list(
        Notification.objects.filter(
            Q(status=Notification.Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=Notification.Status.SENDING, lease_until__lt=now)
        ).values_list("id", flat=True)[:500]
    )
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
