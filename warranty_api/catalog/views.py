"""The catalog over HTTP: the brand's public configuration and products, and the admins' categories and products."""

from drf_spectacular.utils import OpenApiResponse, extend_schema

from warranty_api.catalog import selectors, services
from warranty_api.catalog.filters import AdminCategoryListParameters, AdminProductListParameters, ProductListParameters
from warranty_api.catalog.models import Category
from warranty_api.catalog.selectors import product_list
from warranty_api.catalog.serializers import (
    AdminCategoryOutput,
    AdminProductOutput,
    AdminProductWriteOutput,
    CategoryConfig,
    ProductInput,
    ProductOutput,
)
from warranty_api.catalog.serials import serial_format_hint
from warranty_api.core.exceptions import ValidationFailed
from warranty_api.core.pagination import paginate
from warranty_api.core.views import TenantAPIView, ok
from warranty_api.tenancy.permissions import AdminWritesAgentReads
from warranty_api.tenancy.serializers import config_validated


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
    filterset_class = ProductListParameters

    @extend_schema(
        summary="List the brand's products with their warranty terms",
        responses={200: ProductOutput(many=True)},
    )
    def get(self, request, tenant: str):
        qs = product_list(
            tenant=self.tenant, category=request.query_params.get("category"), search=request.query_params.get("search")
        )
        return paginate(self, qs, ProductOutput, ordering=("name", "id"))


# ----------------------------------------------------------------------------------------------------
# The catalog for the brand's admins: categories and terms, products (the serial-rule dry run is registration's).

ERRORS = {
    400: OpenApiResponse(description="validation_error, with the JSON path of each problem in `fields`"),
    401: OpenApiResponse(description="authentication_failed / token_expired"),
    403: OpenApiResponse(description="permission_denied: agents read, admins change"),
}
_TERMS_NOTE = (
    " A changed term applies to registrations from the next request on, in every server process; existing "
    "warranties keep the dates they were registered with."
)


def _category_context(tenant, category=None) -> dict:
    return {"resolutions": list(tenant.resolutions), "resolutions_source": "the brand's resolutions",
            "category": category}


def _product_context(tenant) -> dict:
    return {"category_slugs": set(Category.objects.filter(tenant=tenant).values_list("slug", flat=True)),
            "category_missing": "There is no category '{slug}'."}


def _product_write_answer(tenant, product, status=200):
    product = selectors.admin_product_get(tenant=tenant, product_id=product.pk)
    warnings = services.pattern_overlaps(tenant=tenant, product=product)
    return ok(AdminProductWriteOutput(product, context={"warnings": warnings}).data, status=status)


class AdminCategoryListView(TenantAPIView):
    permission_classes = [AdminWritesAgentReads]
    filterset_class = AdminCategoryListParameters
    refuses_unknown_fields = True

    @extend_schema(
        operation_id="admin_categories_list",
        summary="The brand's categories and their warranty terms",
        responses={200: AdminCategoryOutput(many=True), **ERRORS},
    )
    def get(self, request, tenant: str):
        return paginate(self, selectors.admin_category_list(tenant=self.tenant), AdminCategoryOutput,
                        ordering=("slug", "id"))

    @extend_schema(
        operation_id="admin_categories_create",
        summary="Add a category",
        description="409 `category_exists` when the slug is taken." + _TERMS_NOTE,
        request=CategoryConfig,
        responses={201: AdminCategoryOutput, 409: OpenApiResponse(description="category_exists"), **ERRORS},
    )
    def post(self, request, tenant: str):
        data = config_validated(CategoryConfig, request.data, context=_category_context(self.tenant))
        category = services.category_create(tenant=self.tenant, actor=request.user, data=data)
        return ok(AdminCategoryOutput(selectors.admin_category_get(tenant=self.tenant, slug=category.slug)).data,
                  status=201)


