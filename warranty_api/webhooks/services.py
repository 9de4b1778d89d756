"""Webhooks: app subscriptions, the inventory system's endpoint, signed deliveries in order, and inbound events.

Every event becomes one `WebhookDelivery` row per endpoint, written in the transaction of the change, so an
event is never lost and never sent for a change that rolled back. The task `webhook_deliver` sends one row;
`webhook_deliveries_sweep` (scheduled every OUTBOX_SWEEP_MINUTES) re-enqueues what is due. Order: a delivery
waits while an earlier delivery with the same endpoint and `ordering_key` (a claim id) is not delivered,
including one that failed for good. A later status of a claim never overtakes an earlier one at the receiver; an admin's retry of
the failed delivery lets the rest follow.
"""

from __future__ import annotations

import datetime
import json
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from warranty_api.core import crypto
from warranty_api.core.exceptions import Conflict, NotFound, ValidationFailed
from warranty_api.core.ids import new_public_id
from warranty_api.core.outbox import Outbox
from warranty_api.core.queueing import task_enqueue, task_enqueue_after_commit
from warranty_api.core.timestamps import iso_z
from warranty_api.integrations import webhooks as http
from warranty_api.tenancy.models import Tenant
from warranty_api.webhooks.error_codes import WebhookErrorCode
from warranty_api.webhooks.models import InboundEvent, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

# What an app may subscribe to ("*" takes all of them, and any added later).
EVENT_TYPES = (
    "warranty.registered",
    "warranty.updated",
    "claim.created",
    "claim.status_changed",
    "fulfillment.updated",
    "customer.consent_changed",
)
# What the inventory backend sends to the tenant's inventory system.
INVENTORY_EVENT_TYPES = ("fulfillment.requested", "fulfillment.cancelled")
MAX_APP_ENDPOINTS = 20
D = WebhookDelivery.Status


# App webhooks and the inventory system's fulfillment requests and cancellations alike: one POST per attempt,
# bounded as a whole by WEBHOOK_TIMEOUT.
OUTBOX = Outbox(
    WebhookDelivery, waiting=D.QUEUED, working=D.SENDING, failed=D.FAILED, kind="webhook delivery",
    longest_attempt=lambda: float(settings.AFTERSALE_WEBHOOK_TIMEOUT),
)


# ------------------------------------------------------------------------------------------- emitting


def _body(*, event_id: str, event_type: str, tenant: Tenant, payload: dict) -> str:
    envelope = {
        "id": event_id,
        "type": event_type,
        "created_at": iso_z(timezone.now()),
        "tenant": tenant.slug,
        "data": payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=False, default=str)


