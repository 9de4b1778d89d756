"""Who may read and who may change a brand's configuration."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from warranty_api.core.permissions import request_role
from warranty_api.core.roles import Role


class AdminWritesAgentReads(BasePermission):
    """Agents read the configuration (it helps them answer customers); only admins change it."""

    def has_permission(self, request, view) -> bool:
        role = request_role(request)
        if request.method in SAFE_METHODS:
            return role in (Role.AGENT, Role.ADMIN)
        return role == Role.ADMIN
