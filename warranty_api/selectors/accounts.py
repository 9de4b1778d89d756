"""Reads about people: which role a user holds in a tenant, and which account an email signs in to."""

from __future__ import annotations

from django.db.models import QuerySet

from ..models import Membership, Role, Tenant, User, Warranty


def user_access(*, user: User, tenant: Tenant) -> tuple[str, int] | None:
    """The user's role in this tenant and the sessions version of that role (what tokens are checked against),
    or None when they have no access there. A customer's role has no version of its own (always 0)."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.tenant_id is not None:
        return (Role.CUSTOMER, 0) if user.tenant_id == tenant.id else None
    return (
        Membership.objects.filter(user=user, tenant=tenant, is_active=True, accepted_at__isnull=False)
        .values_list("role", "sessions_version")
        .first()
    )


def user_role(*, user: User, tenant: Tenant) -> str | None:
    """The user's role in this tenant (`customer`, `agent`, `admin`), or None when they have none there."""
    access = user_access(user=user, tenant=tenant)
    return access[0] if access is not None else None


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def account_for_email(*, tenant: Tenant, email: str) -> User | None:
    """The account an email signs in to at this tenant: its customer account, else a staff member's account.

    Inactive accounts and memberships are included; callers decide what an inactive account may do.
    """
    email = normalize_email(email)
    if not email:
        return None
    customer = User.objects.filter(tenant=tenant, email__iexact=email).first()
    if customer is not None:
        return customer
    return User.objects.filter(tenant__isnull=True, email__iexact=email, memberships__tenant=tenant).first()


def account_by_public_id(*, tenant: Tenant, public_id: str) -> User | None:
    """An account reachable from this tenant (its customer, or staff with an accepted membership here), by public id.

    A pending invitation does not count: until the person accepts, the brand has no say over the account.
    """
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        return None
    if user.tenant_id is not None:
        return user if user.tenant_id == tenant.id else None
    accepted = Membership.objects.filter(user=user, tenant=tenant, accepted_at__isnull=False)
    return user if accepted.exists() else None


def warranty_count(*, tenant: Tenant, user: User) -> int:
    return Warranty.objects.filter(tenant=tenant, owner=user).count()


def staff_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user")


def staff_membership(*, tenant: Tenant, public_id: str) -> Membership | None:
    return Membership.objects.filter(tenant=tenant, user__public_id=public_id).select_related("user").first()
