"""OpenAPI generation that tells the truth: only /api/ paths, the envelopes, the errors and the auth each view really has."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, is_list_serializer, is_serializer
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from warranty_api.core.filters import QueryParametersBackend, filterset_of
from warranty_api.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from warranty_api.core.idempotency import MAX_KEY_LENGTH
from warranty_api.core.pagination import EnvelopeCursorPagination
from warranty_api.core.permissions import IsTenantMember

SECURITY_SCHEME = "bearerAuth"
ERROR_COMPONENT = "Error"
LIST_META_COMPONENT = "ListMeta"

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API, whatever failed (API.md). `fields` appears only for field errors.",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$",
                         "description": "A stable snake_case code clients may branch on."},
                "message": {"type": "string", "minLength": 1},
                "fields": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        },
                    },
                },
            },
        }
    },
}

LIST_META_SCHEMA = {
    "type": "object",
    "required": ["limit", "next_cursor", "previous_cursor", "has_more"],
    "properties": {
        "limit": {"type": "integer"},
        "next_cursor": {"type": "string", "nullable": True},
        "previous_cursor": {"type": "string", "nullable": True},
        "has_more": {"type": "boolean"},
        "total": {"type": "integer", "description": "Only with ?include_total=true"},
    },
    "additionalProperties": True,  # a list may add its own (the claim queue's `counts`)
}

# The errors any operation may answer, by what the view is made of. The codes are those of API.md.
_DERIVED_ERRORS = {
    400: "`validation_error` (a body field, a query parameter) or `invalid_json`.",
    401: "`authentication_failed` or `token_expired`: no, a bad, an expired or a revoked token, or one of another brand.",
    403: "`permission_denied`: signed in, but the role does not allow this.",
    404: "`tenant_not_found`, or `not_found`: the object does not exist or is not yours.",
    409: "`idempotency_key_in_use`: the first request with this Idempotency-Key is still being processed.",
    413: "`payload_too_large`.",
    415: "`unsupported_media_type`: the body is not of a type this operation reads.",
    422: "`idempotency_key_reused`: this Idempotency-Key was used with another request.",
    429: "`rate_limited`, with a Retry-After header.",
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}


_STRICT_BODY_MARK = "x-refuses-unknown-fields"
IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "description": "Retry safely: the same key and body within 24 hours answers the first response again "
    "(header `Idempotent-Replayed: true`); the same key with another body is 422 `idempotency_key_reused`.",
    # Surrounding blanks are not part of a header's value (RFC 9110 5.5), and the server trims them too.
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"^\S(.*\S)?$"},
}


def api_paths_only(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: Wagtail's admin API is not part of our contract."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]


def close_strict_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: the body of an operation that refuses unknown fields says so.

    `additionalProperties` must sit on the body's own component (beside an `allOf` it would refuse every field).
    """
    schemas = result.get("components", {}).get("schemas", {})
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not operation.pop(_STRICT_BODY_MARK, False):
                continue
            for content in operation["requestBody"].get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                component = schemas.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/components/schemas/") else None
                if component is not None and component.get("type") == "object":
                    component["additionalProperties"] = False
    return result


