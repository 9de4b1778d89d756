"""Routes of the API. Tenant paths take `<tenant>`; TenantMiddleware has already resolved it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import catalog, system, verification

tenant_patterns = [
    path("config", catalog.TenantConfigView.as_view(), name="tenant-config"),
    path("products", catalog.ProductListView.as_view(), name="product-list"),
    path("admin/integrations/shopify", verification.ShopifyConnectionView.as_view(), name="admin-shopify"),
    path(
        "admin/integrations/shopify/test", verification.ShopifyConnectionTestView.as_view(), name="admin-shopify-test"
    ),
    path(
        "admin/warranties/<str:warranty_id>/verification",
        verification.WarrantyVerificationView.as_view(),
        name="admin-warranty-verification",
    ),
    path(
        "admin/warranties/<str:warranty_id>/verification/retry",
        verification.WarrantyVerificationRetryView.as_view(),
        name="admin-warranty-verification-retry",
    ),
]

public_patterns: list = []

urlpatterns = [
    path("health", system.HealthView.as_view(), name="health"),
    path("config", system.GlobalConfigView.as_view(), name="config"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("p/<str:tenant>/", include(public_patterns)),
    path("<str:tenant>/", include(tenant_patterns)),
]
