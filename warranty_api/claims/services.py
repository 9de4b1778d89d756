"""Claims: submission, the guarded review workflow, customer messages, fulfillment and its notifications.

Every write to a claim goes through this module. The workflow is `Claim.ALLOWED_TRANSITIONS`; one function,
`claim_transition`, locks the claim row, checks the table, writes the append-only event and queues side
effects after commit, so two staff acting at once cannot both move a claim from the same state.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from warranty_api.accounts.models import User
from warranty_api.catalog.models import normalize_serial
from warranty_api.claims import events as claim_events
from warranty_api.claims.error_codes import ClaimErrorCode
from warranty_api.claims.inventory import inventory_backend_for, inventory_backend_of
from warranty_api.claims.models import (
    Claim,
    ClaimCounter,
    ClaimMessage,
    Fulfillment,
    RmaCounter,
    claim_reference_prefix,
)
from warranty_api.claims.payloads import claim_payload, fulfillment_payload
from warranty_api.claims.risk import claim_risk_assess
from warranty_api.claims.sla import sla_after_staff_message, sla_after_transition, sla_start
from warranty_api.core.exceptions import ApiMessage, Conflict, NotFound, Unprocessable, ValidationFailed
from warranty_api.core.queueing import task_enqueue_after_commit
from warranty_api.media.models import Media
from warranty_api.media.selectors import media_is_callers
from warranty_api.notifications.models import NotificationKind
from warranty_api.notifications.services import PLACEHOLDERS, notify
from warranty_api.tenancy.models import Membership, Tenant
from warranty_api.warranties.models import Warranty
from warranty_api.warranties.selectors import warranty_contact
from warranty_api.warranties.services import warranty_replace
from warranty_api.webhooks.services import webhook_event_emit

MAX_PHOTOS = 10
# Claim numbers start at four digits, so the first reads like a reference and not like a count.
CLAIM_REFERENCE_START = 1000
_UNSET = object()

# Why a warranty cannot take a claim, by its effective status (documented in the OpenAPI description).
_WARRANTY_REFUSALS = {
    Warranty.Status.VOID: (ClaimErrorCode.WARRANTY_VOID, "This warranty is void, so it cannot take a claim."),
    Warranty.Status.TRANSFERRED: (
        ClaimErrorCode.WARRANTY_TRANSFERRED,
        "This warranty has moved to a new owner; the new owner's warranty takes claims.",
    ),
    Warranty.Status.PENDING_VERIFICATION: (
        ClaimErrorCode.WARRANTY_PENDING_VERIFICATION,
        "This warranty is waiting for its purchase to be verified; claims open once it is active.",
    ),
}

# Which message a customer-visible event sends.
_NOTIFICATION_KINDS = {
    "submitted": NotificationKind.CLAIM_RECEIVED,
    Claim.Status.INFO_REQUESTED: NotificationKind.CLAIM_INFO_REQUESTED,
    Claim.Status.APPROVED: NotificationKind.CLAIM_APPROVED,
    Claim.Status.DENIED: NotificationKind.CLAIM_DENIED,
    Claim.Status.RESOLVED: NotificationKind.CLAIM_RESOLVED,
}

_FOLLOW_UP = {
    "replacement": Fulfillment.Kind.REPLACEMENT,
    "repair": Fulfillment.Kind.REPAIR,
    "refund": Fulfillment.Kind.REFUND,
}


# --- notifications -------------------------------------------------------------------------------------


def claim_portal_link(claim: Claim) -> str:
    """The claim's page in its brand's portal: every claim email links to it."""
    return f"{settings.AFTERSALE_PUBLIC_BASE_URL}/{claim.tenant.slug}/claims/{claim.id}/"


def claim_notify(claim: Claim, event: str, *, message: str = "") -> None:
    """The one place a claim tells its customer something: one outbox row, sent after commit."""
    kind = _NOTIFICATION_KINDS.get(event, NotificationKind.CLAIM_UPDATED)
    warranty = claim.warranty
    recipient = claim.submitted_by.email if claim.submitted_by_id else warranty.customer.email
    customer_name = warranty_contact(warranty)["name"] or (claim.submitted_by.full_name if claim.submitted_by_id else "")
    return_authorization = (
        Fulfillment.objects.filter(claim=claim, kind=Fulfillment.Kind.RETURN_AUTHORIZATION).order_by("created_at").first()
        if kind == NotificationKind.CLAIM_APPROVED else None
    )
    values = {
        "customer_name": customer_name,
        "claim_id": claim.id,
        "claim_reference": claim.reference or claim.id,
        "link": claim_portal_link(claim),
        "rma_number": return_authorization.rma_number if return_authorization else "",
        "product_name": warranty.product.name,
        "serial_number": warranty.serial_number,
        "resolution": claim.resolution,
        "reason": claim.denial_reason,
        "status": claim.get_status_display(),
        "message": message,
    }
    allowed = set(PLACEHOLDERS[kind]) | {"customer_name"}
    notify(
        tenant=claim.tenant,
        kind=kind,
        to=recipient,
        context={k: v for k, v in values.items() if k in allowed},
        subject_ref=claim.id,
        user=claim.submitted_by if claim.submitted_by_id else warranty.owner,
    )


# --- photos --------------------------------------------------------------------------------------------


def _photos_take(*, tenant: Tenant, user: User, photo_ids: Iterable[str]) -> list[Media]:
    """Lock and check the customer's uploads for a claim or message; refuse with one field error each."""
    photo_ids = list(photo_ids)
    if len(photo_ids) > MAX_PHOTOS:
        raise ValidationFailed.field("photos", "too_many", ApiMessage("Attach at most %(most)s photos.", most=MAX_PHOTOS))
    if len(set(photo_ids)) != len(photo_ids):
        raise ValidationFailed.field("photos", "duplicate", "Each photo may be attached once.")
    if not photo_ids:
        return []
    found = {m.id: m for m in Media.objects.select_for_update().filter(tenant=tenant, id__in=photo_ids)}
    errors: dict[str, list[dict[str, str]]] = {}
    for index, media_id in enumerate(photo_ids):
        media = found.get(media_id)
        if media is None or not media_is_callers(media, user=user):
            # Someone else's upload is reported like a missing one: its existence is not revealed.
            error = ("not_found", f"There is no upload {media_id} of yours.")
        elif media.attached_at is not None:
            error = ("already_attached", "This upload is already attached elsewhere; upload it again.")
        elif media.kind != Media.Kind.IMAGE:
            error = ("not_an_image", "Claim photos must be images (JPEG, PNG, WebP or HEIC).")
        else:
            continue
        errors[f"photos[{index}]"] = [{"code": error[0], "message": error[1]}]
    if errors:
        raise ValidationFailed(fields=errors)
    return [found[media_id] for media_id in photo_ids]


