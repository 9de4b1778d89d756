"""Tenant-scoped reads for webhooks: endpoints, the inventory endpoint, and an endpoint's delivery log."""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from warranty_api.core.exceptions import NotFound
from warranty_api.tenancy.models import Tenant
from warranty_api.webhooks.models import WebhookDelivery, WebhookEndpoint


def inventory_endpoint_get(*, tenant: Tenant) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(tenant=tenant, purpose=WebhookEndpoint.Purpose.INVENTORY).first()


def webhook_endpoint_list(*, tenant: Tenant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(tenant=tenant, purpose=WebhookEndpoint.Purpose.APP)


def webhook_endpoint_get(*, tenant: Tenant, endpoint_id: str, any_purpose: bool = False) -> WebhookEndpoint:
    rows = WebhookEndpoint.objects.filter(tenant=tenant, pk=endpoint_id)
    if not any_purpose:
        rows = rows.filter(purpose=WebhookEndpoint.Purpose.APP)
    endpoint = rows.first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def webhook_delivery_list(*, tenant: Tenant, endpoint: WebhookEndpoint, status: str | None = None) -> QuerySet:
    """An endpoint's deliveries, with whether each waits for an earlier one (one subquery, not one per row)."""
    earlier = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"), ordering_key=OuterRef("ordering_key"), id__lt=OuterRef("id")
    ).exclude(status=WebhookDelivery.Status.DELIVERED)
    rows = (
        WebhookDelivery.objects.filter(tenant=tenant, endpoint=endpoint)
        .defer("body")
        .annotate(
            waiting_for_earlier=ExpressionWrapper(
                Q(status=WebhookDelivery.Status.QUEUED) & ~Q(ordering_key="") & Exists(earlier),
                output_field=BooleanField(),
            )
        )
    )
    if status:
        rows = rows.filter(status__in=[s for s in status.split(",") if s])
    return rows


def webhook_delivery_get(*, tenant: Tenant, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    row = webhook_delivery_list(tenant=tenant, endpoint=endpoint).filter(public_id=delivery_id).first()
    if row is None:
        raise NotFound()
    return row


def webhook_deliveries_in_trouble(*, tenant: Tenant, status: str | None = None, limit: int = 25) -> list[WebhookDelivery]:
    """The brand's deliveries, to any endpoint, that failed for good or wait for another attempt after a failed one
    (or a lost worker), newest first: the outbox screen's third kind of work beside emails and purchase checks."""
    D = WebhookDelivery.Status
    trouble = Q(pk__in=[])
    if status in (None, "failed"):
        trouble |= Q(status=D.FAILED)
    if status in (None, "retrying"):
        trouble |= Q(status=D.QUEUED, attempts__gt=0) | Q(status=D.SENDING, lease_until__lt=timezone.now())
    rows = (WebhookDelivery.objects.filter(trouble, tenant=tenant).select_related("endpoint").defer("body")
            .order_by("-created_at", "-id"))
    return list(rows[:limit])
