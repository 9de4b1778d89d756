"""The purchase check's entries in a warranty's audit trail, one function per kind; each is written only when
the warranty's verification or status really changed (the fields of `before`, as they are now, are its after)."""

from __future__ import annotations

from warranty_api.accounts.models import User
from warranty_api.warranties.events import warranty_changed
from warranty_api.warranties.models import Warranty


def verification_queued(warranty: Warranty, before: dict, *, actor: User | None) -> None:
    warranty_changed(warranty, "verification_queued", before, actor=actor)


def verification_checked(warranty: Warranty, before: dict) -> None:
    warranty_changed(warranty, "verification_checked", before)


def verification_overridden(warranty: Warranty, before: dict, *, actor: User, note: str) -> None:
    warranty_changed(warranty, "verification_overridden", before, actor=actor, note=note)
