"""Idempotency-Key on POST (API.md "Writes"): one mechanism, applied to a view method with `@idempotent`.

A retry with the same key and body within 24 hours answers the first response again and does nothing more;
the same key with another body is 422 `idempotency_key_reused`; while the first is still running, 409
`idempotency_key_in_use`. Keys are scoped to the tenant and the caller (the user, or the client address as the rate limits count it).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from warranty_api.core.error_codes import CoreErrorCode
from warranty_api.core.exceptions import ApiError, ApiMessage, Conflict, Unprocessable, ValidationFailed
from warranty_api.core.models import IdempotencyRecord
from warranty_api.core.throttles import client_address

HEADER = "Idempotency-Key"
TTL = datetime.timedelta(hours=24)
# A first request still "in flight" after this long died with its process; its key may be used again.
ABANDONED_AFTER = datetime.timedelta(minutes=2)
MAX_KEY_LENGTH = 255
# The key is stored: no control character (PostgreSQL cannot hold NUL) and nothing a log would misprint.
_VISIBLE_ASCII = re.compile(r"[\x20-\x7e]+")


def _caller(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.public_id}"
    # The client as the rate limits see it: behind a load balancer REMOTE_ADDR is the balancer's, one for all.
    return f"ip:{client_address(request)}"


def _fingerprint(request) -> str:
    """What makes two requests "the same": method, path and the parsed body (files by name, size and type)."""
    data = request.data
    if hasattr(data, "lists"):  # multipart: a QueryDict
        data = {key: values for key, values in data.lists()}
    files = {
        name: [f"{f.name}:{f.size}:{getattr(f, 'content_type', '')}" for f in request.FILES.getlist(name)]
        for name in getattr(request, "FILES", {})
    }
    payload = json.dumps(
        {"method": request.method, "path": request.path, "data": data, "files": files}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _claim(tenant, caller: str, key: str, request_hash: str) -> IdempotencyRecord | None:
    """Insert the in-flight record; answer None when we own it now, else the existing record."""
    for _ in range(2):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(tenant=tenant, caller=caller, key=key, request_hash=request_hash)
            return None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(tenant=tenant, caller=caller, key=key).first()
            if existing is None:
                continue  # finished and removed between our insert and read
            now = timezone.now()
            if existing.created_at < now - TTL or (
                existing.status_code is None and existing.created_at < now - ABANDONED_AFTER
            ):
                IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
                continue
            return existing
    raise Conflict(
        "This Idempotency-Key is being used by another request; retry shortly.",
        code=CoreErrorCode.IDEMPOTENCY_KEY_IN_USE,
    )


def idempotent(method):
    """Decorate a TenantAPIView's `post`: honours the Idempotency-Key header when the client sends one."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not _VISIBLE_ASCII.fullmatch(key):
            raise ValidationFailed.field(
                HEADER, "invalid", ApiMessage("%(header)s must be 1 to %(most)s visible ASCII characters (a UUID, say).",
                           header=HEADER, most=MAX_KEY_LENGTH)
            )
        tenant = view.tenant
        caller = _caller(request)
        request_hash = _fingerprint(request)
        existing = _claim(tenant, caller, key, request_hash)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise Unprocessable(
                    "This Idempotency-Key was used with another request; use a new key for a new request.",
                    code=CoreErrorCode.IDEMPOTENCY_KEY_REUSED,
                )
            if existing.status_code is None:
                raise Conflict(
                    "The first request with this Idempotency-Key is still being processed; retry shortly.",
                    code=CoreErrorCode.IDEMPOTENCY_KEY_IN_USE,
                )
            replay = Response(existing.response_body, status=existing.status_code)
            replay["Idempotent-Replayed"] = "true"
            return replay

        try:
            response = method(view, request, *args, **kwargs)
        except ApiError as exc:
            # A refusal is an answer too: the same request would be refused again, so it is kept like a success.
            if exc.status_code >= 500:
                _forget(tenant, caller, key)
                raise
            _store(tenant, caller, key, exc.status_code, {"error": _error_of(exc)})
            raise
        except BaseException:
            _forget(tenant, caller, key)
            raise
        if response.status_code >= 500:
            _forget(tenant, caller, key)
        else:
            _store(tenant, caller, key, response.status_code, response.data)
        return response

    wrapper.idempotent = True
    return wrapper


def _error_of(exc: ApiError) -> dict:
    body = {"code": exc.code, "message": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    return body


def _store(tenant, caller: str, key: str, status: int, body) -> None:
    IdempotencyRecord.objects.filter(tenant=tenant, caller=caller, key=key).update(
        status_code=status, response_body=json.loads(json.dumps(body, default=str))
    )


def _forget(tenant, caller: str, key: str) -> None:
    IdempotencyRecord.objects.filter(tenant=tenant, caller=caller, key=key).delete()


def idempotency_records_purge() -> int:
    """Delete records older than 24 hours (scheduled task), so the table stays small."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - TTL).delete()
    return deleted
