"""Wagtail's admin sign-in and password-reset forms, held to the limits of the API's own ways into an account."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms.auth import LoginForm, PasswordResetForm

from warranty_api.accounts.selectors import staff_accounts_for_reset
from warranty_api.core.emails import normalize_email
from warranty_api.core.throttles import auth_budgets_wait

_WAIT_MESSAGE = "Too many attempts for this account; try again in %(wait)s seconds or reset the password."


class AdminLoginForm(LoginForm):
    """Says when a limit, not the password, refused the sign-in (the backend leaves the wait on the request)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff sign in with their email (the username is an internal key they never see).
        field = self.fields["username"]
        field.label = "Email"
        field.widget.attrs.update({"placeholder": "Enter your email", "autocomplete": "email"})

    def get_invalid_login_error(self):
        wait = getattr(self.request, "sign_in_wait", 0)
        if wait:
            return forms.ValidationError(_WAIT_MESSAGE, code="rate_limited", params={"wait": wait})
        return forms.ValidationError("Your email and password didn't match. Please try again.", code="invalid_login")


class AdminPasswordResetForm(PasswordResetForm):
    """Staff accounts only, found by their normalised email, within the API's forgot-password budgets.

    Django's form matches `email__iexact` over every account, customers included, and has no limit. Over a
    budget nothing is sent; the page answers as it always does (it never says whether an account exists).
    """

    def get_users(self, email):
        return staff_accounts_for_reset(normalize_email(email))

    def save(self, *args, request=None, **kwargs):
        if request is not None and auth_budgets_wait(request, email=self.cleaned_data["email"], action="forgot_password"):
            return
        super().save(*args, request=request, **kwargs)
