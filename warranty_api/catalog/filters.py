"""The query parameters of the catalog lists (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import Paginated


class ProductListParameters(Paginated):
    category = django_filters.CharFilter(help_text="A category slug")
    search = django_filters.CharFilter(help_text="Part of a name, or an exact SKU")


class AdminCategoryListParameters(Paginated):
    pass


class AdminProductListParameters(ProductListParameters):
    is_active = django_filters.ChoiceFilter(choices=[("true", "true"), ("false", "false")])
