"""Inputs and outputs of the account endpoints: sign-up, sign-in, tokens, profile, staff."""

from __future__ import annotations

from rest_framework import serializers

from warranty_api.accounts.models import User
from warranty_api.tenancy.models import Membership, StaffRole, Tenant


class AccountRegisterInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=256)
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.DictField(child=serializers.CharField(max_length=200, allow_blank=True), required=False)
    marketing_consent = serializers.BooleanField(
        required=False, help_text="The brand's marketing opt-in was ticked (logged, unconfirmed until the email is)")


class AccountLoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=256)


class TokenRefreshInput(serializers.Serializer):
    refresh = serializers.CharField()


class EmailVerifyInput(serializers.Serializer):
    token = serializers.CharField(required=False, help_text="From the emailed link; no sign-in needed.")
    code = serializers.CharField(required=False, max_length=12, help_text="The 6-digit code; needs a signed-in user.")


class ForgotPasswordInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)


class ResetPasswordInput(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(trim_whitespace=False, max_length=256)


class ChangePasswordInput(serializers.Serializer):
    current_password = serializers.CharField(trim_whitespace=False, max_length=256)
    new_password = serializers.CharField(trim_whitespace=False, max_length=256)


class AccountUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    email = serializers.EmailField(required=False, help_text="Takes effect once the new address is verified.")
    language = serializers.CharField(
        max_length=8, required=False, allow_blank=True,
        help_text="The portal's and the emails' language for this account: one the brand offers (GET /config), or empty",
    )
    marketing_consent = serializers.BooleanField(
        required=False, help_text="The answer to the brand's marketing opt-in; false also stops service notices",
    )


class AccountUserOutput(serializers.Serializer):
    id = serializers.CharField(help_text="usr_...")
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.DictField()
    role = serializers.CharField(help_text="customer, agent or admin")
    email_verified = serializers.BooleanField()
    pending_email = serializers.EmailField(allow_null=True)
    tenant = serializers.CharField(help_text="The brand's slug")
    language = serializers.CharField(help_text="The account's chosen language (en, de, fr, es), or empty: none chosen")


class AccountMeOutput(AccountUserOutput):
    warranty_count = serializers.IntegerField(help_text="Warranties this account owns")
    marketing_consent = serializers.BooleanField(help_text="The account's latest answer to the brand's opt-in was yes")
    marketing_consent_text = serializers.CharField(help_text="The opt-in's wording, in the request's language")


class AccountSessionOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    user = AccountUserOutput()


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class StatusOutput(serializers.Serializer):
    status = serializers.CharField()


class StaffInviteInput(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=StaffRole.choices)


class StaffInvitationAcceptInput(serializers.Serializer):
    token = serializers.CharField(max_length=512, help_text="From the invitation email's link.")


class StaffInvitationAcceptOutput(serializers.Serializer):
    status = serializers.CharField(help_text="invitation_accepted")
    tenant = serializers.CharField(help_text="The brand's slug")
    email = serializers.EmailField(help_text="The account that joined the brand's staff")
    role = serializers.CharField(help_text="admin or agent")


class StaffUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=StaffRole.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class StaffMemberOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="user.public_id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.full_name")
    is_active = serializers.SerializerMethodField(help_text="The membership gives access now")
    invited = serializers.SerializerMethodField(help_text="True until the person has chosen a password")
    invitation_pending = serializers.SerializerMethodField(
        help_text="An existing account added here: true until it accepts the emailed invitation (no access until then)"
    )

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "is_active", "invited", "invitation_pending", "created_at"]

    def get_is_active(self, membership: Membership) -> bool:
        return membership.is_active and not membership.is_pending and membership.user.is_active

    def get_invitation_pending(self, membership: Membership) -> bool:
        return membership.is_pending

    def get_invited(self, membership: Membership) -> bool:
        return not membership.user.has_usable_password()


def account_user_data(*, user: User, tenant: Tenant, role: str) -> dict:
    return {
        "id": user.public_id,
        "email": user.email,
        "name": user.full_name,
        "phone": user.phone,
        "address": user.address,
        "role": role,
        "email_verified": user.email_verified,
        "pending_email": user.pending_email or None,
        "tenant": tenant.slug,
        "language": user.language,
    }


class ConsentCustomerOutput(serializers.Serializer):
    id = serializers.CharField(help_text="cus_...")
    email = serializers.EmailField()
    name = serializers.CharField()


class MarketingConsentOutput(serializers.Serializer):
    id = serializers.CharField(help_text="cns_...")
    customer = ConsentCustomerOutput()
    granted = serializers.BooleanField(help_text="true: opted in; false: withdrawn")
    text = serializers.CharField(help_text="The wording shown next to the checkbox")
    text_version = serializers.CharField(help_text="A digest naming that wording")
    language = serializers.CharField()
    source = serializers.ChoiceField(choices=["registration", "sign_up", "account"])
    email_confirmed = serializers.BooleanField(help_text="The email's owner had confirmed it when answering")
    at = serializers.DateTimeField(source="created_at")
