"""Shapes of the webhook and inventory integration endpoints. Secrets are write-only, except once at creation."""

from rest_framework import serializers

from warranty_api.webhooks.services import EVENT_TYPES


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


class InventoryIntegrationInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="Where fulfillment requests are POSTed (https).")
    secret = serializers.CharField(
        max_length=200, required=False, write_only=True,
        help_text="Shared HMAC secret for both directions; omit to keep the stored one. Never returned.",
    )
    enabled = serializers.BooleanField(required=False, default=True)


class InventoryIntegrationOutput(serializers.Serializer):
    configured = serializers.BooleanField()
    id = serializers.CharField(allow_null=True, help_text="The endpoint id, for its delivery log.")
    url = serializers.CharField(allow_null=True)
    enabled = serializers.BooleanField()
    has_secret = serializers.BooleanField()
    inbound_url = serializers.CharField(help_text="Where the inventory system POSTs its events.")
    updated_at = serializers.DateTimeField(allow_null=True)


def inventory_integration_data(endpoint, tenant) -> dict:
    return {
        "configured": endpoint is not None,
        "id": endpoint.pk if endpoint else None,
        "url": endpoint.url if endpoint else None,
        "enabled": bool(endpoint and endpoint.enabled),
        "has_secret": bool(endpoint and endpoint.has_secret),
        "inbound_url": f"/api/{tenant.slug}/integrations/inventory/events",
        "updated_at": _iso(endpoint.updated_at) if endpoint else None,
    }


class WebhookEndpointCreateInput(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(
        child=serializers.CharField(max_length=40), help_text=f"Any of {', '.join(EVENT_TYPES)}; or [\"*\"]."
    )
    enabled = serializers.BooleanField(required=False, default=True)


class WebhookEndpointPatchInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    enabled = serializers.BooleanField(required=False)


class WebhookEndpointOutput(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, endpoint):
        return {
            "id": endpoint.pk,
            "url": endpoint.url,
            "events": list(endpoint.events),
            "enabled": endpoint.enabled,
            "created_at": _iso(endpoint.created_at),
            "updated_at": _iso(endpoint.updated_at),
        }


class WebhookEndpointCreatedOutput(WebhookEndpointOutput):
    secret = serializers.CharField(help_text="The signing secret: shown in this response only, never again.")


class WebhookDeliveryOutput(serializers.Serializer):
    id = serializers.CharField()
    event_id = serializers.CharField()
    event_type = serializers.CharField()
    ordering_key = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["queued", "sending", "delivered", "failed"])
    attempts = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    waiting_for_earlier = serializers.BooleanField(
        help_text="Queued behind an earlier delivery of the same ordering key that is not delivered yet."
    )
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, row):
        return {
            "id": row.public_id,
            "event_id": row.event_id,
            "event_type": row.event_type,
            "ordering_key": row.ordering_key or None,
            "status": row.status,
            "attempts": row.attempts,
            "max_attempts": row.max_attempts,
            "response_code": row.response_code,
            "last_error": row.last_error or None,
            "waiting_for_earlier": bool(getattr(row, "waiting_for_earlier", False)),
            "created_at": _iso(row.created_at),
            "last_attempt_at": _iso(row.last_attempt_at),
            "next_attempt_at": _iso(row.next_attempt_at) if row.status == "queued" else None,
            "delivered_at": _iso(row.delivered_at),
        }


class InventoryEventAcceptedOutput(serializers.Serializer):
    event_id = serializers.CharField()
    fulfillment_id = serializers.CharField()
    fulfillment_status = serializers.CharField()