def _photos_attach(media: list[Media], *, claim: Claim, message: ClaimMessage | None = None) -> None:
    if not media:
        return
    Media.objects.filter(id__in=[m.id for m in media]).update(
        attached_at=timezone.now(), claim=claim, claim_message=message
    )
    Claim.objects.filter(id=claim.id).update(photo_count=F("photo_count") + len(media))
    claim.photo_count += len(media)


# --- submission ----------------------------------------------------------------------------------------


def claim_submit(
    *,
    tenant: Tenant,
    user: User,
    warranty_id: str,
    issue_type: str,
    description: str,
    preferred_resolution: str = "",
    photos: Iterable[str] = (),
) -> Claim:
    """A customer files a claim under their own warranty."""
    errors: dict[str, list[dict[str, str]]] = {}
    if issue_type not in tenant.issue_type_codes:
        errors["issue_type"] = [
            {"code": "invalid_choice", "message": f"Choose one of: {', '.join(tenant.issue_type_codes)}."}
        ]
    if preferred_resolution and preferred_resolution not in tenant.resolutions:
        errors["preferred_resolution"] = [
            {"code": "invalid_choice", "message": f"Choose one of: {', '.join(tenant.resolutions)}."}
        ]
    if errors:
        raise ValidationFailed(fields=errors)

    with transaction.atomic():
        # Locking the warranty serialises two submissions for it; the partial unique index is the backstop.
        warranty = (
            Warranty.objects.select_for_update(of=("self",))
            .select_related("product", "customer")
            .filter(tenant=tenant, id=warranty_id, owner=user)
            .first()
        )
        if warranty is None:
            raise NotFound("There is no warranty of yours with this id.")
        today = timezone.localdate()
        if warranty.status in _WARRANTY_REFUSALS:
            code, message = _WARRANTY_REFUSALS[warranty.status]
            raise Unprocessable(message, code=code)
        if today > warranty.warranty_end:
            raise Unprocessable(
                ApiMessage("This warranty ended on %(end)s; it does not cover a claim made today.",
                           end=warranty.warranty_end.isoformat()),
                code=ClaimErrorCode.WARRANTY_EXPIRED,
            )
        if Claim.objects.filter(warranty=warranty, status__in=Claim.OPEN_STATUSES).exists():
            raise _already_open()
        media = _photos_take(tenant=tenant, user=user, photo_ids=photos)
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    tenant=tenant,
                    reference=_claim_reference_next(tenant),
                    warranty=warranty,
                    submitted_by=user,
                    issue_type=issue_type,
                    description=description,
                    preferred_resolution=preferred_resolution,
                    status_changed_at=timezone.now(),
                )
        except IntegrityError:
            raise _already_open() from None
        _photos_attach(media, claim=claim)
        sla_start(claim, tenant=tenant)
        claim_risk_assess(claim)
        claim_events.claim_submitted(claim, actor=user)
        claim_notify(claim, "submitted")
        webhook_event_emit(tenant=tenant, event_type="claim.created", payload={"claim": claim_payload(claim)},
                           ordering_key=claim.id)
    return claim


