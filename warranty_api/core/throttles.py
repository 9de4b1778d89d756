"""Rate limits of the API, kept in the cache (Redis in production) so every web process shares them."""

from __future__ import annotations

import hashlib
import ipaddress

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from warranty_api.core.emails import normalize_email


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
    the signed-in user. Unknown emails are counted like known ones, so the limit reveals nothing. An email
    is keyed in its one normalised form and not per brand: a staff account signs in at every brand it serves,
    and every spelling of it shares one budget.
    """

    scope = "auth_account"

    def __init__(self, email: str | None = None):
        super().__init__()
        self.email = email  # given by a caller outside DRF (Wagtail's sign-in), which has no `request.data`

    def get_cache_key(self, request, view):
        data = request.data if self.email is None and isinstance(getattr(request, "data", None), dict) else {}
        email = self.email if self.email is not None else data.get("email")
        if isinstance(email, str) and email.strip():
            subject = "email:" + normalize_email(email)
        elif isinstance(data.get("uid"), str) and data["uid"]:
            subject = "uid:" + data["uid"]
        elif request.user and request.user.is_authenticated:
            subject = "user:" + request.user.public_id
        else:
            return None
        return f"throttle:{self.scope}:{self.action(view)}:{_digest(subject)}"


AUTH_THROTTLES = [AuthIpThrottle, AuthAccountThrottle]


class _Action:
    def __init__(self, action: str):
        self.throttle_action = action


def auth_budgets_wait(request, *, email: str, action: str) -> int:
    """For a way into an account outside DRF (Wagtail's admin sign-in and password reset): spend one request of
    the budgets the API's endpoint `action` has (`login`, `forgot_password`), shared with it, per client address
    and per email. Answers 0 when within both, else the seconds until the first allows again."""
    view = _Action(action)
    waits = [t.wait() for t in (AuthIpThrottle(), AuthAccountThrottle(email=email)) if not t.allow_request(request, view)]
    return max(1, int(max(w or 1 for w in waits))) if waits else 0


class PublicIpThrottle(_LiveRateThrottle):
    """Anonymous public endpoints (registration, upload): a budget per client IP, rate `public_ip` in settings."""

    scope = "public_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
