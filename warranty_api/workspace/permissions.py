"""Who may do what in the workspace: an agent runs the support desk, an admin also runs the brand's set-up."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from warranty_api.core.roles import Role
from warranty_api.workspace.brand import BrandAccess, current_brand


class Area:
    """The workspace's areas; each screen names the one it belongs to."""

    CLAIMS = "claims"
    WARRANTIES = "warranties"
    CUSTOMERS = "customers"
    IMPORTS = "imports"
    OUTBOX = "outbox"
    CONFIGURATION = "configuration"
    STAFF = "staff"
    INTEGRATIONS = "integrations"


AGENT_AREAS = frozenset({Area.CLAIMS, Area.WARRANTIES, Area.CUSTOMERS, Area.IMPORTS, Area.OUTBOX})
POLICY: dict[str, frozenset[str]] = {
    Role.AGENT: AGENT_AREAS,
    Role.ADMIN: AGENT_AREAS | {Area.CONFIGURATION, Area.STAFF, Area.INTEGRATIONS},
}


def role_may(role: str | None, area: str) -> bool:
    return area in POLICY.get(role or "", frozenset())


def may(request: HttpRequest, area: str) -> bool:
    """Whether the request's person may use `area` of their current brand."""
    access = current_brand(request)
    return access is not None and role_may(access.role, area)


def require(request: HttpRequest, area: str) -> BrandAccess:
    """The current brand when the person may use `area` there; otherwise Wagtail's "no permission" answer."""
    access = current_brand(request)
    if access is None or not role_may(access.role, area):
        raise PermissionDenied
    return access
