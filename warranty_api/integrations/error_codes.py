"""The error codes of the outside systems' clients; a purchase check's failure reaches the API with them."""

from __future__ import annotations

from enum import StrEnum


class ShopifyErrorCode(StrEnum):
    SHOPIFY_ERROR = "shopify_error"
    SHOPIFY_UNAVAILABLE = "shopify_unavailable"
    SHOPIFY_TIMEOUT = "shopify_timeout"
    SHOPIFY_THROTTLED = "shopify_throttled"
    SHOPIFY_AUTH_FAILED = "shopify_auth_failed"
    SHOPIFY_BAD_CONFIG = "shopify_bad_config"