class AdminCategoryDetailView(TenantAPIView):
    permission_classes = [AdminWritesAgentReads]

    @extend_schema(operation_id="admin_categories_retrieve", summary="One category",
                   responses={200: AdminCategoryOutput, **ERRORS})
    def get(self, request, tenant: str, slug: str):
        return ok(AdminCategoryOutput(selectors.admin_category_get(tenant=self.tenant, slug=slug)).data)

    @extend_schema(
        operation_id="admin_categories_update",
        summary="Change a category's name or terms",
        description="The slug cannot change." + _TERMS_NOTE,
        request=CategoryConfig,
        responses={200: AdminCategoryOutput, **ERRORS},
    )
    def patch(self, request, tenant: str, slug: str):
        current = selectors.admin_category_get(tenant=self.tenant, slug=slug)
        if isinstance(request.data, dict) and "slug" in request.data and request.data["slug"] != slug:
            raise ValidationFailed.field("slug", "not_allowed", "A category's slug cannot change; add a new one.")
        data = config_validated(CategoryConfig, request.data, context=_category_context(self.tenant, current),
                                partial=True)
        services.category_update(tenant=self.tenant, actor=request.user, slug=slug, data=data)
        return ok(AdminCategoryOutput(selectors.admin_category_get(tenant=self.tenant, slug=slug)).data)

    @extend_schema(
        operation_id="admin_categories_delete",
        summary="Remove a category that has no products",
        description="409 `category_in_use` while it has products (active or not): move them first.",
        responses={204: None, 409: OpenApiResponse(description="category_in_use"), **ERRORS},
    )
    def delete(self, request, tenant: str, slug: str):
        services.category_delete(tenant=self.tenant, actor=request.user, slug=slug)
        return ok(None, status=204)


class AdminProductListView(TenantAPIView):
    permission_classes = [AdminWritesAgentReads]
    filterset_class = AdminProductListParameters
    refuses_unknown_fields = True

    @extend_schema(
        operation_id="admin_products_list",
        summary="The brand's products, active or not",
        responses={200: AdminProductOutput(many=True), **ERRORS},
    )
    def get(self, request, tenant: str):
        params = request.query_params
        qs = selectors.admin_product_list(tenant=self.tenant, category=params.get("category"),
                                          is_active=params.get("is_active"), search=params.get("search"))
        return paginate(self, qs, AdminProductOutput, ordering=("name", "id"))

    @extend_schema(
        operation_id="admin_products_create",
        summary="Add a product",
        description="409 `product_sku_exists` when the SKU is taken. A serial pattern that overlaps another "
        "active product's is accepted with a `serial_pattern_overlap` warning (such serials answer "
        "`serial_ambiguous`); one that could stall a registration is refused.",
        request=ProductInput,
        responses={201: AdminProductWriteOutput, 409: OpenApiResponse(description="product_sku_exists"), **ERRORS},
    )
    def post(self, request, tenant: str):
        data = config_validated(ProductInput, request.data, context=_product_context(self.tenant))
        product = services.product_create(tenant=self.tenant, actor=request.user, data=data)
        return _product_write_answer(self.tenant, product, status=201)


class AdminProductDetailView(TenantAPIView):
    permission_classes = [AdminWritesAgentReads]

    @extend_schema(operation_id="admin_products_retrieve", summary="One product",
                   responses={200: AdminProductOutput, **ERRORS})
    def get(self, request, tenant: str, product_id: str):
        return ok(AdminProductOutput(selectors.admin_product_get(tenant=self.tenant, product_id=product_id)).data)

    @extend_schema(
        operation_id="admin_products_update",
        summary="Change a product (set is_active false to retire one that has warranties)",
        request=ProductInput,
        responses={200: AdminProductWriteOutput, 409: OpenApiResponse(description="product_sku_exists"), **ERRORS},
    )
    def patch(self, request, tenant: str, product_id: str):
        selectors.admin_product_get(tenant=self.tenant, product_id=product_id)
        data = config_validated(ProductInput, request.data, context=_product_context(self.tenant), partial=True)
        product = services.product_update(tenant=self.tenant, actor=request.user, product_id=product_id, data=data)
        return _product_write_answer(self.tenant, product)

    @extend_schema(
        operation_id="admin_products_delete",
        summary="Remove a product that nothing refers to",
        description="409 `product_in_use` when it has warranties or known serials: deactivate it instead.",
        responses={204: None, 409: OpenApiResponse(description="product_in_use"), **ERRORS},
    )
    def delete(self, request, tenant: str, product_id: str):
        services.product_delete(tenant=self.tenant, actor=request.user, product_id=product_id)
        return ok(None, status=204)
