"""The tenant's public face: its configuration and its product catalog."""

from drf_spectacular.utils import OpenApiParameter, extend_schema

from warranty_api.catalog.selectors import product_list
from warranty_api.catalog.serializers import ProductOutput
from warranty_api.catalog.serials import serial_format_hint
from warranty_api.core.pagination import paginate
from warranty_api.core.views import TenantAPIView, ok


class TenantConfigView(TenantAPIView):
    permission_classes: list = []

    @extend_schema(operation_id="tenant_config", summary="The brand's public settings", responses={200: dict})
    def get(self, request, tenant: str):
        t = self.tenant
        return ok(
            {
                "slug": t.slug,
                "name": t.name,
                "support_email": t.support_email,
                "branding": t.branding,
                "registration": {
                    "required_fields": t.required_fields,
                    "extension_window_days": t.extension_window_days,
                    "require_known_serial": t.require_known_serial,
                    "verification": t.verification,
                },
                "serial_formats": t.serial_formats,
                "serial_format_hint": serial_format_hint(t.serial_formats),
                "issue_types": t.issue_types,
                "resolutions": t.resolutions,
            }
        )


class ProductListView(TenantAPIView):
    permission_classes: list = []

    @extend_schema(
        summary="List the brand's products with their warranty terms",
        parameters=[
            OpenApiParameter("category", str, description="A category slug"),
            OpenApiParameter("search", str, description="Part of a name, or an exact SKU"),
            OpenApiParameter("limit", int),
            OpenApiParameter("cursor", str),
            OpenApiParameter("include_total", bool),
        ],
        responses={200: ProductOutput(many=True)},
    )
    def get(self, request, tenant: str):
        qs = product_list(
            tenant=self.tenant, category=request.query_params.get("category"), search=request.query_params.get("search")
        )
        return paginate(self, qs, ProductOutput, ordering=("name", "id"))
