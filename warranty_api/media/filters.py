"""The query parameters of serving an upload (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import QueryParameters, choices


class MediaFileParameters(QueryParameters):
    size = django_filters.ChoiceFilter(
        choices=choices(["thumb", "full"]),
        help_text="`thumb`: the 400px JPEG thumbnail; `full` (the default): the file",
    )
