"""The site's routes with its uploaded files served from MEDIA_ROOT, as a deployment's web server or object store
serves them (Django serves them only with DEBUG): for browser tests that show images the site stored."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from site_aftersale.urls import urlpatterns as site_urlpatterns


def _media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)  # read per request: the test sets it


urlpatterns = [re_path(r"^media/(?P<path>.*)$", _media), *site_urlpatterns]
