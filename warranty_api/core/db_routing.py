"""Read replicas: the API's GET requests read from a replica; writes, transactions and fresh writers stay on the primary.

With no `DATABASE_REPLICA_URLS` nothing here does anything. With replicas:
- only safe (GET/HEAD) API requests may read from a replica, and only outside a transaction; the portal,
  Wagtail's admin and the workers always use the primary (a worker deciding whether its work is done must
  not read a stale row);
- accounts, tokens, memberships and tenants are always read on the primary, so a revoked token or a
  deactivated member is refused at once rather than after the replica catches up;
- read-your-writes: a request that may write (any other method) pins its client (its address as the rate
  limits see it, and its Authorization header) to the primary for `DATABASE_REPLICA_PIN_SECONDS`, so a
  registration followed at once by the customer's list sees the new warranty.
"""

from __future__ import annotations

import contextvars
import hashlib
import random

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from rest_framework.throttling import BaseThrottle

_replica_reads_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads_allowed", default=False)

# Read on the primary whatever the request: who may act (auth) must never lag behind a change.
PRIMARY_ONLY_MODELS = {"user", "membership", "tenant", "outstandingtoken", "blacklistedtoken", "idempotencyrecord"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class ReplicaRouter:
    """Sends a read to a replica only inside a request that the middleware below allowed to."""

    def db_for_read(self, model, **hints):
        if not _replica_reads_allowed.get() or model._meta.model_name in PRIMARY_ONLY_MODELS:
            return None
        if connections["default"].in_atomic_block:
            return None
        aliases = replica_aliases()
        return random.choice(aliases) if aliases else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # replicas get the schema by replication


def _pin_keys(request) -> list[str]:
    keys = ["db-pin:client:" + BaseThrottle().get_ident(request)]
    authorization = request.META.get("HTTP_AUTHORIZATION")
    if authorization:
        keys.append("db-pin:auth:" + hashlib.sha256(authorization.encode()).hexdigest()[:32])
    return keys


class ReplicaReadsMiddleware:
    """Allows replica reads for safe API requests of clients that did not just write; pins those that may write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases() or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        keys = _pin_keys(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            cache.set_many(dict.fromkeys(keys, 1), timeout=settings.DATABASE_REPLICA_PIN_SECONDS)
            return response
        if cache.get_many(keys):
            return self.get_response(request)
        token = _replica_reads_allowed.set(True)
        try:
            return self.get_response(request)
        finally:
            _replica_reads_allowed.reset(token)
