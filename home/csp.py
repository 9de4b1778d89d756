"""Content-Security-Policy for the portal's pages: only this site's own script, styles and images run there.

The brand's colours are the one inline <style> block; it carries a nonce made per response. The portal's script
is a file (no inline script, no event-handler attributes), its configuration a JSON data block, which a policy
does not run. The API answers JSON and Wagtail's admin keeps its own inline code, so neither is covered here.
"""

from __future__ import annotations

import secrets

EXEMPT_PREFIXES = ("/api/", "/admin/", "/django-admin/")


def content_security_policy(nonce: str) -> str:
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' 'nonce-{nonce}'",
        # blob: for claim photos, which the script fetches with the bearer token and shows as object URLs.
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.path.startswith(EXEMPT_PREFIXES) or "Content-Security-Policy" in response:
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            response["Content-Security-Policy"] = content_security_policy(request.csp_nonce)
        return response
