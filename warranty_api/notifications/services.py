"""Customer email: queued in an outbox row with the change that caused it, sent by a task, sent once.

`notify()` is the single way any part of the product sends a message. The row is the durable record:
if the broker loses the task, `notifications_sweep` (scheduled) hands overdue rows to a worker again.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from warranty_api.core.emails import is_erased_email
from warranty_api.core.exceptions import Conflict, NotFound, ValidationFailed
from warranty_api.core.outbox import Outbox
from warranty_api.core.queueing import task_enqueue, task_enqueue_after_commit
from warranty_api.notifications.error_codes import NotificationErrorCode
from warranty_api.notifications.html import html_sanitize
from warranty_api.notifications.models import Notification, NotificationKind, NotificationTemplate
from warranty_api.tenancy.branding import branding_for
from warranty_api.tenancy.languages import default_language, language_for_message
from warranty_api.tenancy.models import Tenant

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "notifications"


OUTBOX = Outbox(
    Notification,
    waiting=Notification.Status.QUEUED,
    working=Notification.Status.SENDING,
    failed=Notification.Status.FAILED,
    kind="email",
    # One message is one SMTP conversation, bounded as a whole by EMAIL_TIMEOUT (integrations/email.py).
    longest_attempt=lambda: float(settings.EMAIL_TIMEOUT or 0),
    # A message's task may send it at once (enqueued on commit, or a staff retry); only the sweep waits.
    honour_schedule=False,
)
_PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_URL_RE = re.compile(r"(https?://[^\s<]+)")

# Every message may use the brand placeholders; each kind adds its own. Nothing else is substituted, so a
# tenant's edited template cannot reach into the product's data.
BRAND_PLACEHOLDERS = ("brand_name", "brand_primary_color", "brand_accent_color", "support_email", "customer_name")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    NotificationKind.REGISTRATION_CONFIRMATION: (
        "product_name", "serial_number", "coverage", "warranty_start", "warranty_end", "certificate_link",
    ),
    NotificationKind.EMAIL_VERIFICATION: ("email", "link", "code"),
    # Whose account the address would join, so the mailbox's owner can tell someone else asked for it.
    NotificationKind.EMAIL_CHANGE_VERIFICATION: ("email", "link", "code", "account_name", "account_email"),
    NotificationKind.PASSWORD_RESET: ("link",),
    NotificationKind.STAFF_INVITATION: ("email", "role", "link"),
    NotificationKind.STAFF_MEMBERSHIP_INVITATION: ("email", "role", "link"),
    NotificationKind.CLAIM_RECEIVED: ("claim_id", "claim_reference", "link", "product_name", "serial_number"),
    NotificationKind.CLAIM_INFO_REQUESTED: ("claim_id", "claim_reference", "link", "message"),
    NotificationKind.CLAIM_INFO_REMINDER: (
        "claim_id", "claim_reference", "link", "product_name", "serial_number", "message", "requested_on",
    ),
    NotificationKind.CLAIM_APPROVED: (
        "claim_id", "claim_reference", "link", "product_name", "resolution", "rma_number", "message",
    ),
    NotificationKind.CLAIM_DENIED: ("claim_id", "claim_reference", "link", "product_name", "reason"),
    NotificationKind.CLAIM_RESOLVED: ("claim_id", "claim_reference", "link", "resolution", "message"),
    NotificationKind.CLAIM_UPDATED: ("claim_id", "claim_reference", "link", "status", "message"),
    NotificationKind.TRANSFER_OFFERED: ("from_name", "product_name", "serial_number", "warranty_end", "link"),
    NotificationKind.TRANSFER_ACCEPTED: ("product_name", "serial_number"),
    NotificationKind.EXPIRY_REMINDER: ("product_name", "serial_number", "warranty_end"),
    NotificationKind.CLAIM_SLA_REMINDER: ("claim_id", "claim_reference", "clock", "due_at", "product_name"),
    NotificationKind.PRODUCT_NOTICE: (
        "notice_title", "notice_message", "notice_kind", "product_name", "serial_number", "link",
    ),
}

# The emails that open an account (or give it a role at a brand). A staff account is shared by every brand it
# works for, so a brand's wording of these must not be able to send their links anywhere: their HTML part is
# always made from the text, and their text may hold no address of its own (only the product's placeholders).
ACCOUNT_KINDS = frozenset(
    {
        NotificationKind.EMAIL_VERIFICATION,
        NotificationKind.EMAIL_CHANGE_VERIFICATION,
        NotificationKind.PASSWORD_RESET,
        NotificationKind.STAFF_INVITATION,
        NotificationKind.STAFF_MEMBERSHIP_INVITATION,
    }
)
# Values that grant something to whoever holds them: they go in the body only, each standing on its own. The
# links among them may also be a whole href of a brand's HTML (the certificate's opens the owner's certificate).
LINK_PLACEHOLDERS = frozenset({"link", "certificate_link"})
SECRET_PLACEHOLDERS = LINK_PLACEHOLDERS | {"code"}


@dataclass
class RenderedMessage:
    subject: str
    text: str
    html: str


def notify(
    *, tenant: Tenant, kind: str, to: str, context: dict, subject_ref: str = "", dedupe_key: str = "", user=None,
    language: str = "",
) -> Notification:
    """Queue one message. Call inside the transaction of the change it reports; it is sent after commit.

    With `dedupe_key`, a second message with the same key for the tenant raises IntegrityError: call it in a
    savepoint and treat that as "already queued".
    """
    notification = notification_new(
        tenant=tenant, kind=kind, to=to, context=context, subject_ref=subject_ref, dedupe_key=dedupe_key, user=user,
        language=language,
    )
    if is_erased_email(to):
        # An erased customer's tombstone (reminders, a claim's updates): nothing is queued, and no row names them.
        return notification
    notification.save(force_insert=True)
    func, notification_id, task_name = notification_send_task(notification)
    task_enqueue_after_commit(func, notification_id, task_name=task_name)
    return notification


def notification_new(
    *, tenant: Tenant, kind: str, to: str, context: dict, subject_ref: str = "", dedupe_key: str = "", user=None,
    language: str = "",
) -> Notification:
    """The unsaved row `notify()` writes, its placeholders checked: for a caller that inserts it in its own
    statement, followed by the task `notification_send_task` names (both, always, or the message is lost)."""
    if kind not in PLACEHOLDERS:
        raise ValueError(f"Unknown notification kind {kind!r}")
    allowed = set(PLACEHOLDERS[kind]) | {"customer_name"}
    unknown = set(context) - allowed
    if unknown:
        raise ValueError(f"Placeholders not allowed for {kind}: {sorted(unknown)}")
    return Notification(
        tenant=tenant,
        kind=kind,
        to_email=to,
        context={k: "" if v is None else str(v) for k, v in context.items()},
        subject_ref=subject_ref,
        dedupe_key=dedupe_key,
        next_attempt_at=timezone.now(),
        # The recipient's account language, else the page's that caused the message, else the brand's default.
        language=language_for_message(tenant, user=user, language=language),
    )


def notification_send_task(notification: Notification) -> tuple[str, str, str]:
    """The task that sends `notification`: its function, its argument (the row's id) and its task name."""
    return "warranty_api.tasks.notification_send", notification.id, f"notification {notification.id}"


def _enqueue(notification_id: str) -> None:
    task_enqueue("warranty_api.tasks.notification_send", notification_id, task_name=f"notification {notification_id}")


def _default_template(kind: str) -> tuple[str, str]:
    """The product's own template of `kind`, in the active language.

    The English file is the source: its subject and each paragraph are gettext messages (locale/*/django.po),
    placeholders and all, so a translation moves words around them; an untranslated paragraph stays English.
    """
    raw = (TEMPLATE_DIR / f"{kind}.txt").read_text(encoding="utf-8")
    first, _, body = raw.partition("\n")
    subject = gettext(first.removeprefix("Subject:").strip())
    paragraphs = [gettext(paragraph.strip()) for paragraph in body.strip().split("\n\n")]
    return subject, "\n\n".join(paragraphs) + "\n"


# Stored as ISO dates (the row is language-neutral); written in the message's language when it is rendered.
_DATE_PLACEHOLDERS = frozenset({"warranty_start", "warranty_end"})


def _localized_date(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return formats.date_format(day, "DATE_FORMAT", use_l10n=True)


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
    # The colours stand in style values (`STYLE_PLACEHOLDERS`): the portal's checked ones, never the raw setting.
    branding = branding_for(tenant)
    return {
        "brand_name": tenant.name,
        "brand_primary_color": branding["primary_color"],
        "brand_accent_color": branding["accent_color"],
        "support_email": tenant.support_email,
    }


def _link_placeholders(kind: str) -> frozenset[str]:
    return frozenset(LINK_PLACEHOLDERS & set(PLACEHOLDERS[kind]))


def notification_render(
    *, tenant: Tenant, kind: str, context: dict, template: NotificationTemplate | None = None, language: str = "",
) -> RenderedMessage:
    """notification_render_in in `language` (the brand's default when empty)."""
    with translation.override(language or default_language(tenant)):
        return notification_render_in(tenant=tenant, kind=kind, context=context, template=template)


def notification_render_in(*, tenant: Tenant, kind: str, context: dict, template: NotificationTemplate | None = None) -> RenderedMessage:
    """The subject, plain-text and HTML parts of a message, with the tenant's own template if it has one.

    A stored template is held to today's rules here too (it may have been saved before them): one that breaks
    them is not used (the default is), and its HTML always goes through the allow-list.
    """
    if template is None:
        template = NotificationTemplate.objects.filter(tenant=tenant, kind=kind).first()
    if template is not None and _leak_errors(
        kind, {"subject": template.subject, "text_body": template.text_body, "html_body": template.html_body}
    ):
        template = None
    if template is not None:
        subject_t, text_t, html_t = template.subject, template.text_body, template.html_body
    else:
        subject_t, text_t = _default_template(kind)
        html_t = ""
    if kind in ACCOUNT_KINDS:
        html_t = ""
    if html_t:
        html_t = html_sanitize(html_t, link_placeholders=_link_placeholders(kind)).html
    values = {"customer_name": gettext("customer"), **brand_values(tenant), **context}
    if "claim_id" in values and not values.get("claim_reference"):
        # Rows queued before claims had references still name their claim.
        values["claim_reference"] = values["claim_id"]
    if not values.get("customer_name"):
        values["customer_name"] = gettext("customer")
    values = {key: _localized_date(value) if key in _DATE_PLACEHOLDERS else value for key, value in values.items()}
    subject = " ".join(_substitute(subject_t, values, escape=False).split())
    text = _substitute(text_t, values, escape=False).rstrip() + "\n"
    body_html = _substitute(html_t, values, escape=True) if html_t else _text_to_html(text)
    # The plain-text part carries the brand and support address too (the HTML part has them in its layout);
    # it is outside the editable template so no tenant edit can drop it.
    text += f"\n-- \n{values['brand_name']} - {values['support_email']}\n"
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
        message = notification_render(tenant=notification.tenant, kind=notification.kind, context=notification.context,
                                      language=notification.language)
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
    """Staff asked to try a message again now: a failed one gets a fresh set of attempts, a waiting one skips
    the rest of its back-off. A sent message is left alone (the send task skips it)."""
    now = timezone.now()
    Notification.objects.filter(id=notification.id, status=Notification.Status.FAILED).update(
        status=Notification.Status.QUEUED, attempts=0, next_attempt_at=now, lease_until=None
    )
    Notification.objects.filter(id=notification.id, status=Notification.Status.QUEUED).update(next_attempt_at=now)
    task_enqueue_after_commit(
        "warranty_api.tasks.notification_send", notification.id, task_name=f"notification {notification.id}"
    )
    notification.refresh_from_db()
    return notification


# ---------------------------------------------------------------------------------------------- templates

# Example values per kind, for the preview and for checking that every default template renders whole.
_SAMPLE_CLAIM = "clm_Sample0000000000000"
_SAMPLE_CLAIM_FIELDS = {"claim_reference": "RI-1042", "link": "https://example.com/brand/claims/clm_Sample0000000000000/"}
SAMPLES: dict[str, dict[str, str]] = {
    NotificationKind.REGISTRATION_CONFIRMATION: {
        "product_name": "TP9 Elite SC",
        "serial_number": "SN-CA-20250115",
        "coverage": "Full replacement",
        "warranty_start": "2026-01-15",
        "warranty_end": "2028-01-15",
        "certificate_link": "https://example.com/api/p/brand/certificate?token=sample",
    },
    NotificationKind.EMAIL_VERIFICATION: {
        "email": "customer@example.com",
        "link": "https://example.com/verify-email?token=sample",
        "code": "482913",
    },
    NotificationKind.EMAIL_CHANGE_VERIFICATION: {
        "email": "new.address@example.com",
        "link": "https://example.com/verify-email?token=sample",
        "code": "482913",
        "account_name": "Ann Owner",
        "account_email": "owner@example.com",
    },
    NotificationKind.PASSWORD_RESET: {"link": "https://example.com/reset-password?token=sample"},
    NotificationKind.STAFF_INVITATION: {
        "email": "new.crew@example.com",
        "role": "agent",
        "link": "https://example.com/reset-password?token=sample",
    },
    NotificationKind.STAFF_MEMBERSHIP_INVITATION: {
        "email": "crew@example.com",
        "role": "agent",
        "link": "https://example.com/accept-invitation?token=sample",
    },
    NotificationKind.CLAIM_RECEIVED: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "product_name": "TP9 Elite SC",
        "serial_number": "SN-CA-20250115",
    },
    NotificationKind.CLAIM_INFO_REQUESTED: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "message": "Please send a photo of the serial number plate.",
    },
    NotificationKind.CLAIM_INFO_REMINDER: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "product_name": "TP9 Elite SC",
        "serial_number": "SN-CA-20250115",
        "message": "Please send a photo of the serial number plate.",
        "requested_on": "2026-02-01",
    },
    NotificationKind.CLAIM_APPROVED: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "product_name": "TP9 Elite SC",
        "resolution": "repair",
        "rma_number": "RMA-RIDGELINE-000042",
        "message": "Ship it to our service center with the label we sent.",
    },
    NotificationKind.CLAIM_DENIED: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "product_name": "TP9 Elite SC",
        "reason": "The damage comes from a fall, which the warranty does not cover.",
    },
    NotificationKind.CLAIM_RESOLVED: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "resolution": "repair",
        "message": "Your repaired unit is on its way.",
    },
    NotificationKind.CLAIM_UPDATED: {
        "claim_id": _SAMPLE_CLAIM,
        **_SAMPLE_CLAIM_FIELDS,
        "status": "Under review",
        "message": "A technician is looking at your photos.",
    },
    NotificationKind.TRANSFER_OFFERED: {
        "from_name": "John Smith",
        "product_name": "TP9 Elite SC",
        "serial_number": "SN-CA-20250115",
        "warranty_end": "2028-01-15",
        "link": "https://example.com/transfers/accept?token=sample",
    },
    NotificationKind.TRANSFER_ACCEPTED: {"product_name": "TP9 Elite SC", "serial_number": "SN-CA-20250115"},
    NotificationKind.EXPIRY_REMINDER: {
        "product_name": "TP9 Elite SC",
        "serial_number": "SN-CA-20250115",
        "warranty_end": "2028-01-15",
    },
    NotificationKind.CLAIM_SLA_REMINDER: {
        "claim_id": _SAMPLE_CLAIM,
        "claim_reference": "RI-1042",
        "clock": "first response",
        "due_at": "2026-02-01 09:00 UTC",
        "product_name": "TP9 Elite SC",
    },
    NotificationKind.PRODUCT_NOTICE: {
        "notice_title": "Safety recall: trigger spring",
        "notice_message": "Stop using the product and contact us for a free repair.",
        "notice_kind": "safety",
        "product_name": "TP9 Elite SC",
        "serial_number": "SN-CA-20250115",
        "link": "https://example.com/brand/products/wty_Sample0000000000000/",
    },
}
SAMPLE_CUSTOMER_NAME = "John Smith"

