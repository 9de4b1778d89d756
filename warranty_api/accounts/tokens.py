"""Issuing, rotating and revoking JWTs bound to one tenant; login, refresh, logout and tests all go through here."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken, TokenError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from warranty_api.accounts.authentication import (
    CREDENTIALS_CLAIM,
    ROLE_CLAIM,
    SESSIONS_CLAIM,
    TENANT_CLAIM,
    token_credentials_current,
    token_sessions_current,
)
from warranty_api.accounts.models import User
from warranty_api.accounts.selectors import user_access
from warranty_api.core.exceptions import AuthenticationFailedError, ValidationFailed
from warranty_api.tenancy.models import Tenant


def tokens_issue(*, user: User, tenant: Tenant, role: str) -> dict[str, str]:
    access_now = user_access(user=user, tenant=tenant)
    refresh = RefreshToken.for_user(user)
    refresh[TENANT_CLAIM] = tenant.id
    refresh[ROLE_CLAIM] = role
    # Both copied into the access token below.
    refresh[CREDENTIALS_CLAIM] = user.credentials_version
    refresh[SESSIONS_CLAIM] = access_now[1] if access_now is not None else 0
    access = refresh.access_token
    return {"access": str(access), "refresh": str(refresh)}


def _refresh_decode(raw: str) -> RefreshToken:
    """Signature, expiry, type and blacklist checked; raises TokenError otherwise."""
    if not isinstance(raw, str) or not raw:
        raise TokenError("missing")
    return RefreshToken(raw)


def _blacklist_once(token: RefreshToken) -> bool:
    """Blacklist the token; True only for the one caller that did it (two racing refreshes: one wins)."""
    jti = token["jti"]
    outstanding = OutstandingToken.objects.filter(jti=jti).first()
    if outstanding is None:
        token.blacklist()
        return True
    try:
        with transaction.atomic():
            _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    except IntegrityError:
        return False
    return created


@transaction.atomic
def tokens_refresh(*, tenant: Tenant, raw: str) -> dict[str, str]:
    """Trade a refresh token for a new pair; the old refresh token is revoked (rotation)."""
    failed = AuthenticationFailedError("The refresh token is not valid, has expired or was revoked; sign in again.")
    try:
        token = _refresh_decode(raw)
    except TokenError:
        raise failed from None
    if token.get(TENANT_CLAIM) != tenant.id:
        raise failed
    user = User.objects.filter(public_id=token.get("user_id")).first()
    access = user_access(user=user, tenant=tenant) if user is not None else None
    if access is None:  # deactivated, lost the membership, or never belonged here
        raise failed
    role, sessions_version = access
    # A password change and a deactivation blacklist refresh tokens too; this also catches a refresh racing them.
    if not token_credentials_current(token, user) or not token_sessions_current(token, sessions_version):
        raise failed
    if not _blacklist_once(token):
        raise failed
    return tokens_issue(user=user, tenant=tenant, role=role)


@transaction.atomic
def token_revoke(*, tenant: Tenant, user: User, raw: str) -> None:
    """Logout: revoke one refresh token of this user at this tenant. Revoking it again, or an expired one, is a no-op."""
    invalid = ValidationFailed.field("refresh", "invalid_token", "This is not a refresh token of your session.")
    if not isinstance(raw, str) or not raw:
        raise invalid
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendExpiredToken:
        return  # it can no longer be used anyway
    except TokenBackendError:
        raise invalid from None
    if payload.get("token_type") != "refresh":
        raise invalid
    if payload.get(TENANT_CLAIM) != tenant.id or payload.get("user_id") != user.public_id:
        raise invalid
    # The signature was checked just above; verify=False only skips the blacklist check, so a repeat is a no-op.
    _blacklist_once(RefreshToken(raw, verify=False))


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every outstanding refresh token of the user (password change, reset, deactivation)."""
    pending = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    rows = [BlacklistedToken(token=t) for t in pending]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def tokens_revoke_at_tenant(*, user: User, tenant: Tenant) -> int:
    """Revoke the user's outstanding refresh tokens issued for this tenant only (a membership deactivated)."""
    revoked = 0
    pending = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()).exclude(
        blacklistedtoken__isnull=False
    )
    for outstanding in pending:
        try:
            payload = token_backend.decode(outstanding.token, verify=False)
        except TokenBackendError:
            continue
        if payload.get(TENANT_CLAIM) == tenant.id:
            BlacklistedToken.objects.get_or_create(token=outstanding)
            revoked += 1
    return revoked


def tokens_purge_expired(*, batch_size: int = 5000) -> int:
    """Daily: delete refresh-token records past their expiry, with their blacklist rows; safe to run twice.

    simplejwt records every refresh token it issues and every one it revokes, and never forgets them; an expired
    token is refused by its signature's `exp` whatever the tables say, so its rows serve nothing. This is
    simplejwt's `flushexpiredtokens`, in batches so one run never holds a huge delete in one transaction.
    """
    now = timezone.now()
    deleted = 0
    while True:
        ids = list(OutstandingToken.objects.filter(expires_at__lte=now).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            BlacklistedToken.objects.filter(token_id__in=ids).delete()
            _, counts = OutstandingToken.objects.filter(pk__in=ids).delete()
        deleted += counts.get(OutstandingToken._meta.label, 0)
        if len(ids) < batch_size:
            return deleted
