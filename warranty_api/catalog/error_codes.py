"""Every error code the catalog answers (the JSON carries the value)."""

from __future__ import annotations

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    CATEGORY_EXISTS = "category_exists"
    CATEGORY_IN_USE = "category_in_use"
    PRODUCT_SKU_EXISTS = "product_sku_exists"
    PRODUCT_GTIN_EXISTS = "product_gtin_exists"
    PRODUCT_IN_USE = "product_in_use"
