"""The workspace's Wagtail hooks: the brand switch and its sidebar item, the screens, the dashboard panel."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks

from warranty_api.workspace.claims_views import ClaimsViewSet, dashboard_panels
from warranty_api.workspace.menu import BrandMenuItem
from warranty_api.workspace.outbox_views import OutboxViewSet
from warranty_api.workspace.views import BrandSwitchView
from warranty_api.workspace.warranty_views import WarrantiesViewSet


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
def outbox_viewset():
    return OutboxViewSet()


hooks.register("construct_homepage_panels", dashboard_panels)
