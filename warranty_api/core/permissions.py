"""One permission class per role; every view names the one it needs."""

from rest_framework.permissions import BasePermission

from warranty_api.core.roles import Role


def request_role(request) -> str | None:
    return getattr(request, "role", None) if request.user and request.user.is_authenticated else None


class IsTenantCustomer(BasePermission):
    """A signed-in customer of this tenant (staff use the admin endpoints)."""

    def has_permission(self, request, view) -> bool:
        return request_role(request) == Role.CUSTOMER


class IsTenantMember(BasePermission):
    """Anyone signed in to this tenant: a customer, an agent or an admin."""

    def has_permission(self, request, view) -> bool:
        return request_role(request) in (Role.CUSTOMER, Role.AGENT, Role.ADMIN)


class IsTenantAgent(BasePermission):
    """Staff of this tenant: agents and admins."""

    def has_permission(self, request, view) -> bool:
        return request_role(request) in (Role.AGENT, Role.ADMIN)


class IsTenantAdmin(BasePermission):
    """Admins of this tenant: configuration, catalog, staff."""

    def has_permission(self, request, view) -> bool:
        return request_role(request) == Role.ADMIN