def _queue(endpoints, *, tenant: Tenant, event_type: str, payload: dict, ordering_key: str) -> list[WebhookDelivery]:
    if not endpoints:
        return []
    event_id = new_public_id("evt_")
    body = _body(event_id=event_id, event_type=event_type, tenant=tenant, payload=payload)
    now = timezone.now()
    rows = [
        WebhookDelivery.objects.create(
            tenant=tenant,
            endpoint=endpoint,
            event_id=event_id,
            event_type=event_type,
            ordering_key=ordering_key or "",
            body=body,
            max_attempts=settings.AFTERSALE_WEBHOOK_MAX_ATTEMPTS,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    ids = [row.pk for row in rows]
    for pk in ids:
        _enqueue_after_commit(pk)
    return rows


def webhook_event_emit(*, tenant: Tenant, event_type: str, payload: dict, ordering_key: str) -> list[WebhookDelivery]:
    """Queue `event_type` for every enabled app endpoint of the tenant that subscribes to it.

    Call inside the transaction of the change (the rows commit with it; they are sent after commit).
    `ordering_key` (a claim or warranty id) keeps that object's events in order at each receiver.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(tenant=tenant, purpose=WebhookEndpoint.Purpose.APP, enabled=True)
        if e.wants(event_type)
    ]
    return _queue(endpoints, tenant=tenant, event_type=event_type, payload=payload, ordering_key=ordering_key)


def inventory_endpoint(tenant: Tenant | int) -> WebhookEndpoint | None:
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    return WebhookEndpoint.objects.filter(tenant_id=tenant_id, purpose=WebhookEndpoint.Purpose.INVENTORY).first()


def inventory_event_send(*, tenant: Tenant, event_type: str, payload: dict, ordering_key: str) -> WebhookDelivery:
    """Queue one event for the tenant's inventory system (the inventory backend's way out)."""
    if event_type not in INVENTORY_EVENT_TYPES:
        raise ValueError(f"Unknown inventory event type {event_type!r}")
    endpoint = inventory_endpoint(tenant)
    if endpoint is None:
        raise LookupError(f"Tenant {tenant.slug} has no inventory system configured")
    return _queue([endpoint], tenant=tenant, event_type=event_type, payload=payload, ordering_key=ordering_key)[0]


# ------------------------------------------------------------------------------------------- delivering


def _enqueue(delivery_pk: int) -> None:
    task_enqueue("warranty_api.tasks.webhook_deliver", delivery_pk, task_name=f"webhook delivery {delivery_pk}")


def _enqueue_after_commit(delivery_pk: int) -> None:
    task_enqueue_after_commit(
        "warranty_api.tasks.webhook_deliver", delivery_pk, task_name=f"webhook delivery {delivery_pk}"
    )


def _earlier_undelivered():
    """Rows that must go before the outer row: same endpoint and ordering key, lower id, not delivered."""
    return (
        WebhookDelivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"), ordering_key=OuterRef("ordering_key"), id__lt=OuterRef("id")
        )
        .exclude(status=D.DELIVERED)
    )


def _blocked(row: WebhookDelivery) -> bool:
    if not row.ordering_key:
        return False
    return (
        WebhookDelivery.objects.filter(endpoint_id=row.endpoint_id, ordering_key=row.ordering_key, id__lt=row.id)
        .exclude(status=D.DELIVERED)
        .exists()
    )


def _next_in_line(row: WebhookDelivery) -> None:
    if not row.ordering_key:
        return
    following = (
        WebhookDelivery.objects.filter(
            endpoint_id=row.endpoint_id, ordering_key=row.ordering_key, id__gt=row.id, status=D.QUEUED
        )
        .order_by("id")
        .values_list("pk", "next_attempt_at")
        .first()
    )
    if following and (following[1] is None or following[1] <= timezone.now()):
        _enqueue(following[0])


def webhook_deliver(delivery_pk: int) -> str:
    """The task's body: send one delivery. Safe to run twice; a delivered row is never sent again."""
    row = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_pk).first()
    if row is None or row.status in (D.DELIVERED, D.FAILED):
        return "skipped"
    if not row.endpoint.enabled:
        return "paused"  # kept queued; sent once the endpoint is enabled again
    if _blocked(row):
        return "blocked"  # the earlier delivery's success enqueues this one
    if not OUTBOX.claim(delivery_pk):
        return "skipped"
    row.refresh_from_db()
    endpoint = row.endpoint
    now = timezone.now()
    status_code = None
    try:
        body = row.body.encode()
        headers = {
            http.SIGNATURE_HEADER: http.sign(endpoint.secret(), body),
            http.EVENT_ID_HEADER: row.event_id,
            http.EVENT_TYPE_HEADER: row.event_type,
            http.DELIVERY_ID_HEADER: row.public_id,
        }
        result = http.post(endpoint.url, body, headers, timeout=float(settings.AFTERSALE_WEBHOOK_TIMEOUT))
        status_code = result.status
        error = "" if result.ok else f"HTTP {result.status}: {result.body_excerpt[:300]}"
    except crypto.SecretUnreadable:
        error = "The endpoint's secret cannot be decrypted with the configured keys; set a new one."
    except http.UnsafeDestination as exc:
        error = f"Refused destination: {exc}"
    except TimeoutError:
        error = "Timed out waiting for the endpoint."
    except OSError as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    if not error:
        WebhookDelivery.objects.filter(pk=row.pk).update(
            status=D.DELIVERED, delivered_at=now, last_attempt_at=now, response_code=status_code, last_error="",
            lease_until=None, updated_at=now,
        )
        _next_in_line(row)
        return "delivered"
    WebhookDelivery.objects.filter(pk=row.pk).update(response_code=status_code, last_attempt_at=now, updated_at=now)
    exhausted = OUTBOX.retry_later(row.pk, attempts=row.attempts, max_attempts=row.max_attempts, error=error)
    logger.info("Webhook delivery %s failed (%s); %s", row.public_id, error[:100], "gave up" if exhausted else "will retry")
    return "failed" if exhausted else "retry"


