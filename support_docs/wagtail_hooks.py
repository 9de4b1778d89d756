"""The documentation's part of every portal page: the brand's support index and its articles (home's hook)."""

from wagtail import hooks

from home.models import PORTAL_CONTEXT_HOOK

from .models import SupportArticlePage, SupportIndexPage


@hooks.register(PORTAL_CONTEXT_HOOK)
def support_pages(portal) -> dict:
    return {
        "support_index": SupportIndexPage.objects.live().child_of(portal).order_by("path").first(),
        "support_articles": SupportArticlePage.objects.live().descendant_of(portal).order_by("title"),
    }
