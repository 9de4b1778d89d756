"""Every error code the webhooks package answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class WebhookErrorCode(StrEnum):
    TOO_MANY_WEBHOOKS = "too_many_webhooks"
    DELIVERY_ALREADY_DELIVERED = "delivery_already_delivered"
    DELIVERY_IN_PROGRESS = "delivery_in_progress"
