"""Reads about people: which role a user holds in a tenant."""

from __future__ import annotations

from ..models import Membership, Role, Tenant, User


def user_role(*, user: User, tenant: Tenant) -> str | None:
    """The user's role in this tenant (`customer`, `agent`, `admin`), or None when they have none there."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.tenant_id is not None:
        return Role.CUSTOMER if user.tenant_id == tenant.id else None
    membership = Membership.objects.filter(user=user, tenant=tenant).values_list("role", flat=True).first()
    return membership
