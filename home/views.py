"""The site's 404 page: inside a brand's portal it is that brand's own page, elsewhere a plain one."""

from __future__ import annotations

from django.http import HttpResponseNotFound
from django.template import loader

from .models import TenantPortalPage


def page_not_found(request, exception=None):
    slug = request.path.strip("/").split("/", 1)[0]
    portal = (
        TenantPortalPage.objects.live().filter(tenant__slug=slug, tenant__is_active=True).select_related("tenant").first()
        if slug else None
    )
    if portal is None:
        return HttpResponseNotFound(loader.render_to_string("404.html", request=request))
    context = {**portal.portal_context(), "page": portal, "screen": "not_found", "screen_title": "Page not found"}
    return HttpResponseNotFound(loader.render_to_string("home/portal/not_found.html", context, request=request))
