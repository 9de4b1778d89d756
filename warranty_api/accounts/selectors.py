"""Reads about people: which role a user holds in a tenant, and which account an email signs in to."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet

from warranty_api.accounts.customers import MarketingConsent
from warranty_api.accounts.models import User
from warranty_api.core.emails import normalize_email
from warranty_api.core.roles import Role
from warranty_api.tenancy.models import Membership, Tenant


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


def email_acceptable(email: str) -> bool:
    """A normalised address an account may have: valid, with an ASCII local part.

    Django's validator lets the four non-ASCII letters that `re.IGNORECASE` matches to `[a-z]` into the local
    part (dotless i U+0131, dotted I U+0130, long s U+017F, the Kelvin sign U+212A); `normalize_email` turns
    the last two into ASCII, the two i's would stay look-alikes of `i` and are refused.
    """
    try:
        validate_email(email)
    except DjangoValidationError:
        return False
    return email.rpartition("@")[0].isascii()


def account_for_email(*, tenant: Tenant, email: str) -> User | None:
    """The account an email signs in to at this tenant: its customer account, else a staff member's account.

    Inactive accounts and memberships are included; callers decide what an inactive account may do.
    """
    email = normalize_email(email)
    if not email:
        return None
    customer = User.objects.filter(tenant=tenant, email=email).first()
    if customer is not None:
        return customer
    return User.objects.filter(tenant__isnull=True, email=email, memberships__tenant=tenant).first()


def staff_account_for_sign_in(email: str) -> User | None:
    """The active staff account a normalised email (or an operator's username) signs in to Django with."""
    account = User.objects.filter(tenant__isnull=True, is_active=True, email=email).first()
    return account or User.objects.filter(tenant__isnull=True, is_active=True, username=email).first()


def staff_accounts_for_reset(email: str) -> list[User]:
    """The active staff account of a normalised email that Wagtail's admin may email a reset link, if any."""
    return [u for u in User.objects.filter(tenant__isnull=True, is_active=True, email=email) if u.has_usable_password()]


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


# Figures a domain above adds to the account's own answer (`auth/me`): name -> (tenant, user) -> int. The
# warranties package adds `warranty_count` (warranty_api/apps.py), so accounts never imports it.
AccountFigure = Callable[..., int]
_ACCOUNT_FIGURES: dict[str, AccountFigure] = {}


def account_figure_add(name: str, figure: AccountFigure) -> None:
    _ACCOUNT_FIGURES[name] = figure


def account_figures(*, tenant: Tenant, user: User) -> dict[str, int]:
    return {name: figure(tenant=tenant, user=user) for name, figure in _ACCOUNT_FIGURES.items()}


def marketing_consent_given(*, tenant: Tenant, user: User) -> bool:
    """Whether the account's latest answer to the brand's marketing opt-in was yes."""
    latest = (MarketingConsent.objects.filter(tenant=tenant, customer__email=user.email)
              .order_by("-created_at", "-id").values_list("granted", flat=True).first())
    return bool(latest)


def staff_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user")
