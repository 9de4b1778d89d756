"""A warranty's audit trail: one function per kind of event, each writing its append-only `WarrantyEvent` rows.

Services call these instead of building rows themselves, so a kind of event always carries the same action and
fields wherever it is written (as Saleor's `order/events.py`). The registration's one-statement short way writes
its "registered" row in SQL; it takes the action name from here.
"""

from __future__ import annotations

from collections.abc import Iterable

from warranty_api.accounts.models import User
from warranty_api.tenancy.models import Tenant
from warranty_api.warranties.models import Warranty, WarrantyEvent

REGISTERED = "registered"


def warranty_registered_row(warranty: Warranty, *, actor: User | None, after: dict) -> WarrantyEvent:
    """The registration's event, not yet saved: the registration writes it with its other rows."""
    return WarrantyEvent(tenant_id=warranty.tenant_id, warranty_id=warranty.id, actor=actor, action=REGISTERED,
                         after=after)


def owner_attached(*, tenant: Tenant, warranty_ids: Iterable[str], owner: User) -> list[WarrantyEvent]:
    """Warranties registered without an account became the account's, once its email was verified."""
    return WarrantyEvent.objects.bulk_create(
        [
            WarrantyEvent(tenant=tenant, warranty_id=wid, actor=owner, action="owner_attached",
                          after={"owner": owner.public_id})
            for wid in warranty_ids
        ]
    )


def warranty_corrected(warranty: Warranty, *, actor: User, actions: list[str], before: dict, after: dict,
                       note: str) -> WarrantyEvent:
    """Staff corrected the warranty (voided, reinstated, re-dated, extended, notes): the changed fields only."""
    return WarrantyEvent.objects.create(
        tenant_id=warranty.tenant_id, warranty=warranty, actor=actor, action=",".join(actions) or "noted",
        before=before, after=after, note=note,
    )


def contact_corrected(warranty: Warranty, *, actor: User, before: dict, after: dict, note: str) -> WarrantyEvent:
    return WarrantyEvent.objects.create(
        tenant_id=warranty.tenant_id, warranty=warranty, actor=actor, action="contact_corrected", before=before,
        after=after, note=note,
    )


def transfer_started(warranty: Warranty, *, actor: User, to_email: str) -> WarrantyEvent:
    return WarrantyEvent.objects.create(
        tenant_id=warranty.tenant_id, warranty=warranty, actor=actor, action="transfer_started",
        after={"to_email": to_email},
    )


def warranty_transferred(old: Warranty, new: Warranty, *, actor: User, status_before: str,
                         new_snapshot: dict) -> list[WarrantyEvent]:
    """A transfer accepted: the old warranty's "transferred" and the new owner's "received_by_transfer"."""
    return WarrantyEvent.objects.bulk_create(
        [
            WarrantyEvent(
                tenant_id=old.tenant_id, warranty=old, actor=actor, action="transferred",
                before={"status": status_before}, after={"status": old.status, "successor": new.id},
            ),
            WarrantyEvent(
                tenant_id=new.tenant_id, warranty=new, actor=actor, action="received_by_transfer",
                after={**new_snapshot, "replaces": old.id},
            ),
        ]
    )


def warranty_replaced(old: Warranty, new: Warranty, *, actor: User | None, before: dict, old_after: dict,
                      new_snapshot: dict, note: str) -> None:
    """A claim's replacement unit shipped: the old warranty's "replaced" and the new one's "created_as_replacement"."""
    WarrantyEvent.objects.create(
        tenant_id=old.tenant_id, warranty=old, actor=actor, action="replaced", before=before, after=old_after,
        note=note,
    )
    WarrantyEvent.objects.create(
        tenant_id=new.tenant_id, warranty=new, actor=actor, action="created_as_replacement", after=new_snapshot,
        note=note,
    )


def customer_erased(*, tenant: Tenant, warranty_ids: Iterable[str], actor: User | None) -> list[WarrantyEvent]:
    """The customer's personal data was erased; the warranties stay, without it."""
    return WarrantyEvent.objects.bulk_create(
        [WarrantyEvent(tenant=tenant, warranty_id=wid, actor=actor, action="customer_erased") for wid in warranty_ids]
    )


def warranty_changed(warranty: Warranty, action: str, before: dict, *, actor: User | None = None,
                     note: str = "") -> WarrantyEvent | None:
    """The fields named in `before` as they are now, written only when one of them changed (the purchase check's
    events: `verification/events.py`)."""
    after = {key: getattr(warranty, key) for key in before}
    if after == before:
        return None
    return WarrantyEvent.objects.create(
        tenant_id=warranty.tenant_id, warranty=warranty, actor=actor, action=action, before=before, after=after,
        note=note,
    )
