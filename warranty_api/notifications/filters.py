"""The query parameters of the staff outbox (core/filters.py)."""

from __future__ import annotations

import django_filters

from warranty_api.core.filters import CursorPaged, choices
from warranty_api.notifications.selectors import OUTBOX_KINDS, OUTBOX_STATUSES


class OutboxListParameters(CursorPaged):
    status = django_filters.ChoiceFilter(choices=choices(OUTBOX_STATUSES))
    kind = django_filters.ChoiceFilter(choices=choices(OUTBOX_KINDS))
