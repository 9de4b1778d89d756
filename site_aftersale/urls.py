"""Top-level routes: the API, Wagtail's admin, then every other path to Wagtail's page serving."""

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from home import scan_views
from home.views import portal_catalog

urlpatterns = [
    # The brand's headless content API (Wagtail API v2, support_docs/content_api.py), before the API's 404.
    path("api/<str:tenant>/", include("support_docs.content_api")),
    path("api/", include("warranty_api.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("jsi18n/<str:lang>/portal.js", portal_catalog, name="portal_catalog"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# What a label's QR code holds (home/scan_views.py): before Wagtail's pages, with no trailing slash, so a scan
# is one redirect from the code to the portal.
_TENANT = r"(?P<tenant>[a-z0-9][a-z0-9-]{0,61}[a-z0-9])"
urlpatterns += [
    re_path(rf"^{_TENANT}/s/(?P<serial>[^/]{{1,300}})$", scan_views.serial_landing, name="scan-serial"),
    re_path(rf"^{_TENANT}/p/(?P<product_id>prd_[A-Za-z0-9]{{1,40}})$", scan_views.product_landing, name="scan-product"),
    re_path(rf"^{_TENANT}/01/(?P<gtin>[0-9]{{8,14}})/21/(?P<serial>[^/]{{1,300}})$", scan_views.gs1_landing,
            name="scan-gs1-serial"),
    re_path(rf"^{_TENANT}/01/(?P<gtin>[0-9]{{8,14}})$", scan_views.gs1_landing, name="scan-gs1-product"),
]

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "home.views.page_not_found"
