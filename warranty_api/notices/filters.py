"""The query parameters of the notices (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import Paginated, QueryParameters


class NoticeListParameters(Paginated):
    pass


class NoticeSendParameters(QueryParameters):
    dry_run = django_filters.BooleanFilter(help_text="Answer the reach and write nothing")
