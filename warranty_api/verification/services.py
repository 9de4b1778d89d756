"""Shopify purchase verification: is there an order behind this warranty? Queued, checked, retried, overridden.

The `PurchaseVerification` row is the record of work to do (the broker may lose a task); `purchase_verify`
claims it with a lease, asks the store with no database lock held, then writes the outcome under a lock on the
warranty. Every change of a warranty's `verification` or `status` writes a WarrantyEvent.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.core import crypto
from warranty_api.core.exceptions import ApiError, Conflict, NotFound, Unprocessable, ValidationFailed
from warranty_api.core.outbox import Outbox
from warranty_api.core.queueing import task_enqueue, task_enqueue_after_commit
from warranty_api.core.timestamps import iso_z
from warranty_api.integrations.shopify import (
    API_VERSION_RE,
    SHOP_DOMAIN_RE,
    ShopifyAuthFailed,
    ShopifyBadConfig,
    ShopifyClient,
    ShopifyCredentials,
    ShopifyError,
    ShopifyOrder,
    ShopifyThrottled,
    base_url_allowed,
)
from warranty_api.tenancy.models import Tenant, VerificationMode
from warranty_api.verification import events as verification_events
from warranty_api.verification.error_codes import VerificationErrorCode
from warranty_api.verification.models import PurchaseVerification, ShopifyConnection
from warranty_api.warranties.models import Warranty

logger = logging.getLogger(__name__)

V = Warranty.Verification
S = Warranty.Status
OUTBOX = Outbox(
    PurchaseVerification,
    waiting=PurchaseVerification.Status.QUEUED,
    working=PurchaseVerification.Status.RUNNING,
    failed=PurchaseVerification.Status.FAILED,
    kind="purchase check",
    # At most two calls to the store (by order number, then by email), each bounded as a whole.
    longest_attempt=lambda: 2 * float(settings.AFTERSALE_SHOPIFY_TIMEOUT),
)
# A pending warranty without a row this old lost its enqueue (the process stopped right after the commit).
ORPHAN_AGE = datetime.timedelta(minutes=2)
_CLOSED = (S.VOID, S.TRANSFERRED)


class ShopifyNotConnected(ShopifyError):
    code = VerificationErrorCode.SHOPIFY_NOT_CONNECTED  # retried: an admin may link the store after registrations arrived


# ---------------------------------------------------------------------------------------------- the check


@dataclass
class Outcome:
    result: str  # verified | not_found | mismatch
    detail: dict = field(default_factory=dict)


def _norm_order_name(name: str) -> str:
    return name.strip().lstrip("#").strip().lower()


def _order_detail(order: ShopifyOrder) -> dict:
    return {
        "order_id": order.id,
        "order_name": order.name,
        "order_date": order.date.isoformat() if order.date else None,
    }


def check_purchase(
    client: ShopifyClient, *, email: str, sku: str, purchase_date: datetime.date, order_number: str, window_days: int
) -> Outcome:
    """Look for the purchase in the store and say what was found; raises ShopifyError when it cannot ask."""
    email_n, sku_n = email.strip().lower(), sku.strip().lower()

    def has_sku(order: ShopifyOrder) -> bool:
        return any(s.strip().lower() == sku_n for s in order.skus)

    def days_off(order: ShopifyOrder) -> int | None:
        return abs((order.date - purchase_date).days) if order.date else None

    def in_window(order: ShopifyOrder) -> bool:
        off = days_off(order)
        return off is not None and off <= window_days

    def closest(orders: list[ShopifyOrder]) -> ShopifyOrder:
        return min(orders, key=lambda o: days_off(o) if days_off(o) is not None else 10**6)

    base = {"window_days": window_days}

    if order_number:
        wanted = _norm_order_name(order_number)
        by_number = [o for o in client.orders(name=order_number) if _norm_order_name(o.name) == wanted]
        if by_number:
            order = by_number[0]
            differs = []
            if order.email.strip().lower() != email_n:
                differs.append("email")
            if not has_sku(order):
                differs.append("sku")
            if not in_window(order):
                differs.append("purchase_date")
            detail = {**base, **_order_detail(order), "days_from_purchase": days_off(order)}
            if not differs:
                return Outcome(V.VERIFIED, detail)
            return Outcome(V.MISMATCH, {**detail, "differs": differs})

    with_sku = [o for o in client.orders(email=email) if o.email.strip().lower() == email_n and has_sku(o)]
    if not with_sku:
        return Outcome(V.NOT_FOUND, {**base, "searched": ["email", "order_number"] if order_number else ["email"]})
    near = [o for o in with_sku if in_window(o)]
    order = closest(near or with_sku)
    detail = {**base, **_order_detail(order), "days_from_purchase": days_off(order)}
    differs = [] if near else ["purchase_date"]
    if order_number:
        # The customer's order number is not in the store, yet an order of theirs for the product is.
        differs.insert(0, "order_number")
    if differs:
        return Outcome(V.MISMATCH, {**detail, "differs": differs})
    return Outcome(V.VERIFIED, detail)


def client_for(connection: ShopifyConnection | None, *, timeout: float | None = None) -> ShopifyClient:
    if connection is None:
        raise ShopifyNotConnected("No Shopify store is linked to this brand.")
    try:
        token = connection.access_token()
    except crypto.SecretUnreadable as exc:
        raise ShopifyBadConfig("The stored access token cannot be decrypted; set it again.") from exc
    creds = ShopifyCredentials(
        shop_domain=connection.shop_domain,
        access_token=token,
        api_version=connection.api_version,
        api_base_url=connection.api_base_url,
    )
    return ShopifyClient(creds, timeout=timeout)


# ---------------------------------------------------------------------------------------------- the queue


def _enqueue(warranty_id: str) -> None:
    task_enqueue("warranty_api.tasks.purchase_verify", warranty_id, task_name=f"purchase verification {warranty_id}")


def _snapshot(warranty: Warranty) -> dict:
    return {"verification": warranty.verification, "status": warranty.status}


def _reset_row(warranty: Warranty) -> PurchaseVerification:
    row, created = PurchaseVerification.objects.select_for_update().get_or_create(
        warranty=warranty,
        defaults={
            "tenant_id": warranty.tenant_id,
            "max_attempts": settings.AFTERSALE_SHOPIFY_MAX_ATTEMPTS,
            "next_attempt_at": timezone.now(),
        },
    )
    if not created:
        row.status = PurchaseVerification.Status.QUEUED
        row.attempts = 0
        row.max_attempts = settings.AFTERSALE_SHOPIFY_MAX_ATTEMPTS
        row.next_attempt_at = timezone.now()
        row.lease_until = None
        row.last_error = ""
        row.save()
    return row


def purchase_verification_enqueue(warranty: Warranty, *, actor: User | None = None) -> PurchaseVerification | None:
    """Queue (or queue again) the purchase check of a warranty; the registration service calls this.

    Best called inside the registration's transaction, so the row commits with the warranty; called after
    commit it still works, and the sweep adopts a pending warranty whose row never got written. The task is
    enqueued on commit. Does nothing when the brand has verification off, or staff already decided.
    """
    with transaction.atomic():
        locked = Warranty.objects.select_for_update().select_related("tenant").filter(pk=warranty.pk).first()
        if locked is None or locked.tenant.verification == VerificationMode.OFF:
            return None
        if locked.verification == V.OVERRIDDEN or locked.status in _CLOSED:
            return None
        running = PurchaseVerification.objects.filter(
            pk=locked.pk, status=PurchaseVerification.Status.RUNNING, lease_until__gt=timezone.now()
        ).first()
        if running is not None:
            return running  # a worker is checking it right now; its result stands
        row = _reset_row(locked)
        before = _snapshot(locked)
        if locked.verification != V.PENDING:
            locked.verification = V.PENDING
            locked.save(update_fields=["verification", "updated_at"])
            verification_events.verification_queued(locked, before, actor=actor)
        warranty_id = locked.pk
        task_enqueue_after_commit(
            "warranty_api.tasks.purchase_verify", warranty_id, task_name=f"purchase verification {warranty_id}"
        )
    warranty.verification = locked.verification
    return row


def purchase_verify(warranty_id: str) -> str:
    """The task's body: run one check. Safe to run twice; a second run finds the row taken or done."""
    if not OUTBOX.claim(warranty_id):
        return "skipped"
    row = PurchaseVerification.objects.get(pk=warranty_id)
    warranty = Warranty.objects.select_related("tenant", "customer", "product").get(pk=warranty_id)
    if (
        warranty.tenant.verification == VerificationMode.OFF
        or warranty.verification == V.OVERRIDDEN
        or warranty.status in _CLOSED
    ):
        _finish_row(row, result="")
        return "skipped"
    connection = ShopifyConnection.objects.filter(tenant_id=warranty.tenant_id).first()
    try:
        outcome = check_purchase(
            client_for(connection),
            email=warranty.customer.email,
            sku=warranty.product.sku,
            purchase_date=warranty.purchase_date,
            order_number=warranty.order_number,
            window_days=settings.AFTERSALE_SHOPIFY_DATE_WINDOW_DAYS,
        )
    except ShopifyError as exc:
        return _record_error(row, exc)
    return _record_outcome(row, outcome)


