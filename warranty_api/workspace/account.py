"""The password panel of Wagtail's account settings, checked by the accounts service like every other way in.

Wagtail's own panel checks the current password with `User.check_password`, outside the lockout that the API's
sign-in and change-password and the admin's sign-in share; this one asks `credentials_check`, and the change
itself is `password_change`, so it also ends the account's API sessions.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from wagtail.admin.views.account import ChangePasswordPanel

from warranty_api.accounts.services import SignInLocked, credentials_check, password_change
from warranty_api.core.exceptions import ValidationFailed


class GuardedPasswordChangeForm(PasswordChangeForm):
    def clean_old_password(self):
        old_password = self.cleaned_data.get("old_password")
        user = self.user
        try:
            matched = credentials_check(
                email=user.email or user.get_username(), password=old_password, account_of=lambda _email: user
            )
        except SignInLocked as locked:
            raise forms.ValidationError(
                f"Too many attempts; try again in {locked.wait} seconds.", code="locked"
            ) from None
        if matched is None:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def save(self, commit=True):
        try:
            password_change(
                user=self.user,
                current_password=self.cleaned_data["old_password"],
                new_password=self.cleaned_data["new_password1"],
            )
        except ValidationFailed:
            # Checked already in clean(); a second refusal here would only come from a race with another change.
            raise forms.ValidationError("The password could not be changed; try again.") from None
        # The service changed its own copy of the row; this one is the request's user, whose new hash keeps the
        # admin session signed in (Wagtail calls update_session_auth_hash with it next).
        self.user.refresh_from_db()
        return self.user


class GuardedChangePasswordPanel(ChangePasswordPanel):
    form_class = GuardedPasswordChangeForm

    def is_active(self):
        return self.user.has_usable_password()
