"""Wagtail finds hooks here: the staff workspace's frame and each domain's admin screens."""

from wagtail import hooks

from warranty_api.accounts.admin_views import StaffViewSet
from warranty_api.catalog.admin_views import CatalogViewSet
from warranty_api.claims.admin_views import ClaimsViewSet, dashboard_panels
from warranty_api.notifications.admin_views import EmailTemplatesViewSet
from warranty_api.tenancy.admin_views import ConfigurationViewSet
from warranty_api.verification.admin_views import ShopifyViewSet
from warranty_api.warranties.admin_views import serial_rules_urls
from warranty_api.webhooks.admin_views import WebhooksViewSet
from warranty_api.workspace import hooks as workspace_hooks  # noqa: F401


@hooks.register("register_admin_viewset")
def claims_viewset():
    return ClaimsViewSet()


hooks.register("construct_homepage_panels", dashboard_panels)


@hooks.register("register_admin_viewset")
def configuration_viewsets():
    return [ConfigurationViewSet(), CatalogViewSet(), EmailTemplatesViewSet(), StaffViewSet(), ShopifyViewSet(),
            WebhooksViewSet()]


hooks.register("register_admin_urls", serial_rules_urls)