# Room for a long message, small enough that a template cannot be used to store anything else.
TEMPLATE_MAX_LENGTHS = {"subject": 300, "text_body": 20_000, "html_body": 50_000}
_ANY_PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TAG_RE = re.compile(r"\{%|%\}|\{#|#\}")
# A secret placeholder glued to other text (`https://elsewhere/?l={{ link }}`, `{{ link }}&x`): a space, a line
# or an opening bracket before it, a space, a line, a closing bracket or a sentence's end after it.
_SECRET = r"\{\{\s*(?:link|code|certificate_link)\s*\}\}"
_SECRET_TOUCHING_RE = re.compile(rf"(?:[^\s(<\[]{_SECRET})|(?:{_SECRET}(?![\s)>\].,;:!?]|$))")
_SECRET_TOUCHING_HTML_RE = re.compile(rf"(?:[^\s(<\[\">]{_SECRET})|(?:{_SECRET}(?![\s)>\].,;:!?\"<]|$))")
_OWN_URL_RE = re.compile(r"(?i)[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:|\bdata:")


def placeholders_allowed(kind: str) -> tuple[str, ...]:
    """Every placeholder a template of `kind` may use: the brand's, then the kind's own."""
    return BRAND_PLACEHOLDERS + tuple(name for name in PLACEHOLDERS[kind] if name not in BRAND_PLACEHOLDERS)


