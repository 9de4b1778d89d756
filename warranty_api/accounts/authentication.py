"""Bearer JWTs bound to one tenant: a token is only good on the paths of the tenant it was issued for."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import AUTH_HEADER_TYPE_BYTES, JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken

from warranty_api.accounts.error_codes import AccountErrorCode
from warranty_api.accounts.selectors import staff_account_for_sign_in, user_access
from warranty_api.core.throttles import auth_budgets_wait

TENANT_CLAIM = "tenant"
ROLE_CLAIM = "role"
# The account's `credentials_version` when the token was issued; tokens from before the claim existed count as 0.
CREDENTIALS_CLAIM = "cv"
# The membership's `sessions_version` when the token was issued (0 for customers and for tokens from before).
SESSIONS_CLAIM = "sv"
SESSIONS_ENDED_MESSAGE = "Access to this brand was withdrawn after this token was issued; sign in again."
PASSWORD_CHANGED_MESSAGE = "The password of this account was changed, or the account switched off, after this token was issued; sign in again."


def token_credentials_current(token, user) -> bool:
    """False when the account's password changed after the token was issued."""
    return token.get(CREDENTIALS_CLAIM, 0) == user.credentials_version


def token_sessions_current(token, sessions_version: int) -> bool:
    """False when the membership the token was issued under was deactivated after it was issued."""
    return token.get(SESSIONS_CLAIM, 0) == sessions_version


class TokenExpired(exceptions.AuthenticationFailed):
    override_code = AccountErrorCode.TOKEN_EXPIRED


class TenantJWTAuthentication(JWTAuthentication):
    www_authenticate_realm = "api"

    def get_raw_token(self, header: bytes) -> bytes | None:
        # RFC 7235: the scheme is case-insensitive (`bearer`, `BEARER`); simplejwt compares it as sent.
        parts = header.split()
        schemes = {scheme.lower() for scheme in AUTH_HEADER_TYPE_BYTES}
        if len(parts) == 2 and parts[0].lower() in schemes:
            return parts[1]
        return None

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            raise exceptions.AuthenticationFailed("Send the token as `Authorization: Bearer <access>`.")
        try:
            token = AccessToken(raw)
        except TokenError as exc:
            if "expired" in str(exc).lower():
                raise TokenExpired("The access token has expired; refresh it or sign in again.") from exc
            raise exceptions.AuthenticationFailed("The access token is not valid.") from exc
        tenant = getattr(request, "tenant", None)
        if tenant is None or token.get(TENANT_CLAIM) != tenant.id:
            raise exceptions.AuthenticationFailed("This token was issued for another brand.")
        try:
            user = self.get_user(token)
        except (InvalidToken, exceptions.AuthenticationFailed) as exc:
            raise exceptions.AuthenticationFailed("The account behind this token is not active.") from exc
        # The user row is loaded anyway, so this check costs no query.
        if not token_credentials_current(token, user):
            raise exceptions.AuthenticationFailed(PASSWORD_CHANGED_MESSAGE)
        access = user_access(user=user, tenant=tenant)
        if access is None:
            raise exceptions.AuthenticationFailed("This account has no access to this brand.")
        role, sessions_version = access
        if not token_sessions_current(token, sessions_version):
            raise exceptions.AuthenticationFailed(SESSIONS_ENDED_MESSAGE)
        request.role = role
        return user, token


class AccountPasswordBackend(ModelBackend):
    """Django's `authenticate` (Wagtail's admin sign-in, and anything else that calls it) through the API's own
    password check (`services.accounts.credentials_check`): one lockout per email and the same rate budgets as
    the API's sign-in, whichever way is tried. Staff accounts only (customers sign in through the API), found by
    their normalised email, or by username for an operator made with `createsuperuser`.

    When a limit holds, `PermissionDenied` makes `authenticate` answer None and try no other backend; the
    seconds to wait are left on the request (`request.sign_in_wait`) for the form to say.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Inside: services import tokens, which import this module (a circle at import time).
        from warranty_api.accounts.services import SignInLocked, credentials_check

        username = username if username is not None else kwargs.get("email")
        if not isinstance(username, str) or password is None:
            return None
        try:
            if request is not None and (wait := auth_budgets_wait(request, email=username, action="login")):
                raise SignInLocked(wait)
            user = credentials_check(email=username, password=password, account_of=staff_account_for_sign_in)
        except SignInLocked as locked:
            if request is not None:
                request.sign_in_wait = locked.wait
            raise PermissionDenied from None
        return user

    def get_all_permissions(self, user_obj, obj=None):
        # A customer account holds no Django permission, whatever groups it may have been put in: the way into
        # Wagtail's admin (`wagtailadmin.access_admin`) is for staff only.
        if getattr(user_obj, "tenant_id", None) is not None:
            return set()
        return super().get_all_permissions(user_obj, obj)

    def has_perm(self, user_obj, perm, obj=None):
        if getattr(user_obj, "tenant_id", None) is not None:
            return False
        return super().has_perm(user_obj, perm, obj)