def _claim_reference_next(tenant: Tenant) -> str:
    """The brand's next claim reference (RI-1001, RI-1002, ...): the counter row's lock makes two claims wait in turn.

    Taken inside the claim's savepoint, so a claim refused as already open rolls its number back and leaves no gap."""
    counter, _ = ClaimCounter.objects.get_or_create(tenant=tenant)
    counter = ClaimCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{claim_reference_prefix(tenant.slug)}-{CLAIM_REFERENCE_START + counter.last_value}"


def _already_open() -> Conflict:
    return Conflict(
        "This warranty already has an open claim; add to that claim instead.", code=ClaimErrorCode.CLAIM_ALREADY_OPEN,
    )


# --- the workflow --------------------------------------------------------------------------------------


def _claim_locked(*, tenant: Tenant, claim_id: str) -> Claim:
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("warranty__product__category", "warranty__customer", "submitted_by", "tenant")
        .filter(tenant=tenant, id=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound()
    return claim


def _invalid_transition(claim: Claim, to_status: str) -> Conflict:
    allowed = sorted(Claim.ALLOWED_TRANSITIONS.get(claim.status, ()))
    return Conflict(
        f"A claim that is {claim.status} cannot become {to_status}"
        + (f"; it can become: {', '.join(allowed)}." if allowed else "; it is closed."),
        code=ClaimErrorCode.INVALID_TRANSITION,
    )


def claim_transition(
    *,
    claim_id: str,
    tenant: Tenant,
    actor: User,
    to_status: str,
    resolution: str = "",
    denial_reason: str = "",
    message_to_customer: str = "",
    notify_customer: bool = False,
) -> Claim:
    """Move a claim along the workflow; refuses (409 invalid_transition) every pair not in the table."""
    if to_status not in Claim.Status.values:
        raise ValidationFailed.field("status", "invalid_choice", f"Choose one of: {', '.join(Claim.Status.values)}.")
    with transaction.atomic():
        claim = _claim_locked(tenant=tenant, claim_id=claim_id)
        if not claim.can_move_to(to_status):
            raise _invalid_transition(claim, to_status)
        if resolution and to_status != Claim.Status.APPROVED:
            raise ValidationFailed.field("resolution", "not_allowed", "A resolution is set only when approving.")
        event_note = ""
        if to_status == Claim.Status.APPROVED:
            _check_resolution(claim, resolution)
            claim.resolution = resolution
        elif to_status == Claim.Status.DENIED:
            reason = (denial_reason or message_to_customer).strip()
            if not reason:
                raise ValidationFailed.field(
                    "message_to_customer", "required", "Tell the customer why the claim is denied."
                )
            claim.denial_reason = reason
            event_note = reason
        elif to_status == Claim.Status.INFO_REQUESTED and not message_to_customer.strip():
            raise ValidationFailed.field(
                "message_to_customer", "required", "Tell the customer what information you need."
            )
        elif to_status == Claim.Status.RESOLVED and claim.status == Claim.Status.APPROVED:
            open_follow_ups = [f for f in claim.fulfillments.exclude(kind=Fulfillment.Kind.RETURN_AUTHORIZATION)
                               if not f.is_done]
            if open_follow_ups:
                raise Conflict(
                    f"The {open_follow_ups[0].kind} is not done yet ({open_follow_ups[0].status}); "
                    "record it before resolving the claim.",
                    code=ClaimErrorCode.FULFILLMENT_INCOMPLETE,
                )
        from_status = claim.status
        now = timezone.now()
        claim.status = to_status
        claim.status_changed_at = now
        if to_status == Claim.Status.RESOLVED:
            claim.resolved_at = now
        claim.save(update_fields=["status", "status_changed_at", "resolved_at", "resolution", "denial_reason", "updated_at"])
        sla_after_transition(claim, from_status=from_status, to_status=to_status, actor=actor, now=now)
        claim_events.claim_status_changed(claim, actor=actor, from_status=from_status, to_status=to_status,
                                          note=event_note)
        if message_to_customer.strip():
            ClaimMessage.objects.create(tenant=tenant, claim=claim, author=actor, body=message_to_customer.strip())
        webhook_event_emit(
            tenant=tenant,
            event_type="claim.status_changed",
            payload={"claim": claim_payload(claim), "from_status": from_status, "to_status": to_status},
            ordering_key=claim.id,
        )
        if to_status == Claim.Status.APPROVED:
            _fulfillments_create(claim)
        if notify_customer or to_status == Claim.Status.RESOLVED:
            claim_notify(claim, to_status, message=message_to_customer.strip())
    return claim


def _check_resolution(claim: Claim, resolution: str) -> None:
    if not resolution:
        raise ValidationFailed.field("resolution", "required", "Say how the approved claim is resolved.")
    category = claim.warranty.product.category
    allowed = category.allowed_resolutions(claim.tenant.resolutions)
    if resolution not in allowed:
        raise Unprocessable(
            f"The warranty's coverage allows: {', '.join(allowed) or 'no resolution'}; not {resolution}.",
            code=ClaimErrorCode.RESOLUTION_NOT_ALLOWED,
        )


def claim_update(
    *, claim_id: str, tenant: Tenant, actor: User, admin_notes=_UNSET, assignee=_UNSET, message_to_customer: str = "",
    notify_customer: bool = False,
) -> Claim:
    """Staff change what is not the status: the assignee, the internal notes, or a message to the customer."""
    with transaction.atomic():
        claim = _claim_locked(tenant=tenant, claim_id=claim_id)
        fields = ["updated_at"]
        if assignee is not _UNSET:
            staff = _assignee_resolve(tenant=tenant, assignee=assignee)
            if staff != claim.assignee:
                claim.assignee = staff
                fields.append("assignee")
                claim_events.claim_assigned(claim, actor=actor, assignee=staff)
        if admin_notes is not _UNSET and admin_notes != claim.admin_notes:
            claim.admin_notes = admin_notes
            fields.append("admin_notes")
            claim_events.claim_notes_updated(claim, actor=actor, notes=admin_notes)
        claim.save(update_fields=fields)
        if message_to_customer.strip():
            ClaimMessage.objects.create(tenant=tenant, claim=claim, author=actor, body=message_to_customer.strip())
            claim_events.message_added(claim, actor=actor)
            sla_after_staff_message(claim, now=timezone.now())
            if notify_customer:
                claim_notify(claim, "message", message=message_to_customer.strip())
    return claim


def _assignee_resolve(*, tenant: Tenant, assignee: str | None) -> User | None:
    if assignee is None:
        return None
    staff = User.objects.filter(public_id=assignee, tenant__isnull=True, is_active=True).first()
    if staff is None or not Membership.objects.filter(user=staff, tenant=tenant).exists():
        raise ValidationFailed.field("assignee", "not_found", "The assignee must be a member of this brand's staff.")
    return staff


def claim_admin_patch(
    *,
    tenant: Tenant,
    claim_id: str,
    actor: User,
    status: str | None = None,
    resolution: str = "",
    denial_reason: str = "",
    admin_notes=_UNSET,
    assignee=_UNSET,
    message_to_customer: str = "",
    notify_customer: bool = False,
) -> Claim:
    """The admin PATCH as one all-or-nothing change: notes and assignee, then the status move if one is asked."""
    with transaction.atomic():
        claim = claim_update(
            claim_id=claim_id, tenant=tenant, actor=actor, admin_notes=admin_notes, assignee=assignee,
            message_to_customer="" if status else message_to_customer, notify_customer=notify_customer,
        )
        if status:
            claim = claim_transition(
                claim_id=claim_id, tenant=tenant, actor=actor, to_status=status, resolution=resolution,
                denial_reason=denial_reason, message_to_customer=message_to_customer, notify_customer=notify_customer,
            )
        elif resolution or denial_reason:
            name = "resolution" if resolution else "denial_reason"
            raise ValidationFailed.field(name, "not_allowed", f"{name} is set together with a status change.")
    return claim


def claim_message_post(*, tenant: Tenant, claim_id: str, user: User, body: str, photos: Iterable[str] = ()) -> ClaimMessage:
    """The customer writes on their claim; an answer to a request for information puts it back under review."""
    body = body.strip()
    photo_ids = list(photos)
    if not body and not photo_ids:
        raise ValidationFailed.field("body", "required", "Write a message or attach a photo.")
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("warranty__product", "warranty__customer", "submitted_by", "tenant")
            .filter(tenant=tenant, id=claim_id, submitted_by=user)
            .first()
        )
        if claim is None:
            raise NotFound()
        if claim.status == Claim.Status.RESOLVED:
            raise Conflict(
                "This claim is resolved; start a new claim if the problem is back.", code=ClaimErrorCode.CLAIM_CLOSED,
            )
        media = _photos_take(tenant=tenant, user=user, photo_ids=photo_ids)
        message = ClaimMessage.objects.create(tenant=tenant, claim=claim, author=user, body=body)
        _photos_attach(media, claim=claim, message=message)
        if media:
            claim_risk_assess(claim)  # a photo sent later is checked like one sent with the claim
        claim_events.message_added(claim, actor=user)
        if claim.status == Claim.Status.INFO_REQUESTED:
            claim_transition(claim_id=claim.id, tenant=tenant, actor=user, to_status=Claim.Status.UNDER_REVIEW)
    return message


