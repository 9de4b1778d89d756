"""A claim's service levels: its first-response and resolution deadlines, the state they put it in, reminders.

Two clocks start when a claim is filed: the first response (the brand's `sla_first_response_hours`) and the
resolution (`sla_resolution_days`). The first staff answer stops the first; a denial or a resolution stops the
second. Time spent in `info_requested` (waiting on the customer) does not count: leaving that status moves the
resolution deadline on by the time spent there. The running deadline is kept on the row (`sla_deadline`,
`sla_due_soon_at`), so the queue filters and sorts on it in SQL; a missed deadline marks the claim `sla_late`.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.claims.models import Claim
from warranty_api.notifications.models import NotificationKind
from warranty_api.notifications.services import notify
from warranty_api.tenancy.models import Tenant

logger = logging.getLogger(__name__)

STATES = ("on_track", "due_soon", "breached", "met")
# A denial is the end of the brand's work on a claim, as a resolution is.
CLOSED = (Claim.Status.DENIED, Claim.Status.RESOLVED)
_SLA_FIELDS = ["first_responded_at", "decided_at", "first_response_due_at", "resolution_due_at", "sla_deadline",
               "sla_due_soon_at", "sla_paused_at", "sla_late", "sla_reminded_at"]


def _targets(tenant: Tenant) -> tuple[datetime.timedelta, datetime.timedelta]:
    return (datetime.timedelta(hours=tenant.sla_first_response_hours),
            datetime.timedelta(days=tenant.sla_resolution_days))


def _due_soon(deadline: datetime.datetime, target: datetime.timedelta) -> datetime.datetime:
    return deadline - target * settings.AFTERSALE_SLA_DUE_SOON_FRACTION


def sla_start(claim: Claim, *, tenant: Tenant) -> None:
    """Set a new claim's deadlines from its filing time (called in the claim's transaction)."""
    first, resolution = _targets(tenant)
    claim.first_response_due_at = claim.created_at + first
    claim.resolution_due_at = claim.created_at + resolution
    claim.sla_deadline = claim.first_response_due_at
    claim.sla_due_soon_at = _due_soon(claim.sla_deadline, first)
    claim.save(update_fields=["first_response_due_at", "resolution_due_at", "sla_deadline", "sla_due_soon_at"])


def _is_staff(user: User | None) -> bool:
    return user is not None and user.tenant_id is None


def _responded(claim: Claim, now: datetime.datetime) -> None:
    if claim.first_responded_at is not None or claim.first_response_due_at is None:
        return
    claim.first_responded_at = now
    if now > claim.first_response_due_at:
        claim.sla_late = True
    if claim.status not in CLOSED and claim.resolution_due_at is not None:
        _, resolution = _targets(claim.tenant)
        claim.sla_deadline = claim.resolution_due_at
        claim.sla_due_soon_at = _due_soon(claim.resolution_due_at, resolution)
        claim.sla_reminded_at = None  # a new clock runs: it may take its own reminder


def sla_after_transition(claim: Claim, *, from_status: str, to_status: str, actor: User | None,
                         now: datetime.datetime) -> None:
    """Keep the clocks after a status move (the claim row is locked by the caller)."""
    if claim.first_response_due_at is None:
        return  # filed before service levels existed
    if from_status == Claim.Status.INFO_REQUESTED and claim.sla_paused_at is not None:
        waited = now - claim.sla_paused_at
        claim.resolution_due_at += waited
        if claim.sla_deadline is not None:
            claim.sla_deadline += waited
            claim.sla_due_soon_at += waited
        claim.sla_paused_at = None
    if _is_staff(actor):
        _responded(claim, now)
    if to_status in (Claim.Status.APPROVED, Claim.Status.DENIED) and claim.decided_at is None:
        claim.decided_at = now
    if to_status == Claim.Status.INFO_REQUESTED:
        claim.sla_paused_at = now
    if to_status in CLOSED and claim.sla_deadline is not None:
        if now > claim.resolution_due_at:
            claim.sla_late = True
        claim.sla_deadline = claim.sla_due_soon_at = None
    claim.save(update_fields=_SLA_FIELDS)


def sla_after_staff_message(claim: Claim, *, now: datetime.datetime) -> None:
    """A staff message to the customer is a response."""
    if claim.first_responded_at is None and claim.first_response_due_at is not None:
        _responded(claim, now)
        claim.save(update_fields=_SLA_FIELDS)


def sla_state(claim: Claim, now: datetime.datetime | None = None) -> str | None:
    """on_track, due_soon, breached or met; None for a claim filed before service levels existed."""
    if claim.first_response_due_at is None:
        return None
    if claim.sla_late:
        return "breached"
    if claim.status in CLOSED:
        return "met"
    # While the claim waits on the customer its clock stands still at the moment it stopped.
    at = claim.sla_paused_at or now or timezone.now()
    if claim.sla_deadline is not None and at >= claim.sla_deadline:
        return "breached"
    if claim.sla_due_soon_at is not None and at >= claim.sla_due_soon_at:
        return "due_soon"
    return "on_track"


def sla_state_filter(qs: QuerySet[Claim], states: list[str], now: datetime.datetime | None = None) -> QuerySet[Claim]:
    """The same states as `sla_state`, in SQL."""
    now = now or timezone.now()
    at = Coalesce("sla_paused_at", Value(now, output_field=DateTimeField()))
    qs = qs.annotate(sla_at=at)
    running = Q(first_response_due_at__isnull=False, sla_late=False) & ~Q(status__in=CLOSED)
    conditions = {
        "breached": Q(sla_late=True) | (running & Q(sla_deadline__lte=at)),
        "met": Q(first_response_due_at__isnull=False, sla_late=False, status__in=CLOSED),
        "due_soon": running & Q(sla_due_soon_at__lte=at, sla_deadline__gt=at),
        "on_track": running & Q(sla_due_soon_at__gt=at),
    }
    combined = Q()
    for state in states:
        combined |= conditions[state]
    return qs.filter(combined)


# A claim with no running deadline sorts after every claim with one.
FAR_FUTURE = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


def sla_sort_annotate(qs: QuerySet[Claim]) -> QuerySet[Claim]:
    return qs.annotate(sla_due=Coalesce("sla_deadline", Value(FAR_FUTURE, output_field=DateTimeField())))


def _remind(claim_id: str, now: datetime.datetime) -> bool:
    with transaction.atomic():
        claim = (Claim.objects.select_for_update(of=("self",)).select_related("tenant", "assignee", "warranty__product")
                 .filter(id=claim_id, sla_reminded_at__isnull=True).first())
        if claim is None or claim.sla_deadline is None:
            return False
        clock = "first response" if claim.first_responded_at is None else "resolution"
        to = claim.assignee.email if claim.assignee and claim.assignee.is_active else claim.tenant.support_email
        try:
            with transaction.atomic():
                notify(
                    tenant=claim.tenant, kind=NotificationKind.CLAIM_SLA_REMINDER, to=to, subject_ref=claim.id,
                    dedupe_key=f"sla:{claim.id}:{clock.replace(' ', '_')}",
                    context={"claim_id": claim.id, "claim_reference": claim.reference, "clock": clock,
                             "due_at": claim.sla_deadline.strftime("%Y-%m-%d %H:%M UTC"),
                             "product_name": claim.warranty.product.name},
                )
        except IntegrityError:
            pass  # already reminded for this clock
        claim.sla_reminded_at = now
        claim.save(update_fields=["sla_reminded_at"])
    return True


def sla_reminders_send(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """One reminder per clock to the assignee (or the brand's support address) of each claim now due soon."""
    now = now or timezone.now()
    due = (Claim.objects.filter(sla_reminded_at__isnull=True, sla_paused_at__isnull=True, sla_late=False,
                                sla_due_soon_at__lte=now, sla_deadline__gt=now)
           .exclude(status__in=CLOSED).order_by("sla_deadline").values_list("id", flat=True)[:batch_size])
    return sum(_remind(claim_id, now) for claim_id in list(due))
