"""The one stored form of an email address, shared by accounts, rate limits and every lookup by email."""

from __future__ import annotations

import unicodedata

# Erased people keep a tombstone address here. RFC 2606: a name that can never receive mail.
ERASED_DOMAIN = "erased.invalid"


def normalize_email(email: str) -> str:
    """The one form of an email address that is stored, looked up, kept unique and keyed on (rate limits, the
    sign-in lockout), whatever path it came by.

    NFKC folds the compatibility look-alikes into the letter they stand for (long s U+017F to `s`, the Kelvin
    sign to `K`, fullwidth letters to ASCII), then the address is lower-cased. Lookups are exact on this form,
    so no database's own case folding (PostgreSQL's `UPPER()` folds the long s to `S`) can make two spellings
    reach one account.
    """
    if not isinstance(email, str):
        return ""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email).strip().lower())


def is_erased_email(address: str) -> bool:
    """A tombstone's address: no message is ever queued to it."""
    return normalize_email(address).endswith("@" + ERASED_DOMAIN)
