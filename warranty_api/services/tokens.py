"""Issuing JWTs bound to one tenant; the login, refresh and test paths all mint them here."""

from __future__ import annotations

from rest_framework_simplejwt.tokens import RefreshToken

from ..authentication import ROLE_CLAIM, TENANT_CLAIM
from ..models import Tenant, User


def tokens_issue(*, user: User, tenant: Tenant, role: str) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh[TENANT_CLAIM] = tenant.id
    refresh[ROLE_CLAIM] = role
    access = refresh.access_token
    return {"access": str(access), "refresh": str(refresh)}