def default_template(kind: str) -> tuple[str, str]:
    """The product's own subject and text body of `kind` (templates/notifications/<kind>.txt)."""
    return _default_template(kind)


def _template_errors(kind: str, fields: dict[str, str | None]) -> dict[str, list[dict[str, str]]]:
    """Field errors of a template's parts: lengths, template tags, and placeholders the kind does not have."""
    allowed = placeholders_allowed(kind)
    allowed_list = ", ".join("{{ " + name + " }}" for name in allowed)
    errors: dict[str, list[dict[str, str]]] = {}

    def add(name: str, code: str, message: str) -> None:
        errors.setdefault(name, []).append({"code": code, "message": message})

    for name, value in fields.items():
        if value is None:
            continue
        if name != "html_body" and not value.strip():
            add(name, "required", "This field may not be blank.")
            continue
        if len(value) > TEMPLATE_MAX_LENGTHS[name]:
            add(name, "max_length", f"At most {TEMPLATE_MAX_LENGTHS[name]} characters.")
            continue
        if _TAG_RE.search(value):
            add(name, "template_syntax", "Template tags ({% ... %}, {# ... #}) are not allowed; use {{ placeholder }} only.")
        unknown = []
        for match in _ANY_PLACEHOLDER_RE.finditer(value):
            inner = match.group(1).strip()
            if inner not in allowed and inner not in unknown:
                unknown.append(inner)
        if unknown:
            shown = ", ".join("{{ " + u + " }}" for u in unknown)
            add(name, "unknown_placeholder", f"Unknown placeholder {shown}. Allowed: {allowed_list}.")
        leftover = _ANY_PLACEHOLDER_RE.sub("", value)
        if "{{" in leftover or "}}" in leftover:
            add(name, "unclosed_placeholder", "A placeholder is not closed; write it as {{ name }}.")
        if name == "html_body" and value.strip():
            if kind in ACCOUNT_KINDS:
                add(name, "not_allowed", "This email opens an account: its HTML part is always made from the text "
                    "body, so a brand's own HTML is not taken. Leave html_body empty.")
                continue
            problems = html_sanitize(value, link_placeholders=_link_placeholders(kind)).problems
            if problems:
                add(name, "unsafe_html", "Not allowed in an email: " + "; ".join(problems[:10]) + ". Links go to a "
                    "placeholder of the product ({{ link }}), mailto:{{ support_email }} or a plain https address; "
                    "nothing may be loaded from elsewhere (images, styles with url()).")
    for name, (code, message) in _leak_errors(kind, fields).items():
        add(name, code, message)
    return errors


