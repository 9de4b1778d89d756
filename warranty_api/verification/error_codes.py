"""Every error code the purchase check answers (the JSON carries the value); the Shopify client's own are
`integrations.shopify.ShopifyErrorCode`."""

from __future__ import annotations

from enum import StrEnum


class VerificationErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    VERIFICATION_OFF = "verification_off"
    VERIFICATION_OVERRIDDEN = "verification_overridden"
    VERIFICATION_IN_PROGRESS = "verification_in_progress"
    SHOPIFY_NOT_CONNECTED = "shopify_not_connected"
    # Recorded on a check whose worker died (the outbox and the warranty's detail), never raised.
    WORKER_LOST = "worker_lost"