def webhook_deliveries_sweep() -> int:
    """Scheduled: enqueue due deliveries that may go now (not waiting for an earlier one), and forget old
    inbound event ids (older than the replay window, a replay is refused by its timestamp anyway)."""
    where = Q(endpoint__enabled=True) & (Q(ordering_key="") | ~Exists(_earlier_undelivered()))
    due = OUTBOX.due(where=where)
    for pk in due:
        _enqueue(pk)
    keep = max(settings.AFTERSALE_WEBHOOK_REPLAY_WINDOW_SECONDS * 2, 86400)
    InboundEvent.objects.filter(received_at__lt=timezone.now() - datetime.timedelta(seconds=keep)).delete()
    return len(due)


def webhook_delivery_retry(*, tenant: Tenant, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    """Staff ask for a delivery to be sent again now, with a fresh set of attempts."""
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update()
            .filter(tenant=tenant, endpoint_id=endpoint_id, public_id=delivery_id)
            .first()
        )
        if row is None:
            raise NotFound()
        if row.status == D.DELIVERED:
            raise Conflict(
                "This delivery was delivered; it is not sent twice.", code=WebhookErrorCode.DELIVERY_ALREADY_DELIVERED,
            )
        if row.status == D.SENDING and row.lease_until and row.lease_until > timezone.now():
            raise Conflict(
                "This delivery is being sent now; look again in a moment.", code=WebhookErrorCode.DELIVERY_IN_PROGRESS,
            )
        row.status, row.attempts, row.next_attempt_at, row.lease_until = D.QUEUED, 0, timezone.now(), None
        row.max_attempts = settings.AFTERSALE_WEBHOOK_MAX_ATTEMPTS
        row.save(update_fields=["status", "attempts", "next_attempt_at", "lease_until", "max_attempts", "updated_at"])
        _enqueue_after_commit(row.pk)
    return row


# ------------------------------------------------------------------------------------------- configuration


def _check_url(url: str, errors: dict) -> str:
    url = (url or "").strip()
    problem = http.url_problem(url) if url else "Give the URL to send events to."
    if problem:
        errors.setdefault("url", []).append({"code": "invalid" if url else "required", "message": problem})
    return url


def _check_events(events, errors: dict) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        errors.setdefault("events", []).append(
            {"code": "required", "message": 'List the event types to send, or ["*"] for all.'}
        )
        return []
    unknown = [e for e in events if e != "*" and e not in EVENT_TYPES]
    if unknown:
        errors.setdefault("events", []).append(
            {"code": "invalid_choice", "message": f"Unknown event types: {', '.join(unknown)}. "
             f"Choose from: {', '.join(EVENT_TYPES)}, or *."}
        )
    if len(set(events)) != len(events):
        errors.setdefault("events", []).append({"code": "duplicate", "message": "List each event type once."})
    return list(events)


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_endpoint_create(*, tenant: Tenant, url: str, events: list, enabled: bool = True) -> tuple[WebhookEndpoint, str]:
    """A new app subscription and its signing secret, which the caller shows once and we never show again."""
    errors: dict = {}
    url = _check_url(url, errors)
    events = _check_events(events, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()  # serialises the count check
        if WebhookEndpoint.objects.filter(tenant=tenant, purpose=WebhookEndpoint.Purpose.APP).count() >= MAX_APP_ENDPOINTS:
            raise Conflict(
                f"A brand may have at most {MAX_APP_ENDPOINTS} webhook endpoints.",
                code=WebhookErrorCode.TOO_MANY_WEBHOOKS,
            )
        secret = _new_secret()
        endpoint = WebhookEndpoint(tenant=tenant, purpose=WebhookEndpoint.Purpose.APP, url=url, events=events,
                                   enabled=enabled)
        endpoint.set_secret(secret)
        endpoint.save()
    return endpoint, secret


def _app_endpoint_locked(tenant: Tenant, endpoint_id: str) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update()
        .filter(tenant=tenant, pk=endpoint_id, purpose=WebhookEndpoint.Purpose.APP)
        .first()
    )
    if endpoint is None:
        raise NotFound()
    return endpoint