def _leak_errors(kind: str, fields: dict[str, str | None]) -> dict[str, tuple[str, str]]:
    """What in a template could hand a product link or code to someone else; the renderer holds stored templates
    to these too (HTML it need not check: it is rebuilt from the allow-list, and ignored for account emails)."""
    errors: dict[str, tuple[str, str]] = {}
    for name, value in fields.items():
        if not value:
            continue
        secrets_used = sorted({m.group(1) for m in _PLACEHOLDER_RE.finditer(value)} & SECRET_PLACEHOLDERS)
        if name == "subject" and secrets_used:
            shown = ", ".join("{{ " + secret + " }}" for secret in secrets_used)
            errors[name] = ("not_allowed", f"The subject may not hold {shown}: put it in the body.")
        elif name == "text_body" and _SECRET_TOUCHING_RE.search(value):
            errors[name] = ("link_not_alone", "{{ link }} and {{ code }} stand on their own (a space or a line "
                            "around them): they cannot be part of another address.")
        elif name == "html_body" and kind not in ACCOUNT_KINDS and _SECRET_TOUCHING_HTML_RE.search(value):
            errors[name] = ("link_not_alone", "{{ link }} and {{ code }} stand on their own, as a whole href or "
                            "text: they cannot be part of another address.")
        elif name in ("subject", "text_body") and kind in ACCOUNT_KINDS and _OWN_URL_RE.search(
            _ANY_PLACEHOLDER_RE.sub("", value)
        ):
            errors[name] = ("url_not_allowed", "This email opens an account: the only address it may hold is the "
                            "product's own {{ link }}.")
    return errors


