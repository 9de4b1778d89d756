"""The inventory integration: where an approved claim's return, replacement, repair or refund is carried out.

One small interface, `InventoryBackend`. The built-in `LocalInventoryBackend` keeps the work as Fulfillment
rows that staff update through the admin API; `WebhookInventoryBackend` sends each request to the brand's
inventory system as a signed webhook (warranty_api/webhooks/services.py), and the system reports progress back
through `POST /api/<tenant>/integrations/inventory/events` (`claims/inventory_events.py`). The backend is chosen
per tenant: "webhook" while the tenant's inventory integration is enabled (admin API), otherwise "local".
"""

from __future__ import annotations

from typing import Protocol

from warranty_api.claims.models import Fulfillment
from warranty_api.claims.payloads import fulfillment_request_payload
from warranty_api.tenancy.models import Tenant
from warranty_api.webhooks.models import WebhookEndpoint
from warranty_api.webhooks.services import inventory_event_send


class InventoryBackend(Protocol):
    name: str

    def request_fulfillment(self, fulfillment: Fulfillment) -> str:
        """Ask the inventory system to carry out `fulfillment`; answer its reference there. Safe to call twice."""

    def cancel(self, fulfillment: Fulfillment) -> None:
        """Tell the inventory system the work is no longer wanted."""


class LocalInventoryBackend:
    """No outside system: the Fulfillment rows are the records, and staff move them along by hand."""

    name = "local"

    def request_fulfillment(self, fulfillment: Fulfillment) -> str:
        return f"local:{fulfillment.id}"

    def cancel(self, fulfillment: Fulfillment) -> None:
        return None


class WebhookInventoryBackend:
    """The brand's own inventory system, reached by signed webhooks.

    `request_fulfillment` only writes a delivery row (no network), so the claims service calls it inside the
    transaction that approves the claim: the request is durable the moment the approval commits, and is sent
    after it, in order with the claim's other requests.
    """

    name = "webhook"
    in_transaction = True

    def request_fulfillment(self, fulfillment: Fulfillment) -> str:
        delivery = inventory_event_send(
            tenant=fulfillment.tenant,
            event_type="fulfillment.requested",
            payload=fulfillment_request_payload(fulfillment),
            ordering_key=fulfillment.claim_id,
        )
        return f"webhook:{delivery.event_id}"

    def cancel(self, fulfillment: Fulfillment) -> None:
        inventory_event_send(
            tenant=fulfillment.tenant,
            event_type="fulfillment.cancelled",
            payload=fulfillment_request_payload(fulfillment),
            ordering_key=fulfillment.claim_id,
        )


BACKENDS: dict[str, type] = {"local": LocalInventoryBackend, "webhook": WebhookInventoryBackend}


def inventory_backend_for(tenant: Tenant) -> InventoryBackend:
    if WebhookEndpoint.objects.filter(tenant_id=tenant.pk, purpose=WebhookEndpoint.Purpose.INVENTORY, enabled=True).exists():
        return WebhookInventoryBackend()
    return LocalInventoryBackend()


def inventory_backend_of(fulfillment: Fulfillment) -> InventoryBackend:
    """The backend that took `fulfillment`: a cancellation goes where the request went."""
    cls = BACKENDS.get(fulfillment.backend)
    return cls() if cls is not None else inventory_backend_for(fulfillment.tenant)
