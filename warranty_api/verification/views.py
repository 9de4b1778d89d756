"""Admin endpoints of Shopify purchase verification: the store link, its test, and staff decisions."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema

from warranty_api.core.permissions import IsTenantAdmin, IsTenantAgent
from warranty_api.core.views import TenantAPIView, ok, validated
from warranty_api.verification import services as services
from warranty_api.verification.selectors import shopify_connection_get, warranty_verification_get
from warranty_api.verification.serializers import (
    ShopifyConnectionInput,
    ShopifyConnectionOutput,
    ShopifyConnectionTestOutput,
    VerificationOverrideInput,
    WarrantyVerificationOutput,
    shopify_connection_data,
    warranty_verification_data,
)


class ShopifyConnectionView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_shopify_connection_get",
        summary="The brand's Shopify store link (the token is never shown)",
        responses={200: ShopifyConnectionOutput},
    )
    def get(self, request, tenant: str):
        return ok(shopify_connection_data(shopify_connection_get(tenant=self.tenant), tenant=self.tenant))

    @extend_schema(
        operation_id="admin_shopify_connection_put",
        summary="Link or relink the brand's Shopify store, and set its verification mode",
        description="Replaces the link. `access_token` may be omitted to keep the stored one; it is stored "
        "encrypted and never returned (only `has_access_token` and its last four characters). `shop_domain` may be "
        "omitted to keep the linked store. `verification` (`off`, `advisory`, `required`) sets how the brand's new "
        "registrations are checked; omitted, the mode stays as it is.",
        request=ShopifyConnectionInput,
        responses={200: ShopifyConnectionOutput},
    )
    def put(self, request, tenant: str):
        data = validated(ShopifyConnectionInput, request.data, only_declared=True)
        connection = services.shopify_connection_save(tenant=self.tenant, **data)
        return ok(shopify_connection_data(connection, tenant=self.tenant))


class ShopifyConnectionTestView(TenantAPIView):
    permission_classes = [IsTenantAdmin]

    @extend_schema(
        operation_id="admin_shopify_connection_test",
        summary="Try the store link now with a tiny query",
        description="Answers the shop's name, or the error: 422 `shopify_auth_failed` / `shopify_bad_config` / "
        "`shopify_not_connected`, 502 `shopify_unavailable` / `shopify_timeout`, 503 `shopify_throttled`.",
        request=None,
        responses={200: ShopifyConnectionTestOutput},
    )
    def post(self, request, tenant: str):
        connection = services.shopify_connection_test(tenant=self.tenant)
        return ok(
            {
                "ok": True,
                "shop_name": connection.last_test_shop_name,
                "tested_at": (connection.last_test_at or timezone.now()).isoformat().replace("+00:00", "Z"),
            }
        )


class WarrantyVerificationView(TenantAPIView):
    permission_classes = [IsTenantAgent]
    refuses_unknown_fields = True  # for the OpenAPI schema: the body is `validated(..., only_declared=True)`

    @extend_schema(
        operation_id="admin_warranty_verification_get",
        summary="A warranty's purchase verification and its check's progress",
        responses={200: WarrantyVerificationOutput},
    )
    def get(self, request, tenant: str, warranty_id: str):
        warranty, row = warranty_verification_get(tenant=self.tenant, warranty_id=warranty_id)
        return ok(warranty_verification_data(warranty, row))

    @extend_schema(
        operation_id="admin_warranty_verification_override",
        summary="Staff decide a warranty's purchase verification",
        description="`verified` sets `overridden` and activates a warranty pending verification; `rejected` sets "
        "`overridden` and voids the warranty with the note as its reason. A note is required.",
        request=VerificationOverrideInput,
        responses={200: WarrantyVerificationOutput},
    )
    def post(self, request, tenant: str, warranty_id: str):
        data = validated(VerificationOverrideInput, request.data, only_declared=True)
        services.purchase_verification_override(
            tenant=self.tenant, warranty_id=warranty_id, actor=request.user, **data
        )
        warranty, row = warranty_verification_get(tenant=self.tenant, warranty_id=warranty_id)
        return ok(warranty_verification_data(warranty, row))


class WarrantyVerificationRetryView(TenantAPIView):
    permission_classes = [IsTenantAgent]

    @extend_schema(
        operation_id="admin_warranty_verification_retry",
        summary="Run a warranty's purchase check again now",
        request=None,
        responses={202: WarrantyVerificationOutput},
    )
    def post(self, request, tenant: str, warranty_id: str):
        services.purchase_verification_retry(tenant=self.tenant, warranty_id=warranty_id, actor=request.user)
        warranty, row = warranty_verification_get(tenant=self.tenant, warranty_id=warranty_id)
        return ok(warranty_verification_data(warranty, row), status=202)
