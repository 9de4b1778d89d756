"""Scheduled reminders: warranties about to expire, and claims waiting too long for the customer's answer.

Each job walks every active tenant in batches and queues at most one message per warranty (per claim and
waiting period). The message row's `dedupe_key` is unique per tenant, so running a job twice, or two runs at
once, queues nothing new.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from warranty_api.claims import events as claim_events
from warranty_api.claims.models import Claim, ClaimEvent, ClaimMessage, Visibility
from warranty_api.claims.services import claim_portal_link
from warranty_api.notifications.models import Notification, NotificationKind
from warranty_api.notifications.services import notify
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.selectors import warranty_contact

logger = logging.getLogger(__name__)

EXPIRY_PREFIX = "expiry_reminder:"
INFO_PREFIX = "claim_info_reminder:"


def _batch_size(batch_size: int | None) -> int:
    return batch_size or getattr(settings, "AFTERSALE_REMINDER_BATCH_SIZE", 500)


def _tenants():
    return Tenant.objects.filter(is_active=True).order_by("pk")


def _queued_once(**kwargs) -> bool:
    """notify() in a savepoint: False when the dedupe key says the message was already queued."""
    try:
        with transaction.atomic():
            notify(**kwargs)
    except IntegrityError:
        return False
    return True


# ------------------------------------------------------------------------------------------------ expiry


def expiry_reminders_queue(
    *, today: datetime.date | None = None, days: int | None = None, batch_size: int | None = None
) -> int:
    """Queue one `expiry_reminder` per active warranty ending within `days` days (AFTERSALE_EXPIRY_REMINDER_DAYS).

    "Within", not "exactly on": a day the job did not run is caught up the next day, and the dedupe key keeps
    it to one message per warranty. Answers how many were queued.
    """
    today = today or timezone.localdate()
    days = settings.AFTERSALE_EXPIRY_REMINDER_DAYS if days is None else days
    horizon = today + datetime.timedelta(days=days)
    size = _batch_size(batch_size)
    queued = 0
    for tenant in _tenants():
        reminded = Notification.objects.filter(
            tenant=tenant, dedupe_key=Concat(Value(EXPIRY_PREFIX), OuterRef("pk"), output_field=CharField())
        )
        due = (
            Warranty.objects.filter(
                tenant=tenant,
                status=Warranty.Status.ACTIVE,
                warranty_end__gte=today,
                warranty_end__lte=horizon,
            )
            .exclude(Exists(reminded))
            .select_related("product", "customer", "owner")
            .order_by("pk")
        )
        last_pk = ""
        while True:
            batch = list(due.filter(pk__gt=last_pk)[:size])
            if not batch:
                break
            last_pk = batch[-1].pk
            with transaction.atomic():
                for warranty in batch:
                    to = (warranty.owner.email if warranty.owner_id else "") or warranty.customer.email
                    if not to:
                        continue
                    queued += _queued_once(
                        tenant=tenant,
                        kind=NotificationKind.EXPIRY_REMINDER,
                        to=to,
                        context={
                            "customer_name": warranty_contact(warranty)["name"]
                            or (warranty.owner.full_name if warranty.owner_id else ""),
                            "product_name": warranty.product.name,
                            "serial_number": warranty.serial_number,
                            "warranty_end": warranty.warranty_end.isoformat(),
                        },
                        subject_ref=warranty.pk,
                        dedupe_key=f"{EXPIRY_PREFIX}{warranty.pk}",
                    )
            if len(batch) < size:
                break
    if queued:
        logger.info("Queued %d warranty expiry reminder(s)", queued)
    return queued


# ------------------------------------------------------------------------------------------------ stale claims


def _request_message(claim: Claim, since: datetime.datetime) -> str:
    """What staff asked for when they moved the claim to info_requested (the message they sent with it)."""
    message = (
        ClaimMessage.objects.filter(
            claim=claim, visibility=Visibility.CUSTOMER, created_at__gte=since - datetime.timedelta(minutes=1)
        )
        .exclude(author_id=claim.submitted_by_id)
        .order_by("created_at", "id")
        .first()
    )
    return message.body if message else ""


def _remind_claim(*, tenant: Tenant, claim_id: str, cutoff: datetime.datetime) -> bool:
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("warranty__product", "warranty__customer", "submitted_by", "tenant")
            .filter(tenant=tenant, pk=claim_id, status=Claim.Status.INFO_REQUESTED)
            .first()
        )
        if claim is None:  # the customer answered (or staff moved it) since the batch was read
            return False
        since = claim.status_changed_at or claim.created_at
        if since > cutoff:
            return False
        warranty = claim.warranty
        to = claim.submitted_by.email if claim.submitted_by_id else warranty.customer.email
        if not to:
            return False
        sent = _queued_once(
            tenant=tenant,
            kind=NotificationKind.CLAIM_INFO_REMINDER,
            to=to,
            context={
                "customer_name": warranty_contact(warranty)["name"]
                or (claim.submitted_by.full_name if claim.submitted_by_id else ""),
                "claim_id": claim.pk,
                "claim_reference": claim.reference or claim.pk,
                "link": claim_portal_link(claim),
                "product_name": warranty.product.name,
                "serial_number": warranty.serial_number,
                "message": _request_message(claim, since),
                "requested_on": timezone.localdate(since).isoformat(),
            },
            subject_ref=claim.pk,
            # One per waiting period: a claim asked again later gets a reminder again.
            dedupe_key=f"{INFO_PREFIX}{claim.pk}:{int(since.timestamp())}",
        )
        if sent:
            claim_events.info_reminder_sent(claim, to=to, requested_on=timezone.localdate(since).isoformat())
        return sent


def info_request_reminders_send(
    *, now: datetime.datetime | None = None, days: int | None = None, batch_size: int | None = None
) -> int:
    """Remind each customer whose claim waits in `info_requested` for more than `days` days
    (AFTERSALE_INFO_REQUEST_REMINDER_DAYS): one message and one claim event per waiting period."""
    now = now or timezone.now()
    days = settings.AFTERSALE_INFO_REQUEST_REMINDER_DAYS if days is None else days
    cutoff = now - datetime.timedelta(days=days)
    size = _batch_size(batch_size)
    sent = 0
    for tenant in _tenants():
        reminded = ClaimEvent.objects.filter(
            claim=OuterRef("pk"), kind=ClaimEvent.Kind.REMINDER_SENT, created_at__gte=OuterRef("since")
        )
        stale = (
            Claim.objects.filter(tenant=tenant, status=Claim.Status.INFO_REQUESTED)
            .annotate(since=Coalesce("status_changed_at", "created_at"))
            .filter(since__lte=cutoff)
            .exclude(Exists(reminded))
            .order_by("pk")
        )
        last_pk = ""
        while True:
            ids = list(stale.filter(pk__gt=last_pk).values_list("pk", flat=True)[:size])
            if not ids:
                break
            last_pk = ids[-1]
            for claim_id in ids:
                sent += _remind_claim(tenant=tenant, claim_id=claim_id, cutoff=cutoff)
            if len(ids) < size:
                break
    if sent:
        logger.info("Sent %d reminder(s) for claims waiting on the customer", sent)
    return sent
