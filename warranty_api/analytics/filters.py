"""The query parameters of the analytics tables (core/filters.py); analytics/selectors.py reads their values."""

from __future__ import annotations

import django_filters

from warranty_api.analytics.selectors import DIMENSIONS, PERIODS
from warranty_api.core.filters import CommaSeparated, CsvExportable, choices


class FailureRateParameters(CsvExportable):
    by = django_filters.ChoiceFilter(choices=choices(DIMENSIONS), help_text="Default `sku`")
    # `from` is a Python keyword, so it is put in the class body's namespace by name.
    locals()["from"] = django_filters.DateFilter(help_text="Purchased on or after (YYYY-MM-DD)")
    to = django_filters.DateFilter(help_text="Purchased on or before (YYYY-MM-DD)")
    issue_type = CommaSeparated(help_text="One or more issue types, comma separated")
    min_units = django_filters.NumberFilter(help_text="Only groups with at least this many registered units")


class CycleTimeParameters(CsvExportable):
    period = django_filters.ChoiceFilter(choices=choices(PERIODS), help_text="Default `week`")
    locals()["from"] = django_filters.DateFilter(help_text="Default: 12 periods back")
    to = django_filters.DateFilter(help_text="Default: today")
