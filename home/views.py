"""The site's 404 page (inside a brand's portal that brand's own), and the portal script's text catalog per language."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponseNotFound
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from home.languages import serve_in_language

from .models import TenantPortalPage


def page_not_found(request, exception=None):
    slug = request.path.strip("/").split("/", 1)[0]
    portal = (
        TenantPortalPage.objects.live().filter(tenant__slug=slug, tenant__is_active=True).select_related("tenant").first()
        if slug else None
    )
    if portal is None:
        return HttpResponseNotFound(loader.render_to_string("404.html", request=request))
    def render():
        context = {**portal.portal_context(), "page": portal, "screen": "not_found", "screen_title": gettext("Page not found")}
        return HttpResponseNotFound(loader.render_to_string("home/portal/not_found.html", context, request=request))

    return serve_in_language(request, portal.tenant, render)


@cache_control(max_age=3600, public=True)
def portal_catalog(request, lang: str):
    """The portal script's words in `lang` (Django's JavaScript catalog: gettext(), interpolate() ...).

    The language is in the path, not negotiated, so it is always the page's own and a cache can keep each one.
    """
    if lang not in dict(settings.LANGUAGES):
        raise Http404
    with translation.override(lang):
        return JavaScriptCatalog.as_view(packages=["home"])(request)
