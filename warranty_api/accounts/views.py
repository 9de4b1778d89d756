"""Account endpoints under /api/<tenant>/auth/ and the tenant's staff under /api/<tenant>/admin/staff."""

from __future__ import annotations

import contextlib

from drf_spectacular.utils import OpenApiResponse, extend_schema

from warranty_api.accounts import services as svc
from warranty_api.accounts.consent import marketing_consent_log, marketing_consent_text
from warranty_api.accounts.filters import ConsentLogParameters, StaffListParameters
from warranty_api.accounts.selectors import account_figures, marketing_consent_given, staff_list, user_role
from warranty_api.accounts.serializers import (
    AccountLoginInput,
    AccountMeOutput,
    AccountRegisterInput,
    AccountSessionOutput,
    AccountUpdateInput,
    AccountUserOutput,
    ChangePasswordInput,
    EmailVerifyInput,
    ForgotPasswordInput,
    MarketingConsentOutput,
    ResetPasswordInput,
    StaffInvitationAcceptInput,
    StaffInvitationAcceptOutput,
    StaffInviteInput,
    StaffMemberOutput,
    StaffUpdateInput,
    StatusOutput,
    TokenPairOutput,
    TokenRefreshInput,
    account_user_data,
)
from warranty_api.accounts.tokens import token_revoke, tokens_issue, tokens_refresh
from warranty_api.core.exceptions import ValidationFailed
from warranty_api.core.pagination import paginate
from warranty_api.core.params import query_bool
from warranty_api.core.permissions import IsTenantAdmin, IsTenantMember
from warranty_api.core.session_cookie import (
    REFRESH_COOKIE,
    refresh_from_cookie,
    session_answer,
    session_clear,
    wants_cookie,
)
from warranty_api.core.throttles import AUTH_THROTTLES, AuthIpThrottle
from warranty_api.core.views import TenantAPIView, ok, validated

ERRORS = {
    400: OpenApiResponse(description="validation_error"),
    401: OpenApiResponse(description="authentication_failed / token_expired"),
    429: OpenApiResponse(description="rate_limited, with Retry-After"),
}




COOKIE_NOTE = (
    "\n\nWith the header `X-Aftersale-Session: cookie` (the portal's browser script), the refresh token is set as "
    "an HttpOnly, SameSite=Strict cookie scoped to `/api/<tenant>/auth/` and left out of the body."
)


def _session(user, tenant, role) -> dict:
    return {**tokens_issue(user=user, tenant=tenant, role=role), "user": account_user_data(user=user, tenant=tenant, role=role)}


def _session_ok(request, tenant, session: dict, status: int = 200):
    """The answer carrying a new token pair: the refresh token in the body, or in the cookie when asked."""
    if not wants_cookie(request):
        return ok(session, status=status)
    body = {key: value for key, value in session.items() if key != "refresh"}
    return session_answer(request, tenant, ok(body, status=status), session["refresh"])