# --- fulfillment ---------------------------------------------------------------------------------------


def _rma_next(tenant: Tenant) -> str:
    counter, _ = RmaCounter.objects.get_or_create(tenant=tenant)
    counter = RmaCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"RMA-{tenant.slug.upper()}-{counter.last_value:06d}"


def _fulfillments_create(claim: Claim) -> list[Fulfillment]:
    """Approval's follow-up: a return authorization for the faulty unit, and the resolution's own work."""
    backend = inventory_backend_for(claim.tenant)
    created = [
        Fulfillment.objects.create(
            tenant=claim.tenant, claim=claim, kind=Fulfillment.Kind.RETURN_AUTHORIZATION,
            rma_number=_rma_next(claim.tenant), backend=backend.name,
        )
    ]
    follow_up = _FOLLOW_UP.get(claim.resolution)
    if follow_up:
        created.append(Fulfillment.objects.create(tenant=claim.tenant, claim=claim, kind=follow_up, backend=backend.name))
    for fulfillment in created:
        if getattr(backend, "in_transaction", False):
            # The backend only writes rows of its own (a webhook delivery): do it now, so the request
            # commits with the approval and cannot be lost between the commit and a task.
            fulfillment.external_ref = backend.request_fulfillment(fulfillment)
            fulfillment.save(update_fields=["external_ref", "updated_at"])
        else:
            task_enqueue_after_commit(
                "warranty_api.tasks.fulfillment_request", fulfillment.id, task_name=f"fulfillment {fulfillment.id}"
            )
    return created


