"""The serial rules in Wagtail's admin (brand admins): the brand's formats, the products' patterns, and a "test a
serial" box answering what registration would decide (a GET: it changes nothing). Registered under the
catalog's screens (`/admin/catalog/serial-rules/`), with the answer of `warranties.serial_rules`.
"""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import path, reverse

from warranty_api.catalog.models import Product
from warranty_api.catalog.serials import serial_format_hint
from warranty_api.core.exceptions import NotFound
from warranty_api.warranties.serial_rules import serial_rule_test
from warranty_api.workspace.catalog_views import CatalogScreen


class SerialRulesView(CatalogScreen):
    """The brand's formats and the products' patterns, and the "test a serial" box (a GET: it changes nothing)."""

    template_name = "workspace/config/serial_rules.html"
    page_title = "Serial rules"
    header_icon = "search"

    def get(self, request, *args, **kwargs):
        serial = request.GET.get("serial", "")
        result = None
        if isinstance(serial, str) and serial.strip() and len(serial) <= 100:
            try:
                result = serial_rule_test(tenant=self.tenant, serial_number=serial)
            except NotFound:
                result = None
        if request.GET.get("partial") == "1":
            return TemplateResponse(request, "workspace/config/_serial_result.html", {"result": result})
        context = self.get_context_data(serial=serial, result=result)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patterned = (Product.objects.filter(tenant=self.tenant, is_active=True).exclude(serial_pattern="")
                     .select_related("category").order_by("name"))
        context.update(
            formats=self.tenant.serial_formats, hint=serial_format_hint(self.tenant.serial_formats),
            patterned=list(patterned), require_known=self.tenant.require_known_serial,
            settings_url=reverse("workspace_config:settings"),
        )
        return context




def serial_rules_urls():
    return [path("catalog/serial-rules/", SerialRulesView.as_view(), name="workspace_catalog_serial_rules")]
