"""The workspace's Wagtail hooks: the brand switch and its sidebar item, the screens, the dashboard panel."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks

from warranty_api.workspace.account import GuardedChangePasswordPanel
from warranty_api.workspace.catalog_views import CatalogViewSet
from warranty_api.workspace.claims_views import ClaimsViewSet, dashboard_panels
from warranty_api.workspace.customer_views import CustomersViewSet
from warranty_api.workspace.email_views import EmailTemplatesViewSet
from warranty_api.workspace.menu import BrandMenuItem
from warranty_api.workspace.outbox_views import OutboxViewSet
from warranty_api.workspace.serial_rules_views import serial_rules_urls
from warranty_api.workspace.serial_views import SerialsViewSet
from warranty_api.workspace.settings_views import ConfigurationViewSet
from warranty_api.workspace.shopify_views import ShopifyViewSet
from warranty_api.workspace.staff_views import StaffViewSet
from warranty_api.workspace.views import BrandSwitchView
from warranty_api.workspace.warranty_views import WarrantiesViewSet
from warranty_api.workspace.webhook_views import WebhooksViewSet


@hooks.register("register_admin_urls")
def brand_urls():
    return [path("workspace/brand/", BrandSwitchView.as_view(), name="workspace_brand")]


@hooks.register("register_admin_menu_item")
def brand_menu_item():
    return BrandMenuItem("Brand", reverse("workspace_brand"), name="workspace-brand", icon_name="site", order=1)


@hooks.register("register_admin_viewset")
def claims_viewset():
    return ClaimsViewSet()


@hooks.register("register_admin_viewset")
def warranties_viewset():
    return WarrantiesViewSet()


@hooks.register("register_admin_viewset")
def customers_viewset():
    return CustomersViewSet()


@hooks.register("register_admin_viewset")
def serials_viewset():
    return SerialsViewSet()


@hooks.register("register_admin_viewset")
def outbox_viewset():
    return OutboxViewSet()


hooks.register("construct_homepage_panels", dashboard_panels)


@hooks.register("register_admin_viewset")
def configuration_viewsets():
    # The brand's set-up (admins): settings, catalog, email templates, staff, and the integrations.
    return [ConfigurationViewSet(), CatalogViewSet(), EmailTemplatesViewSet(), StaffViewSet(), ShopifyViewSet(),
            WebhooksViewSet()]


hooks.register("register_admin_urls", serial_rules_urls)


@hooks.register("register_account_settings_panel")
def password_panel(request, user, profile):
    return GuardedChangePasswordPanel(request, user, profile)
