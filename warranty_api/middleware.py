"""Request plumbing for /api/: the brief's alias paths, tenant resolution, and the error envelope."""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest, HttpResponse
from django.middleware.common import CommonMiddleware as _DjangoCommonMiddleware

from .exceptions import TenantNotFound, error_response
from .models import RESERVED_SLUGS
from .selectors.tenancy import active_tenant_by_slug

logger = logging.getLogger("warranty_api")

# /<tenant>/aftersale/api/<rest> is the brief's base URL; it is the same resource as /api/<tenant>/<rest>.
_ALIAS_RE = re.compile(r"^/(?P<tenant>[^/]+)/aftersale/api(?P<rest>/.*)?$")
_TENANT_PATH_RE = re.compile(r"^/api/(?:p/)?(?P<tenant>[^/]+)(?:/|$)")
_GLOBAL_API_PATHS = {"health", "config", "schema", "docs", "redoc"}
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


def _is_api(request: HttpRequest) -> bool:
    return request.path_info == "/api" or request.path_info.startswith("/api/")


def _unstorable_input(request: HttpRequest) -> HttpResponse | None:
    """NUL in the path or a query parameter: no id, slug or filter of ours has one, and PostgreSQL cannot hold it.

    Refused here once, before a lookup hands it to the database (a server fault there, not the client's 400).
    """
    if "\x00" in request.path_info:
        return error_response(404, "not_found", "There is nothing at this address.")
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            field = name.replace("\x00", "") or "query"
            return error_response(
                400, "validation_error", "Some fields are missing or invalid.",
                {field: [{"code": "invalid_character", "message": "A query parameter may not contain NUL (%00)."}]},
            )
    return None


class TenantMiddleware:
    """Resolves the tenant named in the path once per request and sets `request.tenant`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_api(request) and (refused := _unstorable_input(request)) is not None:
            return refused
        alias = _ALIAS_RE.match(request.path_info)
        if alias:
            rest = alias.group("rest") or ""
            request.path_info = f"/api/{alias.group('tenant')}{rest}"
            request.path = request.path_info
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


class ApiErrorEnvelopeMiddleware:
    """Guarantees that every /api/ response is JSON in the envelope, whatever produced it.

    DRF's handler covers errors raised inside views; this covers the rest: unknown paths (Django's 404),
    an uncaught exception anywhere (500 internal_error, never a stack trace), and Django's own 400/413s.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_api(request) or response.status_code < 400:
            return response
        # JSON from our own views is already in shape (errors enveloped; health's 503 is its own report).
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        if status == 404:
            return error_response(404, "not_found", "There is nothing at this address.")
        if status == 405:
            return error_response(405, "method_not_allowed", f"{request.method} is not allowed on this path.")
        if status == 413:
            return error_response(413, "payload_too_large", "The request body is too large.")
        if status >= 500:
            return error_response(500, "internal_error", "Something went wrong on our side; please try again.")
        return error_response(status, "bad_request", "The request could not be processed.")

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not _is_api(request):
            return None
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exception, RequestDataTooBig):
            return error_response(413, "payload_too_large", "The request body is too large.")
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side; please try again.")


class CommonMiddleware(_DjangoCommonMiddleware):
    """Django's CommonMiddleware, minus the trailing-slash redirect on /api/ (API paths are exact)."""

    def should_redirect_with_slash(self, request):
        if _is_api(request):
            return False
        return super().should_redirect_with_slash(request)