def _finish_row(row: PurchaseVerification, *, result: str) -> None:
    PurchaseVerification.objects.filter(pk=row.pk).update(
        status=PurchaseVerification.Status.DONE, result=result, lease_until=None, last_error="", updated_at=timezone.now()
    )


def _lock_open_warranty(row: PurchaseVerification) -> Warranty | None:
    """The warranty, locked, unless staff decided or it was closed while the store was being asked."""
    warranty = Warranty.objects.select_for_update().get(pk=row.pk)
    if warranty.verification == V.OVERRIDDEN or warranty.status in _CLOSED:
        _finish_row(row, result="")
        return None
    return warranty


def _record_outcome(row: PurchaseVerification, outcome: Outcome) -> str:
    with transaction.atomic():
        warranty = _lock_open_warranty(row)
        if warranty is None:
            return "skipped"
        before = _snapshot(warranty)
        warranty.verification = outcome.result
        warranty.verification_detail = {
            **outcome.detail,
            "source": "shopify",
            "checked_at": iso_z(timezone.now()),
            "attempts": row.attempts,
        }
        # A found purchase releases a warranty held for it; other outcomes leave the status alone (advisory
        # warranties stay active, required ones stay pending until verified or overridden).
        if outcome.result == V.VERIFIED and warranty.status == S.PENDING_VERIFICATION:
            warranty.status = S.ACTIVE
        warranty.save(update_fields=["verification", "verification_detail", "status", "updated_at"])
        verification_events.verification_checked(warranty, before)
        _finish_row(row, result=outcome.result)
    return outcome.result


