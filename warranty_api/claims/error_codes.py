"""Every error code the claims domain answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class ClaimErrorCode(StrEnum):
    CLAIM_ALREADY_OPEN = "claim_already_open"
    CLAIM_CLOSED = "claim_closed"
    INVALID_TRANSITION = "invalid_transition"
    FULFILLMENT_INCOMPLETE = "fulfillment_incomplete"
    RESOLUTION_NOT_ALLOWED = "resolution_not_allowed"
    # The staff review screen: the claim moved on since the page was drawn.
    CLAIM_CHANGED = "claim_changed"
    # Why a warranty cannot take a claim.
    WARRANTY_EXPIRED = "warranty_expired"
    WARRANTY_VOID = "warranty_void"
    WARRANTY_TRANSFERRED = "warranty_transferred"
    WARRANTY_PENDING_VERIFICATION = "warranty_pending_verification"
    # The inventory system's signed events.
    SIGNATURE_INVALID = "signature_invalid"
    EVENT_REPLAYED = "event_replayed"
    EVENT_KIND_MISMATCH = "event_kind_mismatch"