class _PublicAuthView(TenantAPIView):
    """Sign-in endpoints take no bearer token: a stale one in the header must not block signing in."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = AUTH_THROTTLES


class RegisterView(_PublicAuthView):
    idempotency = False  # the answer holds fresh tokens
    throttle_action = "register"

    @extend_schema(
        operation_id="auth_register",
        summary="Create a customer account",
        description=(
            "Creates a customer account of this brand and signs it in. The email is unverified: a link and a "
            "6-digit code are emailed, and warranties registered publicly with this email become visible only "
            "once it is verified.\n\n"
            "An email that already has an account here answers **409 `email_already_registered`**. This does "
            "tell the caller that the address has an account: a successful sign-up returns tokens, so the two "
            "cases cannot be made to look alike without dropping sign-in at sign-up. The answer is rate limited "
            "per IP and per email (`auth_ip`, `auth_account`), it reveals nothing but existence, and sign-in "
            "and forgot-password never reveal it." + COOKIE_NOTE
        ),
        request=AccountRegisterInput,
        responses={201: AccountSessionOutput, 409: OpenApiResponse(description="email_already_registered"), **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(AccountRegisterInput, request.data)
        user = svc.account_register(
            tenant=self.tenant, email=data["email"], password=data["password"], name=data["name"],
            phone=data.get("phone", ""), address=data.get("address"),
            marketing_consent=data.get("marketing_consent", False),
        )
        return _session_ok(request, self.tenant, _session(user, self.tenant, "customer"), status=201)


class LoginView(_PublicAuthView):
    idempotency = False  # the answer holds fresh tokens
    throttle_action = "login"

    @extend_schema(
        operation_id="auth_login",
        summary="Sign in a customer or a staff member",
        description=(
            "Wrong email or password answer the same 401 `authentication_failed`. After 5 consecutive failures "
            "for one email (in any spelling: the address is matched in its normalised form), sign-in for it waits "
            "2^(n-5) seconds (at most 15 minutes), answered 429 with Retry-After, at every brand and in Wagtail's "
            "admin too; a successful sign-in or a password reset clears the count." + COOKIE_NOTE
        ),
        request=AccountLoginInput,
        responses={200: AccountSessionOutput, **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(AccountLoginInput, request.data)
        user, role = svc.account_authenticate(tenant=self.tenant, email=data["email"], password=data["password"])
        return _session_ok(request, self.tenant, _session(user, self.tenant, role))


class RefreshView(_PublicAuthView):
    idempotency = False  # the answer holds fresh tokens
    throttle_action = "refresh"
    throttle_classes = [AuthIpThrottle]

    @extend_schema(
        operation_id="auth_refresh",
        summary="Trade a refresh token for a new access and refresh token",
        description=(
            "The refresh token is rotated: the one sent is revoked, and used again it answers 401 once its short grace "
            "window (REFRESH_GRACE_SECONDS, 60 by default) is over; within it, it rotates its session's live token, "
            "so a page left before its refresh answered does not sign the customer out. Without `refresh` "
            "in the body, the session cookie's token is used; that needs the header `X-Aftersale-Session: cookie` "
            "(403 `permission_denied` otherwise, or when an Origin of another site is sent)." + COOKIE_NOTE
        ),
        request=TokenRefreshInput,
        responses={200: TokenPairOutput, 403: OpenApiResponse(description="permission_denied"), **ERRORS},
    )
    def post(self, request, tenant: str):
        body = request.data if isinstance(request.data, dict) else None
        raw = refresh_from_cookie(request) if body is not None and "refresh" not in body else ""
        if not raw:
            raw = validated(TokenRefreshInput, request.data)["refresh"]
        return _session_ok(request, self.tenant, tokens_refresh(tenant=self.tenant, raw=raw))


class LogoutView(TenantAPIView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke a refresh token of the signed-in account",
        request=TokenRefreshInput,
        responses={204: None, **ERRORS},
    )
    def post(self, request, tenant: str):
        cookie = request.COOKIES.get(REFRESH_COOKIE, "")
        body = request.data if isinstance(request.data, dict) else None
        if cookie and body is not None and "refresh" not in body:
            # The bearer token proves the caller; a cookie that is no longer valid needs no revoking.
            with contextlib.suppress(ValidationFailed):
                token_revoke(tenant=self.tenant, user=request.user, raw=cookie)
        else:
            data = validated(TokenRefreshInput, request.data)
            token_revoke(tenant=self.tenant, user=request.user, raw=data["refresh"])
        return session_clear(self.tenant, ok(None, status=204))


class VerifyEmailView(TenantAPIView):
    permission_classes: list = []
    throttle_classes = AUTH_THROTTLES
    throttle_action = "verify_email"

    @extend_schema(
        operation_id="auth_verify_email",
        summary="Verify an email address with the emailed link's token or its code, signed in to the account",
        description=(
            "Either proof works only with a session of the account it was sent for (401 without one): the email "
            "proves the mailbox, the session the account. Verifying attaches the warranties registered publicly "
            "with this email to the account."
        ),
        request=EmailVerifyInput,
        responses={200: AccountUserOutput, 409: OpenApiResponse(description="email_already_registered"), **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(EmailVerifyInput, request.data)
        user = svc.account_verify_email(
            tenant=self.tenant, token=data.get("token"), code=data.get("code"), user=request.user
        )
        role = user_role(user=user, tenant=self.tenant) or "customer"
        return ok(account_user_data(user=user, tenant=self.tenant, role=role))


class ResendVerificationView(TenantAPIView):
    permission_classes = [IsTenantMember]
    throttle_classes = AUTH_THROTTLES
    throttle_action = "resend_verification"

    @extend_schema(
        operation_id="auth_resend_verification",
        summary="Email a new verification link and code",
        request=None,
        responses={202: StatusOutput, 409: OpenApiResponse(description="email_already_verified"), **ERRORS},
    )
    def post(self, request, tenant: str):
        svc.email_verification_resend(tenant=self.tenant, user=request.user)
        return ok({"status": "verification_sent"}, status=202)


class ForgotPasswordView(_PublicAuthView):
    throttle_action = "forgot_password"

    @extend_schema(
        operation_id="auth_forgot_password",
        summary="Email a password reset link",
        description="Answers the same 202 whether or not the email has an account; the link lives one hour.",
        request=ForgotPasswordInput,
        responses={202: StatusOutput, **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(ForgotPasswordInput, request.data)
        svc.password_reset_request(tenant=self.tenant, email=data["email"])
        return ok({"status": "reset_requested"}, status=202)


class ResetPasswordView(_PublicAuthView):
    throttle_action = "reset_password"

    @extend_schema(
        operation_id="auth_reset_password",
        summary="Set a new password with the reset link's uid and token",
        description="The link works once; every token issued to the account before, access or refresh, stops working.",
        request=ResetPasswordInput,
        responses={200: StatusOutput, **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(ResetPasswordInput, request.data)
        svc.password_reset_confirm(
            tenant=self.tenant, uid=data["uid"], token=data["token"], new_password=data["new_password"]
        )
        return ok({"status": "password_reset"})


class MeView(TenantAPIView):
    permission_classes = [IsTenantMember]

    def _me(self, user) -> dict:
        data = account_user_data(user=user, tenant=self.tenant, role=self.role)
        return {**data, **account_figures(tenant=self.tenant, user=user),
                "marketing_consent": marketing_consent_given(tenant=self.tenant, user=user),
                "marketing_consent_text": marketing_consent_text(self.tenant)}

    @extend_schema(operation_id="auth_me", summary="The signed-in account", responses={200: AccountMeOutput, **ERRORS})
    def get(self, request, tenant: str):
        return ok(self._me(request.user))

    @extend_schema(
        operation_id="auth_me_update",
        summary="Update contact details",
        description=(
            "Takes name, phone, address, email, language and marketing_consent; any other field is refused (400, "
            "`not_allowed`). A new email is stored as `pending_email` and verified by email; until then the current "
            "email stays. `marketing_consent` answers the brand's opt-in (`marketing_consent_text`), logged with "
            "that wording; `false` also stops the brand's service notices (safety notices and messages about the "
            "customer's warranties and claims still come). It needs a confirmed email (400, `email_not_verified`)."
        ),
        request=AccountUpdateInput,
        responses={200: AccountMeOutput, **ERRORS},
    )
    def patch(self, request, tenant: str):
        if not isinstance(request.data, dict):
            raise ValidationFailed("Send a JSON object.")
        user = svc.account_update(tenant=self.tenant, user=request.user, data=dict(request.data))
        return ok(self._me(user))


class ChangePasswordView(TenantAPIView):
    idempotency = False  # the answer holds fresh tokens
    permission_classes = [IsTenantMember]
    throttle_classes = AUTH_THROTTLES
    throttle_action = "change_password"

    @extend_schema(
        operation_id="auth_change_password",
        summary="Change the password",
        description=(
            "Every token issued before, access or refresh, stops working at once (this session's too); "
            "the answer carries a new pair for this session."
        ),
        request=ChangePasswordInput,
        responses={200: TokenPairOutput, **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(ChangePasswordInput, request.data)
        user = svc.password_change(
            user=request.user, current_password=data["current_password"], new_password=data["new_password"]
        )
        return _session_ok(request, self.tenant, tokens_issue(user=user, tenant=self.tenant, role=self.role))


class AcceptInvitationView(_PublicAuthView):
    throttle_action = "accept_invitation"

    @extend_schema(
        operation_id="auth_accept_invitation",
        summary="Accept an invitation to a brand's staff with the emailed link's token",
        description=(
            "An existing account added to a brand's staff (`POST /admin/staff`) gets no access there until it "
            "accepts: the invitation is emailed to the account's address, and its link's token is the proof, as "
            "a reset link's is, so no sign-in is needed (a bearer token is not looked at). Accepting twice "
            "answers the same. A token of another brand, of a withdrawn invitation or past its 14 days answers "
            "400 `validation_error` (`token`: `invalid_token`)."
        ),
        request=StaffInvitationAcceptInput,
        responses={200: StaffInvitationAcceptOutput, **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(StaffInvitationAcceptInput, request.data)
        membership = svc.staff_invitation_accept(tenant=self.tenant, token=data["token"])
        return ok({
            "status": "invitation_accepted", "tenant": self.tenant.slug, "email": membership.user.email,
            "role": membership.role,
        })


class ConsentLogView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    filterset_class = ConsentLogParameters

    @extend_schema(
        operation_id="admin_consent_list",
        summary="The brand's marketing consent log",
        description=(
            "Every answer customers gave to the brand's marketing opt-in (at registration, sign-up or in their "
            "account), newest first, with the wording they saw and its version; `granted=true|false` filters. A "
            "customer's current answer is their newest row; each new row is also sent as `customer.consent_changed`."
        ),
        responses={200: MarketingConsentOutput(many=True), **ERRORS},
    )
    def get(self, request, tenant: str):
        rows = marketing_consent_log(tenant=self.tenant, granted=query_bool(request.query_params, "granted"))
        return paginate(self, rows, MarketingConsentOutput, ordering=("-created_at", "-id"))


class StaffListView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    filterset_class = StaffListParameters

    @extend_schema(operation_id="admin_staff_list", summary="The brand's staff", responses={200: StaffMemberOutput(many=True)})
    def get(self, request, tenant: str):
        return paginate(self, staff_list(tenant=self.tenant), StaffMemberOutput, ordering=("created_at", "id"))

    @extend_schema(
        operation_id="admin_staff_invite",
        summary="Add a staff member; a new account is emailed a link to choose its password",
        description=(
            "An email with no staff account yet gets one, a member at once (`invited`: true until it chooses its "
            "password from the emailed link). An account that already exists works for other brands too, so it "
            "is only invited: it is emailed an invitation to accept (`POST /auth/accept-invitation`) and the "
            "membership gives no access until then (`invitation_pending`: true, `is_active`: false)."
        ),
        request=StaffInviteInput,
        responses={201: StaffMemberOutput, 409: OpenApiResponse(description="already_staff"), **ERRORS},
    )
    def post(self, request, tenant: str):
        data = validated(StaffInviteInput, request.data)
        membership = svc.staff_invite(tenant=self.tenant, email=data["email"], role=data["role"])
        return ok(StaffMemberOutput(membership).data, status=201)


class StaffDetailView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_staff_update",
        summary="Change a staff member's role, or deactivate them at this brand",
        request=StaffUpdateInput,
        responses={200: StaffMemberOutput, 409: OpenApiResponse(description="last_admin"), **ERRORS},
    )
    def patch(self, request, tenant: str, user_id: str):
        if not isinstance(request.data, dict):
            raise ValidationFailed("Send a JSON object.")
        membership = svc.staff_update(tenant=self.tenant, public_id=user_id, data=dict(request.data))
        return ok(StaffMemberOutput(membership).data)