def _check_kind(kind: str) -> None:
    if kind not in PLACEHOLDERS:
        raise NotFound("There is no notification of this kind.")


def notification_template_save(
    *, tenant: Tenant, kind: str, subject: str, text_body: str, html_body: str = ""
) -> NotificationTemplate:
    """Set the tenant's own wording of one kind of message, replacing any earlier one."""
    _check_kind(kind)
    errors = _template_errors(kind, {"subject": subject, "text_body": text_body, "html_body": html_body or ""})
    if errors:
        raise ValidationFailed(fields=errors)
    values = {"subject": subject.strip(), "text_body": text_body, "html_body": html_body or ""}
    for attempt in range(2):
        try:
            with transaction.atomic():
                template, _ = NotificationTemplate.objects.update_or_create(tenant=tenant, kind=kind, defaults=values)
            return template
        except IntegrityError:  # two admins saving the first override at once: the second updates the first's
            if attempt:
                raise
    raise AssertionError("unreachable")


def notification_template_reset(*, tenant: Tenant, kind: str) -> None:
    """Drop the tenant's wording of `kind`; its messages use the default again. Resetting twice is fine."""
    _check_kind(kind)
    with transaction.atomic():
        NotificationTemplate.objects.filter(tenant=tenant, kind=kind).delete()