def _record_error(row: PurchaseVerification, exc: ShopifyError) -> str:
    not_before = None
    if isinstance(exc, ShopifyThrottled):
        not_before = timezone.now() + datetime.timedelta(seconds=exc.retry_after)
    with transaction.atomic():
        warranty = _lock_open_warranty(row)
        if warranty is None:
            return "skipped"
        exhausted = OUTBOX.retry_later(
            row.pk,
            attempts=row.attempts if exc.retryable else row.max_attempts,
            max_attempts=row.max_attempts,
            error=f"{exc.code}: {exc}",
            not_before=not_before,
        )
        next_at = None if exhausted else PurchaseVerification.objects.get(pk=row.pk).next_attempt_at
        before = _snapshot(warranty)
        warranty.verification = V.ERROR
        warranty.verification_detail = {
            "source": "shopify",
            "error": {"code": exc.code, "message": str(exc)},
            "attempts": row.attempts,
            "retrying": not exhausted,
            "next_attempt_at": iso_z(next_at),
        }
        warranty.save(update_fields=["verification", "verification_detail", "updated_at"])
        verification_events.verification_checked(warranty, before)
    logger.info("Purchase check of %s failed (%s); %s", row.pk, exc.code, "gave up" if exhausted else "will retry")
    return "failed" if exhausted else "retry"


def purchase_verifications_sweep() -> int:
    """Scheduled: run due checks again (retries, lost tasks, dead workers) and adopt orphaned warranties."""
    due = OUTBOX.due()
    for warranty_id in due:
        _enqueue(warranty_id)
    # A worker that died on the last allowed attempt left its warranty pending; say it is an error.
    for row in PurchaseVerification.objects.filter(status=PurchaseVerification.Status.FAILED, warranty__verification=V.PENDING)[:500]:
        with transaction.atomic():
            warranty = _lock_open_warranty(row)
            if warranty is not None and warranty.verification == V.PENDING:
                before = _snapshot(warranty)
                warranty.verification = V.ERROR
                warranty.verification_detail = {
                    "source": "shopify",
                    "error": {"code": VerificationErrorCode.WORKER_LOST, "message": row.last_error},
                    "attempts": row.attempts,
                    "retrying": False,
                    "next_attempt_at": None,
                }
                warranty.save(update_fields=["verification", "verification_detail", "updated_at"])
                verification_events.verification_checked(warranty, before)
    orphans = (
        Warranty.objects.filter(
            verification=V.PENDING, purchase_verification__isnull=True, created_at__lt=timezone.now() - ORPHAN_AGE
        )
        .exclude(tenant__verification=VerificationMode.OFF)
        .exclude(status__in=_CLOSED)[:500]
    )
    adopted = 0
    for warranty in orphans:
        adopted += purchase_verification_enqueue(warranty) is not None
    return len(due) + adopted


