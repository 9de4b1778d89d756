"""Tenant-scoped reads for purchase verification: the store link, a warranty's check, the checks in trouble."""

from __future__ import annotations

import datetime

from django.db.models import Q

from warranty_api.core.exceptions import NotFound
from warranty_api.notifications.selectors import PURCHASE_VERIFICATION, OutboxItem, outbox_trouble
from warranty_api.tenancy.models import Tenant
from warranty_api.verification.models import PurchaseVerification, ShopifyConnection
from warranty_api.warranties.models import Warranty


def shopify_connection_get(*, tenant: Tenant) -> ShopifyConnection | None:
    return ShopifyConnection.objects.filter(tenant=tenant).first()


def warranty_verification_get(*, tenant: Tenant, warranty_id: str) -> tuple[Warranty, PurchaseVerification | None]:
    warranty = Warranty.objects.filter(tenant=tenant, pk=warranty_id).first()
    if warranty is None:
        raise NotFound()
    return warranty, PurchaseVerification.objects.filter(pk=warranty.pk).first()


def purchase_checks_in_trouble(
    *, tenant: Tenant, statuses: set[str], after: Q, now: datetime.datetime, limit: int
) -> list[OutboxItem]:
    """The staff outbox's purchase checks: failed for good, or waiting for another attempt after a failed one (or
    a lost worker), newest first, at most `limit` past the cursor `after`."""
    P = PurchaseVerification.Status
    rows = PurchaseVerification.objects.filter(
        outbox_trouble(P.QUEUED, P.RUNNING, P.FAILED, statuses, now), after, tenant=tenant
    )
    return [
        OutboxItem(
            id=v.pk, type=PURCHASE_VERIFICATION, kind=PURCHASE_VERIFICATION, status=v.status, to=None,
            subject_ref=v.pk, attempts=v.attempts, max_attempts=v.max_attempts, last_error=v.last_error,
            next_attempt_at=v.next_attempt_at if v.status == P.QUEUED else None,
            created_at=v.created_at, updated_at=v.updated_at,
        )
        for v in rows.order_by("-created_at", "-pk")[:limit]
    ]
