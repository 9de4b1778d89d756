"""The Wagtail hooks a portal page calls for what other apps add to it (support_docs answers all three)."""

# A function taking the portal page and answering more context for its pages.
PORTAL_CONTEXT_HOOK = "portal_context"
# A product page's manuals and FAQs `fn(portal, product) -> list of pages`, and the portal's search
# `fn(portal, query) -> list of pages` (the brand's live, public articles only).
PORTAL_PRODUCT_ARTICLES_HOOK = "portal_product_articles"
PORTAL_SEARCH_HOOK = "portal_search"
