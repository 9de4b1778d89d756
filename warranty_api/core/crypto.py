"""Encryption of secrets kept in the database (integration tokens), with keys from the environment.

`FIELD_ENCRYPTION_KEY` holds one or more Fernet keys, comma separated: the first encrypts, all decrypt, so a
key can be rotated by putting the new one first. Without it (development and tests only) a key is derived from
SECRET_KEY; production settings refuse to start without it, since rotating SECRET_KEY would otherwise make
every stored token unreadable.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored value was encrypted with a key that is no longer configured."""


def _keys() -> list[bytes]:
    configured = [k.strip() for k in (getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "").split(",") if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    digest = hashlib.sha256(b"aftersale-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest)]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("The stored secret cannot be decrypted with the configured keys.") from exc
