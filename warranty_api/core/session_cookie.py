"""The browser's session: the refresh token in an HttpOnly cookie scoped to one brand's auth path, for the portal.

Apps get the refresh token in the body, as API.md says. A browser client asks for the cookie instead with the
header `X-Aftersale-Session: cookie` on login, sign-up, refresh and change-password: the answer then sets the
cookie and leaves the token out of the body, so no script of the page can read it. A refresh that relies on the
cookie must send that header too, and an Origin, when sent, must be this server's: a cross-site page can neither
set a custom header without a CORS preflight (which this API does not grant) nor, with SameSite=Strict, make the
browser send the cookie at all.
"""

from __future__ import annotations

from django.conf import settings

from warranty_api.core.exceptions import PermissionDeniedError

REFRESH_COOKIE = "aftersale_refresh"
SESSION_HEADER = "HTTP_X_AFTERSALE_SESSION"


def wants_cookie(request) -> bool:
    return request.META.get(SESSION_HEADER, "").strip().lower() == "cookie"


def cookie_path(tenant) -> str:
    return f"/api/{tenant.slug}/auth/"


def refresh_from_cookie(request) -> str:
    """The refresh token of the cookie, once the request shows it comes from this site's own script."""
    raw = request.COOKIES.get(REFRESH_COOKIE, "")
    if not raw:
        return ""
    if not wants_cookie(request):
        raise PermissionDeniedError("A refresh with the session cookie needs the header X-Aftersale-Session: cookie.")
    origin = request.META.get("HTTP_ORIGIN")
    if origin and origin != f"{request.scheme}://{request.get_host()}":
        raise PermissionDeniedError("A refresh with the session cookie must come from this site.")
    return raw


def session_answer(request, tenant, response, refresh: str):
    """Set the cookie on `response` when the request asked for it (the body then carries no refresh token)."""
    if wants_cookie(request):
        response.set_cookie(
            REFRESH_COOKIE, refresh, max_age=int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
            path=cookie_path(tenant), secure=settings.AFTERSALE_REFRESH_COOKIE_SECURE, httponly=True,
            samesite="Strict",
        )
    return response


def session_clear(tenant, response):
    response.delete_cookie(REFRESH_COOKIE, path=cookie_path(tenant), samesite="Strict")
    return response
