"""The query parameters of the QR codes and the registration funnel (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import QueryParameters, choices
from warranty_api.labels.selectors import FUNNEL_GROUPS


class QrCodeParameters(QueryParameters):
    format = django_filters.ChoiceFilter(
        choices=choices(["svg", "png"]), help_text="`svg` (the default, in mm at print size) or `png` (8 px a module)"
    )


class FunnelParameters(QueryParameters):
    by = django_filters.ChoiceFilter(choices=choices(FUNNEL_GROUPS), help_text="Group by (default `sku`)")
    # `from` is a Python keyword, so it is put in the class body's namespace by name.
    locals()["from"] = django_filters.DateFilter(help_text="First day (default: 30 days before `to`)")
    to = django_filters.DateFilter(help_text="Last day, inclusive (default: today)")
