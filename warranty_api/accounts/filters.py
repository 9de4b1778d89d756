"""The query parameters of the account lists (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import Paginated


class ConsentLogParameters(Paginated):
    granted = django_filters.BooleanFilter(help_text="Only grants (true) or only withdrawals (false)")


class StaffListParameters(Paginated):
    pass
