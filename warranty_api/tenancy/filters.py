"""The query parameters of the brand's configuration history (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import Paginated, choices
from warranty_api.tenancy.models import ConfigChange


class ConfigChangeListParameters(Paginated):
    target = django_filters.ChoiceFilter(choices=choices(ConfigChange.Target.values),
                                         help_text="settings, category or product")