# ---------------------------------------------------------------------------------------------- staff actions


def _staff_warranty(tenant: Tenant, warranty_id: str) -> Warranty:
    warranty = Warranty.objects.select_for_update().filter(tenant=tenant, pk=warranty_id).first()
    if warranty is None:
        raise NotFound()
    return warranty


def purchase_verification_override(
    *, tenant: Tenant, warranty_id: str, decision: str, note: str, actor: User
) -> Warranty:
    """Staff decide: `verified` activates a warranty held for verification; `rejected` voids it."""
    note = (note or "").strip()
    if decision not in ("verified", "rejected"):
        raise ValidationFailed.field("decision", "invalid_choice", "Choose `verified` or `rejected`.")
    if not note:
        raise ValidationFailed.field("note", "required", "Say why, for the warranty's history.")
    with transaction.atomic():
        warranty = _staff_warranty(tenant, warranty_id)
        if warranty.status in _CLOSED:
            raise Conflict(
                f"A {warranty.status} warranty cannot be verified or rejected.",
                code=VerificationErrorCode.INVALID_TRANSITION,
            )
        before = _snapshot(warranty)
        previous = dict(warranty.verification_detail or {})
        warranty.verification = V.OVERRIDDEN
        warranty.verification_detail = {
            "override": {
                "decision": decision,
                "note": note,
                "by": actor.public_id,
                "at": iso_z(timezone.now()),
                "previous": before["verification"],
            },
            "check": previous.get("check", previous) if before["verification"] == V.OVERRIDDEN else previous,
        }
        fields = ["verification", "verification_detail", "status", "updated_at"]
        if decision == "verified":
            if warranty.status == S.PENDING_VERIFICATION:
                warranty.status = S.ACTIVE
        else:
            warranty.status = S.VOID
            warranty.void_reason = note
            fields.append("void_reason")
        warranty.save(update_fields=fields)
        verification_events.verification_overridden(warranty, before, actor=actor, note=note)
        # A queued or running check must not overwrite the decision (the worker re-checks under the lock too).
        PurchaseVerification.objects.filter(pk=warranty.pk).update(
            status=PurchaseVerification.Status.DONE, result=V.OVERRIDDEN, lease_until=None
        )
    return warranty


def purchase_verification_retry(*, tenant: Tenant, warranty_id: str, actor: User) -> Warranty:
    """Staff ask for the check to run again now, with a fresh set of attempts."""
    with transaction.atomic():
        warranty = _staff_warranty(tenant, warranty_id)
        if tenant.verification == VerificationMode.OFF:
            raise Unprocessable(
                "Purchase verification is off for this brand.", code=VerificationErrorCode.VERIFICATION_OFF,
            )
        if warranty.verification == V.OVERRIDDEN:
            raise Conflict(
                "Staff already decided this warranty's verification.",
                code=VerificationErrorCode.VERIFICATION_OVERRIDDEN,
            )
        if warranty.status in _CLOSED:
            raise Conflict(
                f"A {warranty.status} warranty is not verified.", code=VerificationErrorCode.INVALID_TRANSITION,
            )
        if PurchaseVerification.objects.filter(
            pk=warranty.pk, status=PurchaseVerification.Status.RUNNING, lease_until__gt=timezone.now()
        ).exists():
            raise Conflict(
                "The check is running now; look again in a moment.",
                code=VerificationErrorCode.VERIFICATION_IN_PROGRESS,
            )
        purchase_verification_enqueue(warranty, actor=actor)
    warranty.refresh_from_db()
    return warranty


# ---------------------------------------------------------------------------------------------- the connection


def _normalise_domain(raw: str) -> str:
    domain = (raw or "").strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    return domain.rstrip("/")


