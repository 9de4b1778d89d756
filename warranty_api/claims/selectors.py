"""Tenant-scoped reads of claims: a customer's own claims, the staff queue with its tab counts, fulfillments."""

from __future__ import annotations

import datetime
import re

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.catalog.models import normalize_serial
from warranty_api.claims.models import Claim, ClaimEvent, ClaimMessage, Fulfillment, Visibility
from warranty_api.claims.risk import LEVELS as RISK_LEVELS
from warranty_api.claims.sla import STATES as SLA_STATES
from warranty_api.claims.sla import sla_sort_annotate, sla_state_filter
from warranty_api.core.emails import normalize_email
from warranty_api.core.exceptions import NotFound, ValidationFailed
from warranty_api.core.params import query_bool, query_choices, query_date
from warranty_api.media.models import Media
from warranty_api.tenancy.models import Tenant

ADMIN_SORTS = {
    "created_at": ("created_at", "id"),
    "-created_at": ("-created_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    # The running service-level deadline, nearest first; claims with none (closed) come last.
    "sla_due_at": ("sla_due", "id"),
    "-risk_score": ("-risk_score", "-id"),
}
# Beyond this the date arithmetic itself overflows; nobody means a claim filed a century ago.
_MAX_AGE_DAYS = 36_500


def _list_related(qs: QuerySet[Claim]) -> QuerySet[Claim]:
    return qs.select_related("warranty__product__category", "warranty__customer", "assignee", "submitted_by")


def claim_list_for_customer(*, tenant: Tenant, user: User) -> QuerySet[Claim]:
    return _list_related(Claim.objects.filter(tenant=tenant, submitted_by=user))


def _detail(qs: QuerySet[Claim], *, include_internal: bool) -> QuerySet[Claim]:
    events = ClaimEvent.objects.select_related("actor")
    messages = ClaimMessage.objects.select_related("author").prefetch_related(
        Prefetch("photos", queryset=Media.objects.order_by("created_at", "id"))
    )
    if not include_internal:
        events = events.filter(visibility=Visibility.CUSTOMER)
        messages = messages.filter(visibility=Visibility.CUSTOMER)
    return _list_related(qs).prefetch_related(
        Prefetch("events", queryset=events),
        Prefetch("messages", queryset=messages),
        Prefetch("photos", queryset=Media.objects.filter(claim_message__isnull=True).order_by("created_at", "id")),
        Prefetch("fulfillments", queryset=Fulfillment.objects.select_related("replacement_warranty")),
    )


def claim_get_for_customer(*, tenant: Tenant, user: User, claim_id: str) -> Claim:
    claim = _detail(Claim.objects.filter(tenant=tenant, submitted_by=user, id=claim_id), include_internal=False).first()
    if claim is None:
        raise NotFound()
    return claim


def claim_get_for_staff(*, tenant: Tenant, claim_id: str) -> Claim:
    claim = _detail(Claim.objects.filter(tenant=tenant, id=claim_id), include_internal=True).first()
    if claim is None:
        raise NotFound()
    return claim


def claim_timeline(claim: Claim) -> list[ClaimEvent | ClaimMessage]:
    """Events and messages in the order they happened (already filtered by who may see them).

    A message's own audit event (kind `message`) is left out: the message itself is in the timeline, and the
    event would show it a second time, empty."""
    events = [event for event in claim.events.all() if event.kind != ClaimEvent.Kind.MESSAGE]
    items: list = [*events, *claim.messages.all()]
    return sorted(items, key=lambda item: (item.created_at, isinstance(item, ClaimMessage)))








def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def claim_queue(*, tenant: Tenant, params, user: User) -> tuple[QuerySet[Claim], dict[str, int], tuple[str, ...]]:
    """The staff queue: filtered claims, the count per status for the tabs (one GROUP BY), and the ordering.

    The counts honour every filter except `status`, so each tab shows what clicking it would list.
    """
    qs = Claim.objects.filter(tenant=tenant)
    if values := query_choices(params, "issue_type", tenant.issue_type_codes):
        qs = qs.filter(issue_type__in=values)
    if values := query_choices(params, "resolution", tenant.resolutions):
        qs = qs.filter(resolution__in=values)
    if product := params.get("product"):
        qs = qs.filter(warranty__product_id=product)
    if category := params.get("category"):
        qs = qs.filter(warranty__product__category__slug=category)
    if assignee := params.get("assignee"):
        if assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif assignee == "me":
            qs = qs.filter(assignee=user)
        else:
            qs = qs.filter(assignee__public_id=assignee)
    if after := query_date(params, "created_after"):
        qs = qs.filter(created_at__gte=_start_of(after))
    if before := query_date(params, "created_before"):
        qs = qs.filter(created_at__lt=_start_of(before + datetime.timedelta(days=1)))
    if raw_age := params.get("older_than_days"):
        if not (raw_age.isascii() and raw_age.isdigit()):
            raise ValidationFailed.field("older_than_days", "invalid", "older_than_days must be a whole number of days.")
        if int(raw_age) > _MAX_AGE_DAYS:
            raise ValidationFailed.field("older_than_days", "out_of_range",
                                         f"older_than_days must be at most {_MAX_AGE_DAYS}.")
        qs = qs.filter(created_at__lt=timezone.now() - datetime.timedelta(days=int(raw_age)))
    has_photos = query_bool(params, "has_photos")
    if has_photos is not None:
        qs = qs.filter(photo_count__gt=0) if has_photos else qs.filter(photo_count=0)
    if q := (params.get("q") or "").strip():
        qs = qs.filter(_search(q))
    if states := query_choices(params, "sla_state", SLA_STATES):
        qs = sla_state_filter(qs, states)
    if levels := query_choices(params, "risk_level", RISK_LEVELS):
        qs = qs.filter(risk_level__in=levels)
    counts = dict.fromkeys(Claim.Status.values, 0)
    counts.update(dict(qs.order_by().values_list("status").annotate(n=Count("*"))))
    if statuses := query_choices(params, "status", Claim.Status.values):
        qs = qs.filter(status__in=statuses)
    sort = params.get("sort") or "created_at"
    if sort not in ADMIN_SORTS:
        raise ValidationFailed.field("sort", "invalid_choice", f"sort is one of: {', '.join(ADMIN_SORTS)}.")
    if sort == "sla_due_at":
        qs = sla_sort_annotate(qs)
    return _list_related(qs), counts, ADMIN_SORTS[sort]


# What a claim reference looks like (RI-1001): a serial number may look the same, so both are tried.
_REFERENCE_RE = re.compile(r"^[A-Za-z0-9]{1,4}-\d{4,9}$")


def _search(q: str) -> Q:
    """A claim id, a claim reference, a serial number or an email, each matched exactly so an index answers it."""
    if q.startswith("clm_"):
        return Q(id=q)
    if "@" in q:
        email = normalize_email(q)
        return Q(warranty__customer__email=email) | Q(submitted_by__email=email)
    serial = Q(warranty__serial_number=normalize_serial(q))
    if _REFERENCE_RE.match(q.strip()):
        return Q(reference=q.strip().upper()) | serial
    return serial


def fulfillment_list(*, tenant: Tenant, params) -> QuerySet[Fulfillment]:
    qs = Fulfillment.objects.filter(tenant=tenant).select_related("claim", "replacement_warranty")
    if values := query_choices(params, "status", Fulfillment.Status.values):
        qs = qs.filter(status__in=values)
    if values := query_choices(params, "kind", Fulfillment.Kind.values):
        qs = qs.filter(kind__in=values)
    if claim := params.get("claim"):
        qs = qs.filter(claim_id=claim)
    if rma := params.get("rma_number"):
        qs = qs.filter(rma_number=rma.upper())
    return qs
