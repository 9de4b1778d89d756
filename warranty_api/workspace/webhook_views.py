"""App webhooks and the inventory connection in Wagtail's admin (brand admins): endpoints and their events, the
signing secret shown once (on creation and on rotation), recent deliveries with a retry, and the inventory
system's endpoint and shared secret.

All through the webhook services of the admin API (`.../admin/webhooks`, `.../admin/integrations/inventory`).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse

from warranty_api.core.exceptions import ApiError
from warranty_api.webhooks import services as services
from warranty_api.webhooks.selectors import (
    inventory_endpoint_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import CONFIG_CSS, WorkspaceScreen, error_text, posted

RECENT_DELIVERIES = 20
# The one-time secret travels from the action to the next page in the session, and is removed when shown.
SECRET_SESSION_KEY = "workspace_webhook_secret"


class WebhooksView(WorkspaceScreen):
    area = Area.INTEGRATIONS
    template_name = "workspace/config/webhooks.html"
    page_title = "Webhooks"
    header_icon = "link-external"
    css = CONFIG_CSS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        endpoints = list(webhook_endpoint_list(tenant=self.tenant).order_by("created_at", "id"))
        chosen = self.request.GET.get("endpoint")
        shown = None
        if chosen:
            try:
                shown = webhook_endpoint_get(tenant=self.tenant, endpoint_id=chosen, any_purpose=True)
            except ApiError:
                raise Http404 from None
        deliveries = (list(webhook_delivery_list(tenant=self.tenant, endpoint=shown)
                           .order_by("-created_at", "-id")[:RECENT_DELIVERIES]) if shown else [])
        secret = self.request.session.pop(SECRET_SESSION_KEY, None)
        context.update(endpoints=endpoints, inventory=inventory_endpoint_get(tenant=self.tenant), shown=shown,
                       deliveries=deliveries, event_types=services.EVENT_TYPES, secret=secret,
                       inbound_url=f"/api/{self.tenant.slug}/integrations/inventory/events")
        return context

    def post(self, request, *args, **kwargs):
        action = posted(request, "action")
        endpoint_id = posted(request, "endpoint")
        back = reverse("workspace_webhooks:index")
        try:
            if action == "create":
                events = [e for e in request.POST.getlist("events") if isinstance(e, str)]
                endpoint, secret = services.webhook_endpoint_create(tenant=self.tenant, url=posted(request, "url"),
                                                                    events=events)
                request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "url": endpoint.url, "secret": secret}
                done = "Endpoint added. Copy its signing secret now: it is not shown again."
            elif action == "rotate":
                endpoint, secret = services.webhook_endpoint_rotate_secret(tenant=self.tenant, endpoint_id=endpoint_id)
                request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "url": endpoint.url, "secret": secret}
                done = "New signing secret made; the old one no longer signs. Copy it now: it is not shown again."
            elif action in ("enable", "disable"):
                services.webhook_endpoint_update(tenant=self.tenant, endpoint_id=endpoint_id,
                                                 enabled=action == "enable")
                done = "Endpoint enabled: held deliveries go now." if action == "enable" else "Endpoint disabled."
            elif action == "delete":
                services.webhook_endpoint_delete(tenant=self.tenant, endpoint_id=endpoint_id)
                done = "Endpoint removed with its delivery log."
            elif action == "retry":
                services.webhook_delivery_retry(tenant=self.tenant, endpoint_id=endpoint_id,
                                                delivery_id=posted(request, "delivery"))
                done = "Delivery queued again."
                back += f"?endpoint={endpoint_id}"
            elif action == "inventory":
                services.inventory_integration_save(
                    tenant=self.tenant, url=posted(request, "url"), secret=posted(request, "secret") or None,
                    enabled=request.POST.get("enabled") == "on")
                done = "Inventory connection saved."
            else:
                raise Http404
        except ApiError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(back)


class WebhooksViewSet(WorkspaceViewSet):
    name = "workspace_webhooks"
    url_prefix = "webhooks"
    area = Area.INTEGRATIONS
    icon = "link-external"
    menu_label = "Webhooks and inventory"
    menu_name = "webhooks"
    menu_order = 41

    def get_urlpatterns(self):
        return [path("", WebhooksView.as_view(), name="index")]
