"""The Shopify connection in Wagtail's admin (brand admins): link the store, choose the verification mode, and
"test connection", which asks the store for its name and keeps the result.

The same services as `.../admin/integrations/shopify` and its `test`: the token is write-only (the screen shows
its last four characters), and a relinked store forgets the last test.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from warranty_api.core.exceptions import ApiError
from warranty_api.tenancy.models import VerificationMode
from warranty_api.verification.selectors import shopify_connection_get
from warranty_api.verification.services import shopify_connection_save, shopify_connection_test
from warranty_api.workspace.menu import WorkspaceViewSet
from warranty_api.workspace.permissions import Area
from warranty_api.workspace.views import CONFIG_CSS, WorkspaceScreen, error_text, posted


class ShopifyConnectionView(WorkspaceScreen):
    area = Area.INTEGRATIONS
    template_name = "workspace/config/shopify.html"
    page_title = "Shopify connection"
    header_icon = "link"
    css = CONFIG_CSS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(connection=shopify_connection_get(tenant=self.tenant), modes=VerificationMode.choices,
                       verification=self.tenant.verification)
        return context

    def post(self, request, *args, **kwargs):
        action = posted(request, "action")
        try:
            if action == "test":
                connection = shopify_connection_test(tenant=self.tenant)
                messages.success(request, f"Connected to {connection.last_test_shop_name}.")
            else:
                shopify_connection_save(
                    tenant=self.tenant,
                    shop_domain=posted(request, "shop_domain") or None,
                    access_token=posted(request, "access_token") or None,
                    verification=posted(request, "verification") or None,
                )
                messages.success(request, "Shopify connection saved; test it to be sure it works.")
        except ApiError as error:
            messages.error(request, error_text(error))
        return HttpResponseRedirect(reverse("workspace_shopify:index"))


class ShopifyViewSet(WorkspaceViewSet):
    name = "workspace_shopify"
    url_prefix = "shopify"
    area = Area.INTEGRATIONS
    icon = "link"
    menu_label = "Shopify"
    menu_name = "shopify"
    menu_order = 40

    def get_urlpatterns(self):
        return [path("", ShopifyConnectionView.as_view(), name="index")]
