"""Tenant-scoped reads of notification templates and of the staff outbox (failed and retrying work)."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from warranty_api.core.exceptions import NotFound, ValidationFailed
from warranty_api.core.parsers import json_loads_checked
from warranty_api.notifications.models import Notification, NotificationKind, NotificationTemplate
from warranty_api.notifications.services import PLACEHOLDERS, default_template, placeholders_allowed
from warranty_api.tenancy.models import Tenant


@dataclass
class TemplateView:
    kind: str
    label: str
    placeholders: tuple[str, ...]
    customized: bool
    subject: str
    text_body: str
    html_body: str
    updated_at: datetime.datetime | None


def _template_view(kind: str, override: NotificationTemplate | None) -> TemplateView:
    if override is not None:
        subject, text_body, html_body = override.subject, override.text_body, override.html_body
    else:
        (subject, text_body), html_body = default_template(kind), ""
    return TemplateView(
        kind=kind,
        label=NotificationKind(kind).label,
        placeholders=placeholders_allowed(kind),
        customized=override is not None,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        updated_at=override.updated_at if override is not None else None,
    )


def notification_templates_list(*, tenant: Tenant) -> list[TemplateView]:
    """Every kind of message, with the tenant's own wording where it has one and the default otherwise."""
    overrides = {t.kind: t for t in NotificationTemplate.objects.filter(tenant=tenant)}
    return [_template_view(kind, overrides.get(kind)) for kind in PLACEHOLDERS]


def notification_template_get(*, tenant: Tenant, kind: str) -> TemplateView:
    if kind not in PLACEHOLDERS:
        raise NotFound("There is no notification of this kind.")
    return _template_view(kind, NotificationTemplate.objects.filter(tenant=tenant, kind=kind).first())


# ---------------------------------------------------------------------------------------------- the outbox

OUTBOX_STATUSES = ("failed", "retrying")
PURCHASE_VERIFICATION = "purchase_verification"
OUTBOX_KINDS = (*PLACEHOLDERS, PURCHASE_VERIFICATION)


@dataclass
class OutboxItem:
    id: str
    type: str
    kind: str
    status: str
    to: str | None
    subject_ref: str
    attempts: int
    max_attempts: int
    last_error: str
    next_attempt_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclass
class OutboxPage:
    items: list[OutboxItem]
    limit: int
    next_cursor: str | None
    has_more: bool


# Other background work the outbox lists beside the emails, by its kind: each is read by the domain that owns it
# (verification: `verification.selectors.purchase_checks_in_trouble`), which sits above notifications, so it is
# added at start-up (`warranty_api.apps`). A source answers at most `limit` rows of its own past `after`, newest
# first, as `OutboxItem`s.
OutboxSource = Callable[..., list["OutboxItem"]]
_OUTBOX_SOURCES: dict[str, OutboxSource] = {}


def outbox_source_add(kind: str, source: OutboxSource) -> None:
    """List `kind` in the outbox with the rows `source(tenant=, statuses=, after=, now=, limit=)` answers."""
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"{kind} is not a kind of the outbox")
    _OUTBOX_SOURCES[kind] = source


def outbox_trouble(waiting: str, working: str, failed: str, statuses: set[str], now) -> Q:
    """Rows that failed for good, or that wait for another attempt after a failed one (or a lost worker)."""
    q = Q(pk__in=[])
    if "failed" in statuses:
        q |= Q(status=failed)
    if "retrying" in statuses:
        q |= Q(status=waiting, attempts__gt=0) | Q(status=working, lease_until__lt=now)
    return q


def _encode_cursor(item: OutboxItem) -> str:
    raw = json.dumps([item.created_at.isoformat(), item.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, pk = json_loads_checked(raw)  # the parser's rules: no NUL reaches the query
        when = parse_datetime(created)
        if when is None or not isinstance(pk, str):
            raise ValueError
        return when, pk
    except Exception:
        raise ValidationFailed.field("cursor", "invalid", "The cursor is not valid; start again without it.") from None


def _limit(raw: str | None) -> int:
    if raw is None:
        return 25
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        raise ValidationFailed.field("limit", "out_of_range", "limit must be a whole number from 1 to 100.")
    return value


def outbox_list(
    *, tenant: Tenant, status: str | None = None, kind: str | None = None, cursor: str | None = None,
    limit: str | None = None,
) -> OutboxPage:
    """The tenant's failed and retrying messages and purchase checks, newest first, one cursor over both.

    Two queries whatever the page size: each table gives at most `limit + 1` rows past the cursor and the two
    lists are merged.
    """
    if status is not None and status not in OUTBOX_STATUSES:
        raise ValidationFailed.field("status", "invalid_choice", f"Choose one of: {', '.join(OUTBOX_STATUSES)}.")
    if kind is not None and kind not in OUTBOX_KINDS:
        raise ValidationFailed.field("kind", "invalid_choice", f"Choose one of: {', '.join(OUTBOX_KINDS)}.")
    size = _limit(limit)
    statuses = {status} if status else set(OUTBOX_STATUSES)
    now = timezone.now()
    after = Q()
    if cursor:
        at, pk = _decode_cursor(cursor)
        after = Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk)
    items: list[OutboxItem] = []
    if kind not in _OUTBOX_SOURCES:
        S = Notification.Status
        rows = Notification.objects.filter(outbox_trouble(S.QUEUED, S.SENDING, S.FAILED, statuses, now), after, tenant=tenant)
        if kind:
            rows = rows.filter(kind=kind)
        for n in rows.order_by("-created_at", "-pk")[: size + 1]:
            items.append(
                OutboxItem(
                    id=n.pk, type="notification", kind=n.kind, status=n.status, to=n.to_email,
                    subject_ref=n.subject_ref, attempts=n.attempts, max_attempts=n.max_attempts,
                    last_error=n.last_error, next_attempt_at=n.next_attempt_at if n.status == S.QUEUED else None,
                    created_at=n.created_at, updated_at=n.updated_at,
                )
            )
    for source_kind, source in _OUTBOX_SOURCES.items():
        if kind is None or kind == source_kind:
            items += source(tenant=tenant, statuses=statuses, after=after, now=now, limit=size + 1)
    items.sort(key=lambda item: (item.created_at, item.id), reverse=True)
    page = items[:size]
    has_more = len(items) > size
    return OutboxPage(items=page, limit=size, next_cursor=_encode_cursor(page[-1]) if has_more else None, has_more=has_more)


def outbox_notification_item(*, tenant: Tenant, notification_id: str) -> OutboxItem:
    n = Notification.objects.filter(tenant=tenant, pk=notification_id).first()
    if n is None:
        raise NotFound()
    return OutboxItem(
        id=n.pk, type="notification", kind=n.kind, status=n.status, to=n.to_email, subject_ref=n.subject_ref,
        attempts=n.attempts, max_attempts=n.max_attempts, last_error=n.last_error,
        next_attempt_at=n.next_attempt_at if n.status == Notification.Status.QUEUED else None,
        created_at=n.created_at, updated_at=n.updated_at,
    )
