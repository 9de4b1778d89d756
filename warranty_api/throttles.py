"""Rate limits of the API, kept in the cache (Redis in production) so every web process shares them."""

from __future__ import annotations

import hashlib
import ipaddress

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def _digest(value: str) -> str:
    # Emails never appear in cache keys in clear (Redis is shared infrastructure).
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def client_address(request) -> str:
    """Who an anonymous client is, for the rate limits and the scope of its Idempotency-Keys.

    The connection's address or, with `TRUSTED_PROXIES` (DRF's NUM_PROXIES) proxies in front, the address the
    last of them saw (DRF's `get_ident`): never the X-Forwarded-For header as the client sent it. Anything that
    is not an IP address (a proxy chain shorter than configured leaves the client's own text there) is
    replaced by its digest, so it fits a cache key and a column whatever its length or characters.
    """
    ident = BaseThrottle().get_ident(request) or ""
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return "digest-" + _digest(ident)


class _LiveRateThrottle(SimpleRateThrottle):
    """Reads its rate at request time rather than at import, so a settings change takes effect."""

    def get_ident(self, request):
        return client_address(request)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    @staticmethod
    def action(view) -> str:
        return getattr(view, "throttle_action", view.__class__.__name__)


class AuthIpThrottle(_LiveRateThrottle):
    """Authentication endpoints: a budget per client IP and endpoint, rate `auth_ip` in settings."""

    scope = "auth_ip"

    def get_cache_key(self, request, view):
        return f"throttle:{self.scope}:{self.action(view)}:{self.get_ident(request)}"


class AuthAccountThrottle(_LiveRateThrottle):
    """Authentication endpoints: a budget per account, whoever sends, rate `auth_account` in settings.

    The account is the email in the body (login, register, forgot-password), the `uid` of a reset, or
    the signed-in user. Unknown emails are counted like known ones, so the limit reveals nothing.
    """

    scope = "auth_account"

    def get_cache_key(self, request, view):
        tenant = getattr(request, "tenant", None)
        data = request.data if isinstance(request.data, dict) else {}
        if isinstance(data.get("email"), str) and data["email"].strip():
            subject = "email:" + data["email"].strip().lower()
        elif isinstance(data.get("uid"), str) and data["uid"]:
            subject = "uid:" + data["uid"]
        elif request.user and request.user.is_authenticated:
            subject = "user:" + request.user.public_id
        else:
            return None
        tenant_id = tenant.id if tenant is not None else 0
        return f"throttle:{self.scope}:{self.action(view)}:{tenant_id}:{_digest(subject)}"


AUTH_THROTTLES = [AuthIpThrottle, AuthAccountThrottle]


class PublicIpThrottle(_LiveRateThrottle):
    """Anonymous public endpoints (registration, upload): a budget per client IP, rate `public_ip` in settings."""

    scope = "public_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
