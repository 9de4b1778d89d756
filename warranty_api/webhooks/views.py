"""Webhook endpoints: app subscriptions and the inventory integration (admin), and the inventory system's events."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from warranty_api.core.pagination import paginate
from warranty_api.core.permissions import IsTenantAdmin
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.webhooks import services as services
from warranty_api.webhooks.filters import WebhookDeliveryListParameters, WebhookEndpointListParameters
from warranty_api.webhooks.selectors import (
    inventory_endpoint_get,
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from warranty_api.webhooks.serializers import (
    InventoryIntegrationInput,
    InventoryIntegrationOutput,
    WebhookDeliveryOutput,
    WebhookEndpointCreatedOutput,
    WebhookEndpointCreateInput,
    WebhookEndpointOutput,
    WebhookEndpointPatchInput,
    inventory_integration_data,
)

_SIGNING = (
    "Every webhook is a JSON POST signed with HMAC-SHA256: header `Aftersale-Signature: t=<unix seconds>,"
    "v1=<hex HMAC of \"<t>.<raw body>\">` keyed with the endpoint's secret, plus `Aftersale-Event-Id` (the "
    "same on every retry: de-duplicate on it), `Aftersale-Event-Type` and `Aftersale-Delivery-Id`. Body: "
    "`{\"id\": \"evt_...\", \"type\": \"...\", \"created_at\": \"...Z\", \"tenant\": \"<slug>\", \"data\": {...}}`. "
    "Answer 2xx to acknowledge; anything else (or no answer within the timeout) is retried with back-off, "
    "and events of one claim arrive in order."
)




class InventoryIntegrationView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_inventory_integration_get",
        summary="The brand's inventory system endpoint (the secret is never shown)",
        responses={200: InventoryIntegrationOutput},
    )
    def get(self, request, tenant: str):
        return ok(inventory_integration_data(inventory_endpoint_get(tenant=self.tenant), self.tenant))

    @extend_schema(
        operation_id="admin_inventory_integration_put",
        summary="Set the inventory system's endpoint and shared secret",
        description="While `enabled`, each new fulfillment (return authorization, replacement, repair, refund) is "
        "sent to `url` as a signed `fulfillment.requested` webhook, and a cancellation as "
        "`fulfillment.cancelled`; the inventory system reports progress to `inbound_url`, signed with the same "
        "secret. `secret` may be omitted to keep the stored one. " + _SIGNING,
        request=InventoryIntegrationInput,
        responses={200: InventoryIntegrationOutput},
    )
    def put(self, request, tenant: str):
        data = validated(InventoryIntegrationInput, request.data, only_declared=True)
        endpoint = services.inventory_integration_save(tenant=self.tenant, **data)
        return ok(inventory_integration_data(endpoint, self.tenant))


class WebhookEndpointListView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    filterset_class = WebhookEndpointListParameters
    refuses_unknown_fields = True  # for the OpenAPI schema: the body is `validated(..., only_declared=True)`

    @extend_schema(
        operation_id="admin_webhooks_list",
        summary="The brand's webhook subscriptions",
        responses={200: WebhookEndpointOutput(many=True)},
    )
    def get(self, request, tenant: str):
        return paginate(self, webhook_endpoint_list(tenant=self.tenant), WebhookEndpointOutput)

    @extend_schema(
        operation_id="admin_webhooks_create",
        summary="Subscribe a URL to events",
        description="Events: " + ", ".join(f"`{e}`" for e in services.EVENT_TYPES) + ", or `[\"*\"]`. The "
        "answer carries `secret`, the signing secret, this once only. URLs must be https and public. " + _SIGNING,
        request=WebhookEndpointCreateInput,
        responses={201: WebhookEndpointCreatedOutput},
    )
    def post(self, request, tenant: str):
        data = validated(WebhookEndpointCreateInput, request.data, only_declared=True)
        endpoint, secret = services.webhook_endpoint_create(tenant=self.tenant, **data)
        return ok({**WebhookEndpointOutput(endpoint).data, "secret": secret}, status=201)


class WebhookEndpointDetailView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(operation_id="admin_webhooks_retrieve", summary="One webhook subscription",
                   responses={200: WebhookEndpointOutput})
    def get(self, request, tenant: str, endpoint_id: str):
        return ok(WebhookEndpointOutput(webhook_endpoint_get(tenant=self.tenant, endpoint_id=endpoint_id)).data)

    @extend_schema(
        operation_id="admin_webhooks_update",
        summary="Change a subscription's URL, events or enabled flag",
        description="A disabled endpoint keeps its queued deliveries; they go, in order, once it is enabled again.",
        request=WebhookEndpointPatchInput,
        responses={200: WebhookEndpointOutput},
    )
    def patch(self, request, tenant: str, endpoint_id: str):
        data = validated(WebhookEndpointPatchInput, request.data, only_declared=True)
        endpoint = services.webhook_endpoint_update(tenant=self.tenant, endpoint_id=endpoint_id, **data)
        return ok(WebhookEndpointOutput(endpoint).data)

    @extend_schema(operation_id="admin_webhooks_delete", summary="Remove a subscription and its delivery log",
                   responses={204: None})
    def delete(self, request, tenant: str, endpoint_id: str):
        services.webhook_endpoint_delete(tenant=self.tenant, endpoint_id=endpoint_id)
        return Response(status=204)


class WebhookDeliveryListView(TenantAPIView):
    permission_classes = [IsTenantAdmin]
    filterset_class = WebhookDeliveryListParameters

    @extend_schema(
        operation_id="admin_webhook_deliveries_list",
        summary="An endpoint's delivery log, newest first",
        description="Works for an app subscription and for the inventory endpoint (its id is in "
        "`GET .../admin/integrations/inventory`).",
        responses={200: WebhookDeliveryOutput(many=True)},
    )
    def get(self, request, tenant: str, endpoint_id: str):
        endpoint = webhook_endpoint_get(tenant=self.tenant, endpoint_id=endpoint_id, any_purpose=True)
        rows = webhook_delivery_list(tenant=self.tenant, endpoint=endpoint, status=request.query_params.get("status"))
        return paginate(self, rows, WebhookDeliveryOutput, ordering=("-created_at", "-id"))


class WebhookDeliveryRetryView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_webhook_delivery_retry",
        summary="Send a delivery again now, with a fresh set of attempts",
        description="409 `delivery_already_delivered` for a delivered one, `delivery_in_progress` while it is "
        "being sent. It still waits for earlier undelivered deliveries of its claim.",
        request=None,
        responses={202: WebhookDeliveryOutput},
    )
    def post(self, request, tenant: str, endpoint_id: str, delivery_id: str):
        endpoint = webhook_endpoint_get(tenant=self.tenant, endpoint_id=endpoint_id, any_purpose=True)
        services.webhook_delivery_retry(tenant=self.tenant, endpoint_id=endpoint.pk, delivery_id=delivery_id)
        row = webhook_delivery_get(tenant=self.tenant, endpoint=endpoint, delivery_id=delivery_id)
        return ok(WebhookDeliveryOutput(row).data, status=202)
