"""Routes of the API. Tenant paths take `<tenant>`; TenantMiddleware has already resolved it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import catalog, claims, system

tenant_patterns = [
    path("config", catalog.TenantConfigView.as_view(), name="tenant-config"),
    path("products", catalog.ProductListView.as_view(), name="product-list"),
    path("claims", claims.ClaimListCreateView.as_view(), name="claim-list"),
    path("claims/<str:claim_id>", claims.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<str:claim_id>/messages", claims.ClaimMessageCreateView.as_view(), name="claim-messages"),
    path("admin/claims", claims.AdminClaimListView.as_view(), name="admin-claim-list"),
    path("admin/claims/<str:claim_id>", claims.AdminClaimDetailView.as_view(), name="admin-claim-detail"),
    path("admin/fulfillments", claims.AdminFulfillmentListView.as_view(), name="admin-fulfillment-list"),
    path(
        "admin/fulfillments/<str:fulfillment_id>",
        claims.AdminFulfillmentDetailView.as_view(),
        name="admin-fulfillment-detail",
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
