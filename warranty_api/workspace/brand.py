"""Which brand a staff member is working on in the admin: their brands from Membership, the choice kept in the session."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from warranty_api.core.roles import Role
from warranty_api.tenancy.models import Membership, Tenant

SESSION_KEY = "workspace_brand"


@dataclass(frozen=True)
class BrandAccess:
    """One brand a person may work on in the admin, with their role there (superusers count as admins)."""

    tenant: Tenant
    role: str


def staff_brands(user) -> list[BrandAccess]:
    """The brands a signed-in person may work on, by name: an accepted, active membership each; every active brand
    for a platform superuser; none for a customer account (customers never enter the admin)."""
    if not user.is_authenticated or not user.is_active or user.tenant_id is not None:
        return []
    if user.is_superuser:
        return [BrandAccess(tenant, Role.ADMIN) for tenant in Tenant.objects.filter(is_active=True).order_by("name", "slug")]
    memberships = (
        Membership.objects.filter(user=user, is_active=True, accepted_at__isnull=False, tenant__is_active=True)
        .select_related("tenant")
        .order_by("tenant__name", "tenant__slug")
    )
    return [BrandAccess(m.tenant, m.role) for m in memberships]


def _brands_cached(request: HttpRequest) -> list[BrandAccess]:
    if not hasattr(request, "_workspace_brands"):
        request._workspace_brands = staff_brands(request.user)
    return request._workspace_brands


def brand_choices(request: HttpRequest) -> list[BrandAccess]:
    return _brands_cached(request)


def current_brand(request: HttpRequest) -> BrandAccess | None:
    """The brand this request works on: the one chosen in the session while it is still theirs, else their first."""
    brands = _brands_cached(request)
    if not brands:
        return None
    chosen = request.session.get(SESSION_KEY)
    for access in brands:
        if access.tenant.id == chosen:
            return access
    return brands[0]


def brand_switch(request: HttpRequest, slug: str) -> BrandAccess | None:
    """Make `slug` the request's brand when it is one of theirs; None (and nothing kept) when it is not."""
    for access in _brands_cached(request):
        if access.tenant.slug == slug:
            # The session, not a model: which brand a screen shows is the person's view, not the brand's data.
            request.session[SESSION_KEY] = access.tenant.id
            return access
    return None