class TenantJWTScheme(OpenApiAuthenticationExtension):
    target_class = "warranty_api.accounts.authentication.TenantJWTAuthentication"
    name = SECURITY_SCHEME

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /api/{tenant}/auth/login, valid only on that tenant's paths.",
        }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus what every view of ours shares and a generator cannot guess.

    - Success bodies are wrapped as they leave `ok()` and `paginate()`: `{"data": ...}`, lists `{"data": [...],
      "meta": {...}}`. A view whose JSON is not enveloped (health's report) sets `schema_envelope = False`.
    - Every error status, declared by the view or derived here, has the error envelope as its body.
    - The derived errors come from the view's parts: authenticators (401), permissions (401, 403), path
      parameters (404), throttles (429), bodies (400, 413, 415) and the Idempotency-Key of every POST (409, 422).
    - `security` is what the permissions need: a bearer token, an optional one (the view reads a token when
      one is sent, and a bad one is 401) or none (`[]`: the view has no authenticator).
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        if "security" not in operation:
            operation["security"] = []
        if "requestBody" in operation and self._refuses_unknown_fields():
            operation[_STRICT_BODY_MARK] = True  # applied to the body's component by `close_strict_bodies`
        return operation

    def _refuses_unknown_fields(self) -> bool:
        # API.md: a PUT or PATCH takes only the fields it names. A POST says so itself (`validated(only_declared=...)`).
        return self.method in {"PUT", "PATCH"} or getattr(self.view, "refuses_unknown_fields", False)

    # --- parameters ---

    def get_filter_backends(self):
        # Any operation that takes query parameters declares them as a FilterSet (core/filters.py), a list or not.
        return [QueryParametersBackend] if filterset_of(self.view, self.method) else []

    def _get_format_parameters(self):
        # DRF's `?format=` is taken only where an operation declares it with the rest of its parameters (the lists that
        # answer CSV: core/filters.CsvExportable); elsewhere it is refused like any unknown name.
        return []

    def _get_parameters(self):
        parameters = [p for p in super()._get_parameters() if not _is_idempotency_header(p)]
        for parameter in parameters:
            if (parameter.get("in") == "query" and parameter.get("name") == EnvelopeCursorPagination.page_size_query_param
                    and filterset_of(self.view, self.method) is not None):  # our lists; Wagtail's content API has its own
                parameter["schema"] = {**parameter.get("schema", {}), "type": "integer", "minimum": 1,
                                       "maximum": EnvelopeCursorPagination.max_page_size}
            if parameter.get("in") == "query":
                # Every list and filter reads an empty value as not given (`?to=`, `?include_total=`: core/params.py).
                parameter["allowEmptyValue"] = True
        if self.method == "POST" and _is_idempotent_post(self.view):
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters

    # --- auth ---

    def _requires_token(self) -> bool:
        return any(not _allows_anonymous(permission) for permission in self.view.get_permissions())

    def get_auth(self):
        auths = [auth for auth in super().get_auth() if auth]
        if not self.view.get_authenticators():
            return []
        if not self._requires_token():
            auths.append({})  # the token is optional
        return auths

    # --- responses ---

    def _derived_errors(self) -> dict[int, str]:
        view = self.view
        statuses = {400}
        if view.get_authenticators() or self._requires_token():
            statuses.add(401)
        if any(not isinstance(p, IsTenantMember) and not _allows_anonymous(p) for p in view.get_permissions()):
            statuses.add(403)
        if "{" in self.path:
            statuses.add(404)
        if self.method in _BODY_METHODS:
            statuses |= {413, 415}
        if self.method == "POST" and _is_idempotent_post(view):
            statuses |= {409, 422}
        if view.get_throttles():
            statuses.add(429)
        return {status: _DERIVED_ERRORS[status] for status in statuses}

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, description in self._derived_errors().items():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    OpenApiResponse(description=description), str(status), direction=direction
                )
        return dict(sorted(responses.items()))

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        status = int(status_code)
        enveloped = getattr(self.view, "schema_envelope", True)
        inner = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        if status >= 400:
            if enveloped or inner is None:
                response["content"] = {"application/json": {"schema": self._component(ERROR_COMPONENT, ERROR_SCHEMA)}}
            return response
        if status < 200 or status >= 300 or not enveloped:
            return response
        if _has_data_field(inner):
            return response  # already declared in its envelope
        for media_type, content in response.get("content", {}).items():
            if media_type == "application/json" and "schema" in content:
                content["schema"] = self._envelope(content["schema"])
        return response

    def _envelope(self, schema: dict) -> dict:
        if schema.get("type") == "array":
            return {
                "type": "object",
                "required": ["data", "meta"],
                "properties": {"data": schema, "meta": self._component(LIST_META_COMPONENT, LIST_META_SCHEMA)},
            }
        return {"type": "object", "required": ["data"], "properties": {"data": schema}}

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref


def _allows_anonymous(permission) -> bool:
    return isinstance(permission, AllowAny)


def _is_idempotency_header(parameter: dict) -> bool:
    return parameter.get("in") == "header" and parameter.get("name", "").lower() == IDEMPOTENCY_HEADER.lower()


def _is_idempotent_post(view) -> bool:
    return bool(getattr(getattr(view, "post", None), "idempotent", False))


def _has_data_field(serializer) -> bool:
    if serializer is None or isinstance(serializer, dict) or not (is_serializer(serializer) or is_list_serializer(serializer)):
        return False
    if isinstance(serializer, type):
        serializer = serializer()
    return not is_list_serializer(serializer) and "data" in serializer.fields

