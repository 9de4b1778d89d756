"""Every error code the warranties domain answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class WarrantyErrorCode(StrEnum):
    SERIAL_INVALID_FORMAT = "serial_invalid_format"
    SERIAL_UNKNOWN = "serial_unknown"
    SERIAL_AMBIGUOUS = "serial_ambiguous"
    SERIAL_ALREADY_REGISTERED = "serial_already_registered"
    INVALID_TRANSITION = "invalid_transition"
    WARRANTY_EXPIRED = "warranty_expired"
    WARRANTY_NOT_TRANSFERABLE = "warranty_not_transferable"
    TRANSFER_ALREADY_PENDING = "transfer_already_pending"
    EMAIL_NOT_VERIFIED = "email_not_verified"