def shopify_connection_save(
    *,
    tenant: Tenant,
    shop_domain: str | None = None,
    access_token: str | None = None,
    api_version: str | None = None,
    api_base_url: str | None = None,
    verification: str | None = None,
) -> ShopifyConnection:
    """Create or replace the brand's store link, and set its verification mode; all or nothing.

    An omitted token keeps the stored one (it is never read back). An omitted `shop_domain` keeps the linked
    store as it is (its domain, API version and base URL, unless given); an omitted mode keeps the brand's.
    """
    errors: dict[str, list[dict[str, str]]] = {}

    def fail(name: str, code: str, message: str) -> None:
        errors.setdefault(name, []).append({"code": code, "message": message})

    domain = _normalise_domain(shop_domain) if shop_domain is not None else None
    if domain is not None and not SHOP_DOMAIN_RE.match(domain):
        fail("shop_domain", "invalid", "Give the store's permanent domain, like brand.myshopify.com.")
    if verification is not None and verification not in VerificationMode.values:
        fail("verification", "invalid_choice", "Choose off, advisory or required.")
    version = (api_version or settings.AFTERSALE_SHOPIFY_API_VERSION).strip()
    if not API_VERSION_RE.match(version):
        fail("api_version", "invalid", "Give a Shopify API version like 2025-07.")
    base_url = (api_base_url or "").strip()
    if base_url and not base_url_allowed(base_url):
        fail("api_base_url", "not_allowed", "A base URL override is not allowed on this installation.")
    token = access_token.strip() if access_token is not None else None
    if token is not None and (not token or len(token) > 500 or any(c.isspace() for c in token)):
        fail("access_token", "invalid", "Give the Admin API access token of the store's custom app.")
    with transaction.atomic():
        connection = ShopifyConnection.objects.select_for_update().filter(tenant=tenant).first()
        if token is None and (connection is None or not connection.has_access_token):
            fail("access_token", "required", "Give the Admin API access token of the store's custom app.")
        if domain is None:
            if connection is None:
                fail("shop_domain", "required", "Give the store's permanent domain, like brand.myshopify.com.")
            else:  # not a relink: what is not given stays
                domain = connection.shop_domain
                version = version if api_version else connection.api_version
                base_url = base_url if api_base_url is not None else connection.api_base_url
        if errors:
            raise ValidationFailed(fields=errors)
        if verification is not None and verification != tenant.verification:
            # The tenant row's updated_at versions per-process caches of the brand (selectors.catalog).
            Tenant.objects.filter(pk=tenant.pk).update(verification=verification, updated_at=timezone.now())
            tenant.verification = verification
        connection = connection or ShopifyConnection(tenant=tenant)
        changed = (connection.shop_domain, connection.api_base_url) != (domain, base_url) or token is not None
        connection.shop_domain, connection.api_version, connection.api_base_url = domain, version, base_url
        if token is not None:
            connection.set_access_token(token)
        if changed:  # the last test said nothing about the new settings
            connection.last_test_at = connection.last_test_ok = None
            connection.last_test_error = connection.last_test_shop_name = ""
        connection.save()
    return connection


_TEST_ERROR_STATUS = {ShopifyAuthFailed: 422, ShopifyBadConfig: 422, ShopifyThrottled: 503}


def shopify_connection_test(*, tenant: Tenant) -> ShopifyConnection:
    """Ask the store for its name with a short timeout; keep the result; raise its error for the caller."""
    connection = ShopifyConnection.objects.filter(tenant=tenant).first()
    if connection is None:
        raise Unprocessable("Link a Shopify store first.", code=VerificationErrorCode.SHOPIFY_NOT_CONNECTED)
    now = timezone.now()
    try:
        name = client_for(connection, timeout=settings.AFTERSALE_SHOPIFY_TEST_TIMEOUT).shop_name()
    except ShopifyError as exc:
        ShopifyConnection.objects.filter(pk=connection.pk).update(
            last_test_at=now, last_test_ok=False, last_test_error=f"{exc.code}: {exc}"[:500], last_test_shop_name=""
        )
        status = next((s for cls, s in _TEST_ERROR_STATUS.items() if isinstance(exc, cls)), 502)
        headers = {"Retry-After": str(max(int(exc.retry_after), 1))} if isinstance(exc, ShopifyThrottled) else None
        raise ApiError(str(exc), code=exc.code, status=status, headers=headers) from exc
    ShopifyConnection.objects.filter(pk=connection.pk).update(
        last_test_at=now, last_test_ok=True, last_test_error="", last_test_shop_name=name[:255]
    )
    connection.refresh_from_db()
    return connection