def notification_preview(
    *,
    tenant: Tenant,
    kind: str,
    subject: str | None = None,
    text_body: str | None = None,
    html_body: str | None = None,
    context: dict | None = None,
) -> RenderedMessage:
    """Render `kind` with sample values, using the given parts over the tenant's current ones; saves nothing."""
    _check_kind(kind)
    errors = _template_errors(kind, {"subject": subject, "text_body": text_body, "html_body": html_body})
    context = context or {}
    if not isinstance(context, dict):
        errors.setdefault("context", []).append({"code": "invalid", "message": "Send an object of placeholder values."})
        context = {}
    own = ("customer_name", *PLACEHOLDERS[kind])
    for key, value in context.items():
        if key not in own:
            errors.setdefault(f"context.{key}", []).append(
                {"code": "unknown_placeholder", "message": f"Not a value of this message. Allowed: {', '.join(own)}."}
            )
        elif not isinstance(value, str | int | float) or isinstance(value, bool) or len(str(value)) > 2000:
            errors.setdefault(f"context.{key}", []).append(
                {"code": "invalid", "message": "A text of at most 2000 characters."}
            )
    if errors:
        raise ValidationFailed(fields=errors)
    current = NotificationTemplate.objects.filter(tenant=tenant, kind=kind).first()
    if current is not None:
        base_subject, base_text, base_html = current.subject, current.text_body, current.html_body
    else:
        (base_subject, base_text), base_html = _default_template(kind), ""
    if text_body is not None and html_body is None:
        base_html = ""  # a new text body with the stored HTML would preview two different messages
    draft = NotificationTemplate(
        tenant=tenant,
        kind=kind,
        subject=subject if subject is not None else base_subject,
        text_body=text_body if text_body is not None else base_text,
        html_body=html_body if html_body is not None else base_html,
    )
    values = {"customer_name": SAMPLE_CUSTOMER_NAME, **SAMPLES[kind], **{k: str(v) for k, v in context.items()}}
    return notification_render(tenant=tenant, kind=kind, context=values, template=draft)


# ---------------------------------------------------------------------------------------------- the staff outbox


def outbox_notification_retry(*, tenant: Tenant, notification_id: str) -> Notification:
    """Staff send a failed or backing-off message again now; a sent or in-flight one is a conflict."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(tenant=tenant, pk=notification_id).first()
        if notification is None:
            raise NotFound()
        if notification.status == Notification.Status.SENT:
            raise Conflict("This message was already sent.", code=NotificationErrorCode.NOTIFICATION_ALREADY_SENT)
        if notification.status == Notification.Status.SENDING and (
            notification.lease_until is None or notification.lease_until > timezone.now()
        ):
            raise Conflict(
                "This message is being sent now; look again in a moment.",
                code=NotificationErrorCode.NOTIFICATION_IN_PROGRESS,
            )
        return notification_retry(notification=notification)
