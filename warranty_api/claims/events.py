"""A claim's timeline: one function per kind of event, each writing its append-only `ClaimEvent` row.

Services call these instead of building rows themselves, so a kind of event always carries the same fields,
visibility and wording of its note wherever it is written (as Saleor's `order/events.py`).
"""

from __future__ import annotations

from warranty_api.accounts.models import User
from warranty_api.claims.models import Claim, ClaimEvent, Fulfillment, Visibility


def claim_submitted(claim: Claim, *, actor: User) -> ClaimEvent:
    return ClaimEvent.objects.create(
        tenant_id=claim.tenant_id, claim=claim, actor=actor, kind=ClaimEvent.Kind.SUBMITTED, to_status=claim.status,
        visibility=Visibility.CUSTOMER,
    )


def claim_status_changed(claim: Claim, *, actor: User, from_status: str, to_status: str, note: str = "") -> ClaimEvent:
    return ClaimEvent.objects.create(
        tenant_id=claim.tenant_id, claim=claim, actor=actor, kind=ClaimEvent.Kind.STATUS_CHANGED,
        from_status=from_status, to_status=to_status, note=note, visibility=Visibility.CUSTOMER,
    )


def claim_assigned(claim: Claim, *, actor: User, assignee: User | None) -> ClaimEvent:
    return ClaimEvent.objects.create(
        tenant_id=claim.tenant_id, claim=claim, actor=actor, kind=ClaimEvent.Kind.ASSIGNED,
        note=f"Assigned to {assignee.email}" if assignee else "Unassigned", visibility=Visibility.INTERNAL,
    )


def claim_notes_updated(claim: Claim, *, actor: User, notes: str) -> ClaimEvent:
    return ClaimEvent.objects.create(
        tenant_id=claim.tenant_id, claim=claim, actor=actor, kind=ClaimEvent.Kind.NOTES_UPDATED, note=notes,
        visibility=Visibility.INTERNAL,
    )


def message_added(claim: Claim, *, actor: User) -> ClaimEvent:
    """A message on the claim, from the customer or from staff; the message itself is its own row."""
    return ClaimEvent.objects.create(
        tenant_id=claim.tenant_id, claim=claim, actor=actor, kind=ClaimEvent.Kind.MESSAGE,
        visibility=Visibility.CUSTOMER,
    )


def fulfillment_status_changed(fulfillment: Fulfillment, *, actor: User | None) -> ClaimEvent:
    """The customer sees each step of a follow-up ("Replacement: shipped")."""
    return ClaimEvent.objects.create(
        tenant_id=fulfillment.tenant_id, claim=fulfillment.claim, actor=actor,
        kind=ClaimEvent.Kind.FULFILLMENT_UPDATED,
        note=f"{fulfillment.get_kind_display()}: {fulfillment.get_status_display().lower()}",
        visibility=Visibility.CUSTOMER,
    )


def fulfillment_noted(fulfillment: Fulfillment, *, actor: User | None, note: str) -> ClaimEvent:
    """A note on a follow-up, by staff or the inventory system: staff only."""
    return ClaimEvent.objects.create(
        tenant_id=fulfillment.tenant_id, claim=fulfillment.claim, actor=actor,
        kind=ClaimEvent.Kind.FULFILLMENT_UPDATED, note=f"{fulfillment.get_kind_display()}: {note}",
        visibility=Visibility.INTERNAL,
    )


def info_reminder_sent(claim: Claim, *, to: str, requested_on: str) -> ClaimEvent:
    """The scheduled reminder of a request for information went out (no actor: the scheduler sent it)."""
    return ClaimEvent.objects.create(
        tenant_id=claim.tenant_id, claim=claim, actor=None, kind=ClaimEvent.Kind.REMINDER_SENT,
        from_status=claim.status, to_status=claim.status,
        note=f"Reminder sent to {to}: information requested on {requested_on} is still missing.",
        visibility=Visibility.INTERNAL,
    )