def fulfillment_request(fulfillment_id: str) -> str:
    """Hand one fulfillment to the tenant's inventory backend; safe to run twice (done once it has a reference)."""
    with transaction.atomic():
        fulfillment = (
            Fulfillment.objects.select_for_update(of=("self",)).select_related("tenant").filter(id=fulfillment_id).first()
        )
        if fulfillment is None or fulfillment.external_ref:
            return "skipped"
        fulfillment.external_ref = inventory_backend_for(fulfillment.tenant).request_fulfillment(fulfillment)
        fulfillment.save(update_fields=["external_ref", "updated_at"])
    return "requested"


# A request still without a reference this long after its fulfillment was made was lost between the commit and
# the queue (a broker outage); the sweep queues it again. Handing one over twice is harmless: the task skips a
# fulfillment that already has its reference.
FULFILLMENT_REQUEST_GRACE = datetime.timedelta(minutes=5)
FULFILLMENT_SWEEP_BATCH = 500


def fulfillment_requests_sweep() -> int:
    """Queue again each requested fulfillment that no inventory backend has taken; answers how many."""
    lost = list(
        Fulfillment.objects.filter(
            status=Fulfillment.Status.REQUESTED, external_ref="",
            created_at__lt=timezone.now() - FULFILLMENT_REQUEST_GRACE,
        ).order_by("created_at").values_list("id", flat=True)[:FULFILLMENT_SWEEP_BATCH]
    )
    for fulfillment_id in lost:
        task_enqueue_after_commit(
            "warranty_api.tasks.fulfillment_request", fulfillment_id, task_name=f"fulfillment {fulfillment_id}"
        )
    return len(lost)


