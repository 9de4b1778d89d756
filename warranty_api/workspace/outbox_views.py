"""The outbox's health in the admin: the brand's emails, Shopify checks and webhook deliveries that failed or wait
for a retry.

Emails and checks are read through the outbox selector the API's admin endpoint uses, deliveries through the
webhooks package's; retries go through the same services as the API's, and, as in the API, only a brand's admin
may retry (agents see the lists).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import urlencode

from warranty_api.core.error_codes import CoreErrorCode
from warranty_api.core.exceptions import ApiError
from warranty_api.core.roles import Role
from warranty_api.notifications.selectors import OUTBOX_KINDS, OUTBOX_STATUSES, PURCHASE_VERIFICATION, outbox_list
from warranty_api.notifications.services import outbox_notification_retry
from warranty_api.verification.services import purchase_verification_retry
from warranty_api.webhooks.selectors import webhook_deliveries_in_trouble
from warranty_api.webhooks.services import webhook_delivery_retry
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import WorkspaceScreen

WEBHOOK_DELIVERY = "webhook_delivery"


class OutboxView(WorkspaceScreen):
    area = Area.OUTBOX
    page_title = "Outbox"
    header_icon = "mail"
    template_name = "workspace/outbox/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        status, kind = params.get("status") or None, params.get("kind") or None
        refusal, page, deliveries = "", None, []
        try:
            if kind != WEBHOOK_DELIVERY:
                page = outbox_list(tenant=self.tenant, status=status, kind=kind, cursor=params.get("cursor") or None)
            if kind in (None, WEBHOOK_DELIVERY) and status in (None, *OUTBOX_STATUSES) and not params.get("cursor"):
                deliveries = webhook_deliveries_in_trouble(tenant=self.tenant, status=status)
        except ApiError as error:
            refusal = " ".join([error.message, *(i["message"] for v in (error.fields or {}).values() for i in v)])
        older = None
        if page and page.next_cursor:
            older = "?" + urlencode({k: v for k, v in {"status": status, "kind": kind, "cursor": page.next_cursor}.items()
                                     if v})
        context.update(items=page.items if page else [], older=older, refusal=refusal, status=status or "",
                       kind=kind or "", statuses=OUTBOX_STATUSES, kinds=(*OUTBOX_KINDS, WEBHOOK_DELIVERY),
                       deliveries=deliveries, webhook_delivery=WEBHOOK_DELIVERY,
                       may_retry=self.role == Role.ADMIN, purchase_verification=PURCHASE_VERIFICATION)
        return context

    def post(self, request, *args, **kwargs):
        # The API's retry endpoints are for a brand's admins; the admin follows them.
        if self.role != Role.ADMIN:
            raise PermissionDenied
        item_type, item_id = request.POST.get("type", ""), request.POST.get("id", "")
        try:
            if item_type == "notification":
                outbox_notification_retry(tenant=self.tenant, notification_id=item_id)
            elif item_type == PURCHASE_VERIFICATION:
                purchase_verification_retry(tenant=self.tenant, warranty_id=item_id, actor=request.user)
            elif item_type == WEBHOOK_DELIVERY:
                webhook_delivery_retry(tenant=self.tenant, endpoint_id=request.POST.get("endpoint", ""),
                                       delivery_id=item_id)
            else:
                raise ApiError("Choose an email, a purchase check or a webhook delivery to retry.",
                               code=CoreErrorCode.VALIDATION_ERROR, status=400)
        except ApiError as error:
            if error.status_code == 404:
                raise Http404 from None
            messages.error(request, error.message)
            return HttpResponseRedirect(reverse("workspace_outbox:index"))
        messages.success(request, "Sent for another attempt now.")
        return HttpResponseRedirect(reverse("workspace_outbox:index"))


class OutboxViewSet(WorkspaceViewSet):
    name = "workspace_outbox"
    url_prefix = "outbox"
    area = Area.OUTBOX
    icon = "mail"
    menu_label = "Outbox"
    menu_name = "outbox"
    menu_order = 4

    def get_urlpatterns(self):
        return [path("", OutboxView.as_view(), name="index")]
