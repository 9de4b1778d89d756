"""The workspace's items in Wagtail's sidebar: the current brand (every screen shows it) and one item per area."""

from __future__ import annotations

from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem as LinkMenuItemComponent
from wagtail.admin.viewsets.base import ViewSet

from warranty_api.workspace.brand import brand_choices, current_brand
from warranty_api.workspace.permissions import may


class BrandMenuItem(MenuItem):
    """Names the brand the screens show; with two brands or more it leads to the switch."""

    def is_shown(self, request):
        return current_brand(request) is not None

    def render_component(self, request):
        access = current_brand(request)
        label = f"Brand: {access.tenant.name}" if access else "Brand"
        if len(brand_choices(request)) > 1:
            label += " (switch)"
        return LinkMenuItemComponent(self.name, label, self.url, icon_name=self.icon_name, classname=self.classname,
                                     attrs=self.attrs)


class AreaMenuItem(MenuItem):
    """Shown only to people whose role at the current brand covers the area."""

    area = ""

    def is_shown(self, request):
        return may(request, self.area)


class WorkspaceViewSet(ViewSet):
    """A group of workspace screens in one area, with its sidebar item shown to those who may use the area."""

    area = ""
    add_to_admin_menu = True

    @property
    def menu_item_class(self):
        return type(f"{type(self).__name__}MenuItem", (AreaMenuItem,), {"area": self.area})
