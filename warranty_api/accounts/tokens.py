"""Issuing, rotating and revoking JWTs bound to one tenant; login, refresh, logout and tests all go through here."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import BlacklistMixin, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

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

# Rotation hands out a refresh token whose id is derived from the one it replaces, so the line of a session can be
# followed forward from any token of it without storing a link: successor(jti) names the next one, if it was issued.
_SUCCESSOR_SALT = b"aftersale.refresh-successor"
# How many rotations a reused token may be behind its line's live end (page loads racing each other).
_GRACE_HOPS = 8


def _successor_jti(jti: str) -> str:
    key = hmac.new(settings.SECRET_KEY.encode(), _SUCCESSOR_SALT, hashlib.sha256).digest()
    return hmac.new(key, jti.encode(), hashlib.sha256).hexdigest()[:32]


def tokens_issue(*, user: User, tenant: Tenant, role: str, jti: str | None = None) -> dict[str, str]:
    access_now = user_access(user=user, tenant=tenant)
    # simplejwt's own RefreshToken.for_user records the token before the claims below exist (so the stored copy
    # would name no tenant) and picks its id itself; the plain Token.for_user does neither.
    refresh = super(BlacklistMixin, RefreshToken).for_user(user)
    if jti:
        refresh[api_settings.JTI_CLAIM] = jti
    refresh[TENANT_CLAIM] = tenant.id
    refresh[ROLE_CLAIM] = role
    # Both copied into the access token below.
    refresh[CREDENTIALS_CLAIM] = user.credentials_version
    refresh[SESSIONS_CLAIM] = access_now[1] if access_now is not None else 0
    OutstandingToken.objects.create(
        user=user, jti=refresh[api_settings.JTI_CLAIM], token=str(refresh), created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
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


def _live_end(jti: str) -> OutstandingToken | None:
    """The unrevoked token a recently rotated-out `jti` led to, or None.

    A page that is left (or closed) while its refresh is on the way never stores the rotated cookie the answer set,
    so the next page sends the rotated-out token again. Within AFTERSALE_REFRESH_GRACE_SECONDS of each rotation that
    token still stands for its session: the line is followed forward through rotations (never through a logout,
    a password change or a deactivation, which revoke without a successor) to the token still live.
    """
    grace = timedelta(seconds=settings.AFTERSALE_REFRESH_GRACE_SECONDS)
    since = timezone.now() - grace
    for _ in range(_GRACE_HOPS):
        revoked = BlacklistedToken.objects.filter(token__jti=jti).first()
        if revoked is None:
            return OutstandingToken.objects.filter(jti=jti).first()
        if revoked.blacklisted_at <= since:
            return None
        jti = _successor_jti(jti)
        if not OutstandingToken.objects.filter(jti=jti).exists():
            return None
    return None


def _decode_allowing_rotated(raw: str) -> RefreshToken:
    """Signature, expiry and type checked, the blacklist not (tokens_refresh decides about a revoked one)."""
    if not isinstance(raw, str) or not raw:
        raise TokenError("missing")
    token = RefreshToken(raw, verify=False)
    token.token_backend.decode(raw, verify=True)  # signature and expiry
    if token.get(api_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
        raise TokenError("wrong type")
    return token


@transaction.atomic
def tokens_refresh(*, tenant: Tenant, raw: str) -> dict[str, str]:
    """Trade a refresh token for a new pair; the old refresh token is revoked (rotation).

    A token rotated out moments ago (see `_live_end`) rotates its session's live token instead, so a page left
    mid-refresh does not sign the customer out; past the grace window a reused token answers 401.
    """
    failed = AuthenticationFailedError("The refresh token is not valid, has expired or was revoked; sign in again.")
    try:
        token = _decode_allowing_rotated(raw)
    except (TokenError, TokenBackendError):
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
    jti = token[api_settings.JTI_CLAIM]
    if not BlacklistedToken.objects.filter(token__jti=jti).exists() and _blacklist_once(token):
        return tokens_issue(user=user, tenant=tenant, role=role, jti=_successor_jti(jti))
    # Rotated out already: by a page that never stored the answer, or by a racing refresh that won just now.
    for _ in range(_GRACE_HOPS):
        live = _live_end(jti)
        if live is None:
            raise failed
        if live.jti != jti and not _live_matches(live, tenant=tenant, user=user, sessions_version=sessions_version):
            raise failed
        jti = live.jti
        if _blacklist_once(RefreshToken(live.token, verify=False)):
            return tokens_issue(user=user, tenant=tenant, role=role, jti=_successor_jti(jti))
    raise failed


def _live_matches(live: OutstandingToken, *, tenant: Tenant, user: User, sessions_version: int) -> bool:
    """The live end of a line is a token of the same account, tenant and credentials (its claims say so)."""
    try:
        payload = token_backend.decode(live.token, verify=True)
    except TokenBackendError:
        return False
    return (
        payload.get(TENANT_CLAIM) == tenant.id
        and payload.get("user_id") == user.public_id
        and token_credentials_current(payload, user)
        and token_sessions_current(payload, sessions_version)
    )


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
