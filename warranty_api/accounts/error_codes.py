"""Every error code the accounts domain answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class AccountErrorCode(StrEnum):
    EMAIL_ALREADY_REGISTERED = "email_already_registered"
    EMAIL_ALREADY_VERIFIED = "email_already_verified"
    TOKEN_EXPIRED = "token_expired"
    ALREADY_STAFF = "already_staff"
    LAST_ADMIN = "last_admin"
    # A sign-in locked after failed passwords answers the frame's own 429 code.
    SIGN_IN_LOCKED = "rate_limited"
