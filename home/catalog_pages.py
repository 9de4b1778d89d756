"""The public product pages of a brand's portal (`/<tenant>/catalog/<SKU or product id>/`): what the product
is, its warranty terms in words, its manuals and FAQs, and the way to register it."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext, ngettext
from wagtail import hooks

from home.portal_hooks import PORTAL_PRODUCT_ARTICLES_HOOK
from warranty_api.models import Coverage, Product, Tenant, Warranty, normalize_serial


def product_by_ref(tenant: Tenant, ref: str) -> Product | None:
    """The brand's active product by id (`prd_...`, what codes carry) or by SKU (what people read)."""
    if not ref:
        return None
    rows = Product.objects.filter(tenant=tenant, is_active=True).select_related("category")
    return rows.filter(id=ref).first() if ref.startswith("prd_") else rows.filter(sku=ref).first()


def _months(n: int) -> str:
    if n % 12 == 0:
        years = n // 12
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d month", "%(count)d months", n) % {"count": n}


def warranty_terms(tenant: Tenant, product: Product) -> list[str]:
    """The category's terms as sentences a customer reads on the product's page, in the page's language."""
    category = product.category
    lines = [gettext("%(term)s of warranty from the date of purchase.") % {"term": _months(category.standard_months)}]
    if category.extended_months:
        window = tenant.extension_window_days
        term = _months(category.extended_months)
        if window:
            lines.append(gettext("%(term)s in all when you register it within %(days)d days of buying it.")
                         % {"term": term, "days": window})
        else:
            lines.append(gettext("%(term)s in all when you register it.") % {"term": term})
    if category.coverage == Coverage.FULL_REPLACEMENT:
        lines.append(gettext("Covers repair or replacement of a faulty unit."))
    else:
        words = {Coverage.REPAIR: gettext("repair"), Coverage.LIMITED: gettext("limited")}
        lines.append(gettext("Coverage: %(coverage)s.") % {"coverage": words.get(category.coverage, category.coverage)})
    lines.append(gettext("The warranty passes to a new owner if you sell or give it away.") if category.transferable
                 else gettext("The warranty stays with the first owner; it cannot be transferred."))
    return lines


def product_articles(portal, product: Product) -> list:
    """The brand's live support articles about this product (or about all its products), from support_docs."""
    articles: list = []
    for contribute in hooks.get_hooks(PORTAL_PRODUCT_ARTICLES_HOOK):
        articles.extend(contribute(portal, product))
    return articles


def catalog_product_context(portal, request, ref: str) -> dict:
    tenant = portal.tenant
    product = product_by_ref(tenant, ref)
    if product is None:
        raise Http404
    serial = normalize_serial(request.GET.get("serial", ""))[:100]
    registered = bool(serial) and Warranty.objects.filter(
        tenant=tenant, serial_number=serial, product=product
    ).exclude(status=Warranty.Status.TRANSFERRED).exists()
    return {
        "product": product,
        "category": product.category,
        "terms": warranty_terms(tenant, product),
        "articles": product_articles(portal, product),
        "scanned_serial": serial if registered else "",
        "register_url": f"{portal.url.rstrip('/') if portal.url else '/' + tenant.slug}/register/?product={product.id}",
    }