def fulfillment_update(
    *, tenant: Tenant, fulfillment_id: str, actor: User | None, status: str | None = None,
    replacement_serial: str | None = None, note: str = "",
) -> Fulfillment:
    """Record progress: shipped, received, repaired, refunded, completed or cancelled.

    Staff call it through the admin API; the inventory system through its signed events (actor None)."""
    with transaction.atomic():
        claim_id = Fulfillment.objects.filter(tenant=tenant, id=fulfillment_id).values_list("claim_id", flat=True).first()
        if claim_id is None:
            raise NotFound()
        # The claim's lock first (the order claim_transition takes): webhook deliveries of one claim are ordered
        # by id, and writing them under this lock makes id order the order in which the changes commit.
        Claim.objects.select_for_update().filter(tenant=tenant, pk=claim_id).first()
        fulfillment = (
            Fulfillment.objects.select_for_update(of=("self",))
            .select_related("claim__warranty__product__category", "claim__warranty__customer", "claim__submitted_by", "tenant")
            .filter(tenant=tenant, id=fulfillment_id)
            .first()
        )
        if fulfillment is None:
            raise NotFound()
        if replacement_serial is not None:
            if fulfillment.kind != Fulfillment.Kind.REPLACEMENT:
                raise ValidationFailed.field("replacement_serial", "not_allowed", "Only a replacement has a new serial.")
            if fulfillment.replacement_warranty_id:
                raise ValidationFailed.field("replacement_serial", "not_allowed", "The replacement has already shipped.")
            fulfillment.replacement_serial = normalize_serial(replacement_serial)
        fields = ["replacement_serial", "updated_at"]
        if status and status != fulfillment.status:
            allowed = Fulfillment.FLOW.get(fulfillment.kind, {}).get(fulfillment.status, frozenset())
            if status not in allowed:
                raise Conflict(
                    f"A {fulfillment.kind} that is {fulfillment.status} cannot become {status}.",
                    code=ClaimErrorCode.INVALID_TRANSITION
                )
            if status == Fulfillment.Status.SHIPPED and fulfillment.kind == Fulfillment.Kind.REPLACEMENT:
                if not fulfillment.replacement_serial:
                    raise ValidationFailed.field(
                        "replacement_serial", "required", "Record the new unit's serial when the replacement ships."
                    )
                fulfillment.replacement_warranty = replacement_warranty_create(
                    fulfillment=fulfillment, serial=fulfillment.replacement_serial, actor=actor
                )
                fields.append("replacement_warranty")
            fulfillment.status = status
            fields.append("status")
            if status in (Fulfillment.Status.COMPLETED, Fulfillment.Status.CANCELLED):
                fulfillment.completed_at = timezone.now()
                fields.append("completed_at")
            if status == Fulfillment.Status.CANCELLED and fulfillment.external_ref:
                inventory_backend_of(fulfillment).cancel(fulfillment)
            claim_events.fulfillment_status_changed(fulfillment, actor=actor)
        fulfillment.save(update_fields=fields)
        if "status" in fields:
            webhook_event_emit(
                tenant=tenant, event_type="fulfillment.updated",
                payload={"fulfillment": fulfillment_payload(fulfillment)}, ordering_key=fulfillment.claim_id,
            )
        if note.strip():
            claim_events.fulfillment_noted(fulfillment, actor=actor, note=note.strip())
    return fulfillment


def replacement_warranty_create(*, fulfillment: Fulfillment, serial: str, actor: User | None = None) -> Warranty:
    """The replacement unit's own warranty (see `services.warranties.warranty_replace`)."""
    return warranty_replace(
        tenant=fulfillment.tenant,
        warranty_id=fulfillment.claim.warranty_id,
        serial=serial,
        actor=actor,
        note=f"Claim {fulfillment.claim_id}",
    )
