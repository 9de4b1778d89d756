"""One exception family for the whole API, mapped once to the error envelope of API.md."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from warranty_api.core.error_codes import CoreErrorCode

logger = logging.getLogger(__name__)


class ApiMessage(str):
    """An error message built with values: it reads as its English text, and the envelope translates its
    template before filling the values in (a message formatted first could not be found in the catalogs).

    `ApiMessage("%(name)s must be true or false.", name="active")` is the text "active must be true or false.";
    bin/api_messages.py collects its template for the catalogs.
    """

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> ApiMessage:
        message = super().__new__(cls, template % params)
        message.template, message.params = template, params
        return message

    def __getnewargs_ex__(self):  # pickled and copied as its template and values, not as its English text
        return (self.template,), self.params

    def translated(self) -> str:
        return gettext(self.template) % self.params


def _translated(message) -> str:
    return message.translated() if isinstance(message, ApiMessage) else gettext(str(message))


class ApiError(Exception):
    """Raised by services and views; carries the HTTP status, a stable code and a human message."""

    status_code = 400
    code = CoreErrorCode.BAD_REQUEST
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[dict[str, str]]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.message = message or self.message
        # A domain's code enum member leaves as its plain value: the JSON, logs and stored replays carry the string.
        self.code = str(code or self.code)
        self.status_code = status or self.status_code
        self.fields = fields
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(ApiError):
    status_code = 400
    code = CoreErrorCode.VALIDATION_ERROR
    message = "Some fields are missing or invalid."

    @classmethod
    def field(cls, name: str, code: str, message: str) -> ValidationFailed:
        return cls(fields={name: [{"code": code, "message": message}]})


class NotFound(ApiError):
    status_code = 404
    code = CoreErrorCode.NOT_FOUND
    message = "Not found."


class TenantNotFound(NotFound):
    code = CoreErrorCode.TENANT_NOT_FOUND
    message = "There is no brand at this address."


class Conflict(ApiError):
    status_code = 409
    code = CoreErrorCode.CONFLICT


class Unprocessable(ApiError):
    status_code = 422
    code = CoreErrorCode.UNPROCESSABLE


class PayloadTooLarge(ApiError):
    status_code = 413
    code = CoreErrorCode.PAYLOAD_TOO_LARGE
    message = "The upload is too large."


class UnsupportedMediaType(ApiError):
    status_code = 415
    code = CoreErrorCode.UNSUPPORTED_MEDIA_TYPE
    message = "This type of file is not accepted."


class PermissionDeniedError(ApiError):
    status_code = 403
    code = CoreErrorCode.PERMISSION_DENIED
    message = "Your role does not allow this."


class AuthenticationFailedError(ApiError):
    status_code = 401
    code = CoreErrorCode.AUTHENTICATION_FAILED
    message = "Sign in again: the credentials are missing, wrong or no longer valid."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The envelope, its messages in the request's language: each is looked up in the catalogs (literal messages
    as written, an `ApiMessage` by its template, then filled in; `bin/api_messages.py` collects both). Codes
    never change."""
    body: dict = {"code": str(code), "message": _translated(message)}
    if fields:
        body["fields"] = {
            name: [{**item, "message": _translated(item["message"])} if "message" in item else item for item in items]
            for name, items in fields.items()
        }
    return {"error": body}


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


def _field_errors(detail, prefix: str = "") -> dict[str, list[dict[str, str]]]:
    """Flatten DRF's nested ErrorDetail structure into {"a.b[0].c": [{"code", "message"}]}."""
    out: dict[str, list[dict[str, str]]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            for k, v in _field_errors(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(isinstance(item, (drf_exceptions.ErrorDetail, str)) for item in detail):
            for item in detail:
                out.setdefault(prefix or "non_field_errors", []).append(
                    {"code": _snake(getattr(item, "code", "invalid")), "message": str(item)}
                )
        else:
            for index, item in enumerate(detail):
                for k, v in _field_errors(item, f"{prefix}[{index}]").items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(
            {"code": _snake(getattr(detail, "code", "invalid")), "message": str(detail)}
        )
    return out


_DRF_CODE_MAP = {"null": "required", "blank": "required", "does_not_exist": "not_found"}


def _snake(code: str | None) -> str:
    code = (code or "invalid").replace("-", "_")
    return _DRF_CODE_MAP.get(code, code)


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error leaves the API as {"error": {...}}."""
    if isinstance(exc, ApiError):
        response = Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
        for name, value in exc.headers.items():
            response[name] = value
        return response
    if isinstance(exc, Http404):
        return Response(error_body(CoreErrorCode.NOT_FOUND, "Not found."), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    if isinstance(exc, drf_exceptions.ParseError):
        return Response(error_body(CoreErrorCode.INVALID_JSON, "The request body is not valid JSON."), status=400)
    if isinstance(exc, drf_exceptions.ValidationError):
        return Response(
            error_body(CoreErrorCode.VALIDATION_ERROR, "Some fields are missing or invalid.", _field_errors(exc.detail)),
            status=400,
        )
    if isinstance(exc, drf_exceptions.Throttled):
        wait = int(exc.wait or 1)
        response = Response(
            error_body(CoreErrorCode.RATE_LIMITED,
                       ApiMessage("Too many requests; try again in %(wait)s seconds.", wait=wait)),
            status=429,
        )
        response["Retry-After"] = str(max(wait, 1))
        return response
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        code = getattr(exc, "override_code", None) or CoreErrorCode.AUTHENTICATION_FAILED
        message = str(exc.detail) if isinstance(exc.detail, str) else AuthenticationFailedError.message
        response = Response(error_body(code, message), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return Response(error_body(CoreErrorCode.PERMISSION_DENIED, PermissionDeniedError.message), status=403)
    if isinstance(exc, drf_exceptions.NotFound):
        return Response(error_body(CoreErrorCode.NOT_FOUND, "Not found."), status=404)
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return Response(
            error_body(CoreErrorCode.METHOD_NOT_ALLOWED,
                       ApiMessage("%(method)s is not allowed on this path.", method=context["request"].method)),
            status=405,
        )
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return Response(
            error_body(CoreErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json (or multipart/form-data for uploads)."),
            status=415,
        )
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return Response(error_body(CoreErrorCode.NOT_ACCEPTABLE, "This API answers application/json only."), status=406)
    if isinstance(exc, drf_exceptions.APIException):
        return Response(error_body(_snake(exc.default_code), str(exc.detail)), status=exc.status_code)
    return None  # a real fault: ApiErrorEnvelopeMiddleware turns it into 500 internal_error
