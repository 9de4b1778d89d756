"""Wagtail hooks of the support documentation: its part of every portal page (home's hooks: the support
index, the articles, a product page's manuals, the portal's search) and the product chooser of the admin."""

from wagtail import hooks

from home.portal_hooks import PORTAL_CONTEXT_HOOK, PORTAL_PRODUCT_ARTICLES_HOOK, PORTAL_SEARCH_HOOK

from .choosers import product_chooser_viewset
from .models import SupportArticlePage, SupportIndexPage


@hooks.register(PORTAL_CONTEXT_HOOK)
def support_pages(portal) -> dict:
    return {
        "support_index": SupportIndexPage.objects.live().child_of(portal).order_by("path").first(),
        "support_articles": SupportArticlePage.objects.live().descendant_of(portal).order_by("title")
        .prefetch_related("product_links__product"),
    }


def _public_articles(portal):
    return SupportArticlePage.objects.live().public().descendant_of(portal)


@hooks.register(PORTAL_PRODUCT_ARTICLES_HOOK)
def product_articles(portal, product) -> list:
    articles = _public_articles(portal).order_by("kind", "title").prefetch_related("product_links__product")
    return list(SupportArticlePage.products_for(articles, product))


@hooks.register(PORTAL_SEARCH_HOOK)
def search_articles(portal, query: str) -> list:
    # Wagtail search: the database backend (PostgreSQL's full-text search on PostgreSQL).
    return list(_public_articles(portal).search(query)[:50])


@hooks.register("register_admin_viewset")
def register_product_chooser():
    return product_chooser_viewset
