"""The inventory integration: where an approved claim's return, replacement, repair or refund is carried out.

One small interface, `InventoryBackend`. The built-in `LocalInventoryBackend` keeps the work as Fulfillment
rows that staff update through the admin API; an external backend (a webhook to the brand's system) will
implement the same two methods. The backend is chosen per tenant by settings:
`INVENTORY_BACKENDS = {"<tenant slug>": "<name>"}`, falling back to `INVENTORY_BACKEND` (default "local").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.conf import settings

if TYPE_CHECKING:
    from ..models import Fulfillment, Tenant


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


BACKENDS: dict[str, type] = {"local": LocalInventoryBackend}


def inventory_backend_for(tenant: Tenant) -> InventoryBackend:
    per_tenant = getattr(settings, "INVENTORY_BACKENDS", {}) or {}
    name = per_tenant.get(tenant.slug) or getattr(settings, "INVENTORY_BACKEND", "local")
    try:
        return BACKENDS[name]()
    except KeyError:
        raise LookupError(f"Unknown inventory backend {name!r} for tenant {tenant.slug}") from None
