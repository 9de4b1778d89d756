"""Routes of the API. Tenant paths take `<tenant>`; TenantMiddleware has already resolved it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .views import catalog, media, system

tenant_patterns = [
    path("config", catalog.TenantConfigView.as_view(), name="tenant-config"),
    path("products", catalog.ProductListView.as_view(), name="product-list"),
    path("upload", media.MediaUploadView.as_view(), name="media-upload"),
    path("media/<str:media_id>", media.MediaFileView.as_view(), name="media-file"),
]

public_patterns: list = [
    path("upload", media.PublicMediaUploadView.as_view(), name="public-media-upload"),
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
