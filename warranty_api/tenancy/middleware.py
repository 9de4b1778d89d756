"""Tenant resolution of /api/: the brief's alias paths, and the tenant named in the path, once per request."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse

from warranty_api.core.exceptions import TenantNotFound, error_response
from warranty_api.core.middleware import is_api, unstorable_input
from warranty_api.tenancy.models import RESERVED_SLUGS
from warranty_api.tenancy.selectors import active_tenant_by_slug

# /<tenant>/aftersale/api/<rest> is the brief's base URL; it is the same resource as /api/<tenant>/<rest>.
_ALIAS_RE = re.compile(r"^/(?P<tenant>[^/]+)/aftersale/api(?P<rest>/.*)?$")
_TENANT_PATH_RE = re.compile(r"^/api/(?:p/)?(?P<tenant>[^/]+)(?:/|$)")
_GLOBAL_API_PATHS = {"health", "config", "schema", "docs", "redoc", "webhooks"}
# The public registration reads its tenant in the same statement as its serial lookup (views/warranties.py).
_DEFERRED_TENANT_RE = re.compile(r"^/api/p/(?P<tenant>[^/]+)/warranties$")


def tenant_not_found() -> HttpResponse:
    return error_response(404, TenantNotFound.code, TenantNotFound.message)


def resolve_deferred_tenant(request: HttpRequest) -> HttpResponse | None:
    """For a request whose tenant TenantMiddleware left to its view: read it now, or answer its 404 as the
    middleware does (None when the tenant is set)."""
    slug = getattr(request, "deferred_tenant_slug", None)
    if slug is not None and getattr(request, "tenant", None) is None:
        request.tenant = active_tenant_by_slug(slug)
        if request.tenant is None:
            return tenant_not_found()
    return None


class TenantMiddleware:
    """Resolves the tenant named in the path once per request and sets `request.tenant`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        alias = _ALIAS_RE.match(request.path_info)
        if alias:
            rest = alias.group("rest") or ""
            request.path_info = f"/api/{alias.group('tenant')}{rest}"
            request.path = request.path_info
        # After the alias is rewritten, so that both spellings of a path are guarded.
        if is_api(request) and (refused := unstorable_input(request)) is not None:
            return refused
        request.tenant = None
        request.deferred_tenant_slug = None
        match = _TENANT_PATH_RE.match(request.path_info)
        if match:
            slug = match.group("tenant")
            if request.method == "POST" and _DEFERRED_TENANT_RE.match(request.path_info):
                # Resolved by the view, which answers `tenant_not_found()` as here when there is none.
                request.deferred_tenant_slug = slug
                return self.get_response(request)
            is_public = request.path_info.startswith("/api/p/")
            if is_public or slug not in _GLOBAL_API_PATHS:
                tenant = None
                if slug not in RESERVED_SLUGS or is_public:
                    tenant = active_tenant_by_slug(slug)
                if tenant is None:
                    return tenant_not_found()
                request.tenant = tenant
        return self.get_response(request)
