"""Where a label's QR code lands: count the scan on the server, then one redirect into the brand's portal.

Plain Django views (no script, no Wagtail page lookup): `/<tenant>/s/<serial>`, `/<tenant>/p/<product id>`
and GS1 Digital Link paths `/<tenant>/01/<GTIN>[/21/<serial>]`. A unit not yet registered lands on the
registration with its serial filled in; a registered one on its product's page (which links its owner to
the warranty); a product code on the registration with that product shown.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from warranty_api.catalog.gtin import gtin_normalize
from warranty_api.core.exceptions import NotFound
from warranty_api.labels.services import Landing, scan_product, scan_serial
from warranty_api.tenancy.selectors import active_tenant_by_slug


def _redirect(tenant_slug: str, landing: Landing) -> HttpResponse:
    base = f"/{tenant_slug}"
    if landing.kind == "registered" and landing.product is not None:
        target = f"{base}/catalog/{landing.product.id}/?{urlencode({'serial': landing.serial, 'registered': 1})}"
    else:
        query = {}
        if landing.serial:
            query["serial"] = landing.serial
        if landing.product is not None:
            query["product"] = landing.product.id
        target = f"{base}/register/" + (f"?{urlencode(query)}" if query else "")
    response = HttpResponseRedirect(target)
    # Every scan must reach the server to be counted (and a unit registered since must land elsewhere).
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _tenant(slug: str):
    tenant = active_tenant_by_slug(slug)
    if tenant is None:
        raise Http404
    return tenant


def _land(request, tenant_slug: str, resolve):
    tenant = _tenant(tenant_slug)
    try:
        # A link checker or preview bot asking only for headers (HEAD) is not a person scanning.
        landing = resolve(tenant, request.method == "GET")
    except NotFound:
        raise Http404 from None
    return _redirect(tenant.slug, landing)


@require_safe
def serial_landing(request, tenant: str, serial: str):
    return _land(request, tenant, lambda t, c: scan_serial(tenant=t, serial=serial, count=c))


@require_safe
def product_landing(request, tenant: str, product_id: str):
    return _land(request, tenant, lambda t, c: scan_product(tenant=t, product_id=product_id, count=c))


@require_safe
def gs1_landing(request, tenant: str, gtin: str, serial: str | None = None):
    normal = gtin_normalize(gtin)
    if normal is None:
        raise Http404
    if serial:
        return _land(request, tenant, lambda t, c: scan_serial(tenant=t, serial=serial, gtin=normal, count=c))
    return _land(request, tenant, lambda t, c: scan_product(tenant=t, gtin=normal, count=c))
