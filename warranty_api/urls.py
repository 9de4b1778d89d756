"""Routes of the API. Tenant paths take `<tenant>`; TenantMiddleware has already resolved it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import catalog, system, warranties

tenant_patterns = [
    path("config", catalog.TenantConfigView.as_view(), name="tenant-config"),
    path("products", catalog.ProductListView.as_view(), name="product-list"),
    path("warranties", warranties.CustomerWarrantyListView.as_view(), name="warranty-list"),
    path("warranties/transfers/accept", warranties.WarrantyTransferAcceptView.as_view(), name="warranty-transfer-accept"),
    path("warranties/<str:warranty_id>", warranties.CustomerWarrantyDetailView.as_view(), name="warranty-detail"),
    path("warranties/<str:warranty_id>/transfer", warranties.WarrantyTransferView.as_view(), name="warranty-transfer"),
    path("admin/warranties", warranties.AdminWarrantyListView.as_view(), name="admin-warranty-list"),
    path("admin/warranties/<str:warranty_id>", warranties.AdminWarrantyDetailView.as_view(), name="admin-warranty-detail"),
    path("admin/serials/import", warranties.SerialImportView.as_view(), name="serial-import"),
    path("admin/serials/import/<str:job_id>", warranties.SerialImportDetailView.as_view(), name="serial-import-detail"),
]

public_patterns: list = [
    path("warranties", warranties.PublicWarrantyRegisterView.as_view(), name="public-warranty-register"),
]

urlpatterns = [
    path("health", system.HealthView.as_view(), name="health"),
    path("config", system.GlobalConfigView.as_view(), name="config"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("p/<str:tenant>/", include(public_patterns)),
    path("<str:tenant>/", include(tenant_patterns)),
]