_UNSET = object()


def webhook_endpoint_update(*, tenant: Tenant, endpoint_id: str, url=_UNSET, events=_UNSET, enabled=_UNSET) -> WebhookEndpoint:
    errors: dict = {}
    with transaction.atomic():
        endpoint = _app_endpoint_locked(tenant, endpoint_id)
        if url is not _UNSET:
            endpoint.url = _check_url(url, errors)
        if events is not _UNSET:
            endpoint.events = _check_events(events, errors)
        if enabled is not _UNSET:
            endpoint.enabled = bool(enabled)
        if errors:
            raise ValidationFailed(fields=errors)
        endpoint.save()
        resumed = endpoint.enabled
        pk = endpoint.pk
    if resumed:  # deliveries held while it was disabled go now, in order
        for delivery_pk in OUTBOX.due(where=Q(endpoint_id=pk) & (Q(ordering_key="") | ~Exists(_earlier_undelivered()))):
            _enqueue(delivery_pk)
    return endpoint


def webhook_endpoint_rotate_secret(*, tenant: Tenant, endpoint_id: str) -> tuple[WebhookEndpoint, str]:
    """A new signing secret for an app subscription, shown to the caller once; the old one stops at once."""
    with transaction.atomic():
        endpoint = _app_endpoint_locked(tenant, endpoint_id)
        secret = _new_secret()
        endpoint.set_secret(secret)
        endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    return endpoint, secret


def webhook_endpoint_delete(*, tenant: Tenant, endpoint_id: str) -> None:
    """Remove a subscription with its delivery log; queued deliveries to it are dropped."""
    with transaction.atomic():
        _app_endpoint_locked(tenant, endpoint_id).delete()


def inventory_integration_save(*, tenant: Tenant, url: str, secret: str | None = None, enabled: bool = True) -> WebhookEndpoint:
    """Set where the inventory backend sends fulfillment requests, and the shared secret of both directions.

    An omitted secret keeps the stored one (it is never read back). While enabled, new fulfillments of the
    tenant go to the webhook backend; while disabled nothing is sent or accepted.
    """
    errors: dict = {}
    url = _check_url(url, errors)
    if secret is not None:
        secret = secret.strip()
        if len(secret) < 24 or len(secret) > 200 or any(c.isspace() for c in secret):
            errors.setdefault("secret", []).append(
                {"code": "invalid", "message": "Use a random secret of 24 to 200 characters without spaces."}
            )
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .filter(tenant=tenant, purpose=WebhookEndpoint.Purpose.INVENTORY)
            .first()
        )
        if secret is None and (endpoint is None or not endpoint.has_secret):
            errors.setdefault("secret", []).append(
                {"code": "required", "message": "Give the secret shared with the inventory system."}
            )
        if errors:
            raise ValidationFailed(fields=errors)
        endpoint = endpoint or WebhookEndpoint(
            tenant=tenant, purpose=WebhookEndpoint.Purpose.INVENTORY, events=list(INVENTORY_EVENT_TYPES)
        )
        endpoint.url, endpoint.enabled = url, bool(enabled)
        if secret is not None:
            endpoint.set_secret(secret)
        endpoint.save()
    if endpoint.enabled:
        for delivery_pk in OUTBOX.due(
            where=Q(endpoint_id=endpoint.pk) & (Q(ordering_key="") | ~Exists(_earlier_undelivered()))
        ):
            _enqueue(delivery_pk)
    return endpoint
