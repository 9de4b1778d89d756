"""The request frame's own error codes: the ones any endpoint may answer, whatever its domain (API.md, "Envelopes").

Each domain keeps the codes it raises in its own `error_codes.py`. Codes are a contract clients branch on: a
member's value is what the JSON carries, so a value never changes once released (a member may be added).
"""

from __future__ import annotations

from enum import StrEnum


class CoreErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    VALIDATION_ERROR = "validation_error"
    INVALID_JSON = "invalid_json"
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    TENANT_NOT_FOUND = "tenant_not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNPROCESSABLE = "unprocessable"
    RATE_LIMITED = "rate_limited"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INTERNAL_ERROR = "internal_error"
