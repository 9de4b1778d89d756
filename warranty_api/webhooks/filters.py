"""The query parameters of the webhook lists (core/filters.py)."""

from __future__ import annotations

from warranty_api.core.filters import CommaSeparated, Paginated


class WebhookEndpointListParameters(Paginated):
    pass


class WebhookDeliveryListParameters(Paginated):
    status = CommaSeparated(help_text="One or more of queued, sending, delivered, failed")
