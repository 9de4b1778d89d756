"""Request plumbing for /api/: NUL-free input, the error envelope, and the slash rules (tenant: tenancy/middleware.py)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.common import CommonMiddleware as _DjangoCommonMiddleware

from warranty_api.core.error_codes import CoreErrorCode
from warranty_api.core.exceptions import error_response

logger = logging.getLogger("warranty_api")

def is_api(request: HttpRequest) -> bool:
    return request.path_info == "/api" or request.path_info.startswith("/api/")


def unstorable_input(request: HttpRequest) -> HttpResponse | None:
    """NUL in the path or a query parameter: no id, slug or filter of ours has one, and PostgreSQL cannot hold it.

    Refused here once, before a lookup hands it to the database (a server fault there, not the client's 400).
    """
    if "\x00" in request.path_info:
        return error_response(404, CoreErrorCode.NOT_FOUND, "There is nothing at this address.")
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            field = name.replace("\x00", "") or "query"
            return error_response(
                400, CoreErrorCode.VALIDATION_ERROR, "Some fields are missing or invalid.",
                {field: [{"code": "invalid_character", "message": "A query parameter may not contain NUL (%00)."}]},
            )
    return None


class ApiErrorEnvelopeMiddleware:
    """Guarantees that every /api/ response is JSON in the envelope, whatever produced it.

    DRF's handler covers errors raised inside views; this covers the rest: unknown paths (Django's 404),
    an uncaught exception anywhere (500 internal_error, never a stack trace), and Django's own 400/413s.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        # JSON from our own views is already in shape (errors enveloped; health's 503 is its own report).
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        data = getattr(response, "data", None)
        if isinstance(data, dict) and set(data) == {"error"}:
            # A DRF view whose renderer is not JSON (the schema's YAML) rendered our envelope in its own format.
            enveloped = JsonResponse(data, status=status)
            for header in _KEPT_ERROR_HEADERS:
                if header in response:
                    enveloped[header] = response[header]
            return enveloped
        if status >= 500:
            return error_response(500, CoreErrorCode.INTERNAL_ERROR, "Something went wrong on our side; please try again.")
        code, message = _STATUS_ERRORS.get(status, (CoreErrorCode.BAD_REQUEST, "The request could not be processed."))
        if status == 405:
            message = f"{request.method} is not allowed on this path."
        return error_response(status, code, message)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return error_response(413, CoreErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large.")
        if isinstance(exception, Http404):
            return error_response(404, CoreErrorCode.NOT_FOUND, "There is nothing at this address.")
        if isinstance(exception, PermissionDenied):
            return error_response(403, CoreErrorCode.PERMISSION_DENIED, "Your role does not allow this.")
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, CoreErrorCode.INTERNAL_ERROR, "Something went wrong on our side; please try again.")


# The code of an error that reached the envelope without one (a response that is not ours), by its status.
_STATUS_ERRORS = {
    401: (CoreErrorCode.AUTHENTICATION_FAILED, "Sign in again: the credentials are missing, wrong or no longer valid."),
    403: (CoreErrorCode.PERMISSION_DENIED, "Your role does not allow this."),
    404: (CoreErrorCode.NOT_FOUND, "There is nothing at this address."),
    405: (CoreErrorCode.METHOD_NOT_ALLOWED, "This method is not allowed on this path."),
    406: (CoreErrorCode.NOT_ACCEPTABLE, "This API answers application/json only."),
    413: (CoreErrorCode.PAYLOAD_TOO_LARGE, "The request body is too large."),
    415: (CoreErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json (or multipart/form-data for uploads)."),
    429: (CoreErrorCode.RATE_LIMITED, "Too many requests; try again later."),
}
_KEPT_ERROR_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def api_path_not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The last /api/ route: a path the API does not know is its 404, never a Wagtail page lookup."""
    return error_response(404, CoreErrorCode.NOT_FOUND, "There is nothing at this address.")


class CommonMiddleware(_DjangoCommonMiddleware):
    """Django's CommonMiddleware, minus the trailing-slash redirect on /api/ (API paths are exact)."""

    def should_redirect_with_slash(self, request):
        if is_api(request):
            return False
        return super().should_redirect_with_slash(request)
