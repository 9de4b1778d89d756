"""The workspace frame's Wagtail hooks: the brand switch and its sidebar item (imported by `wagtail_hooks`)."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks

from .menu import BrandMenuItem
from .views import BrandSwitchView


@hooks.register("register_admin_urls")
def brand_urls():
    return [path("workspace/brand/", BrandSwitchView.as_view(), name="workspace_brand")]


@hooks.register("register_admin_menu_item")
def brand_menu_item():
    return BrandMenuItem("Brand", reverse("workspace_brand"), name="workspace-brand", icon_name="site", order=1)
