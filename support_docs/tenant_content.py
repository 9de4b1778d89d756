"""The `support` section of a brand's configuration file: its manuals, FAQs and guides, as pages under the
brand's support index, created or brought in line by `load_tenant` (validated first, applied in its
transaction, a second load of the same file changing nothing)."""

from __future__ import annotations

import re
from typing import Any

from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.rich_text import features

from home.models import TenantPortalPage
from support_docs.models import SupportArticlePage, SupportArticleProduct, SupportIndexPage
from warranty_api.models import Product

SUPPORT_KEYS = {"articles"}
ARTICLE_KEYS = {"slug", "title", "kind", "summary", "products", "body", "live"}
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
# Elements whose text is code or styling, not content: dropped whole before the rich-text whitelist runs.
_DROPPED = re.compile(r"<(script|style|template|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
MAX_BODY = 200_000


def sanitize_body(html: str) -> str:
    """`html` reduced to what Wagtail's rich-text editor allows (its default features): other tags and every
    attribute but safe links go, as when an editor pastes the same HTML."""
    return EditorHTMLConverter(features=features.get_default_features()).to_database_format(_DROPPED.sub("", html))


def validate_support(c, value: Any, skus: set[str]) -> list[dict]:
    """Check the section with the file's checker `c` (each problem by its JSON path); answer the articles."""
    if value is None:
        return []
    section = c.obj(value, "support", SUPPORT_KEYS)
    articles: list[dict] = []
    seen: set[str] = set()
    kinds = [k.value for k in SupportArticlePage.Kind]
    for i, item in enumerate(c.array(section.get("articles", []), "support.articles")):
        path = f"support.articles[{i}]"
        entry = c.obj(item, path, ARTICLE_KEYS, {"slug", "title", "kind"})
        slug = c.text(entry.get("slug"), f"{path}.slug", max_length=80) if "slug" in entry else ""
        if slug and not _SLUG_RE.match(slug):
            c.add(f"{path}.slug", "must be lower-case letters, digits and hyphens")
        elif slug in seen:
            c.add(f"{path}.slug", f"repeats '{slug}'")
        seen.add(slug)
        products = []
        for j, sku in enumerate(c.array(entry.get("products", []), f"{path}.products")):
            if not isinstance(sku, str) or sku not in skus:
                c.add(f"{path}.products[{j}]", f"'{sku}' is not one of products[].sku")
            elif sku not in products:
                products.append(sku)
        body = entry.get("body", "")
        if not isinstance(body, str):
            c.add(f"{path}.body", "must be a string of HTML")
            body = ""
        elif len(body) > MAX_BODY:
            c.add(f"{path}.body", f"must be at most {MAX_BODY} characters")
        articles.append({
            "slug": slug,
            "title": c.text(entry.get("title"), f"{path}.title", max_length=255) if "title" in entry else "",
            "kind": c.choice(entry.get("kind"), f"{path}.kind", kinds) if "kind" in entry else "",
            "summary": c.text(entry.get("summary"), f"{path}.summary", required=False, max_length=300),
            "products": products,
            "body": sanitize_body(body) if body else "",
            "live": c.boolean(entry.get("live", True), f"{path}.live"),
        })
    return articles


def _body_value(html: str) -> list[dict]:
    return [{"type": "paragraph", "value": html}] if html else []


def _stored_body(page) -> list[dict]:
    return [{"type": block.block_type, "value": block.block.get_prep_value(block.value)} for block in page.body]


def support_content_apply(tenant, articles: list[dict]) -> list[str]:
    """Create or update the file's articles under the brand's support index (made when missing); articles
    the file does not name are left as they are (editors may have written them in Wagtail)."""
    if not articles:
        return []
    report: list[str] = []
    portal = TenantPortalPage.objects.get(tenant=tenant)
    index = SupportIndexPage.objects.child_of(portal).order_by("path").first()
    if index is None:
        index = portal.add_child(instance=SupportIndexPage(title="Support", slug="support"))
        report.append("created support index /support/")
    products = {p.sku: p for p in Product.objects.filter(tenant=tenant)}
    existing = {page.slug: page for page in SupportArticlePage.objects.child_of(index)}
    for item in articles:
        page = existing.get(item["slug"])
        wanted_products = [products[sku].pk for sku in item["products"]]
        if page is None:
            page = SupportArticlePage(title=item["title"], slug=item["slug"], kind=item["kind"],
                                      summary=item["summary"], body=_body_value(item["body"]), live=item["live"])
            page.product_links = [SupportArticleProduct(product_id=pk) for pk in wanted_products]
            index.add_child(instance=page)
            if not item["live"]:
                page.save_revision()
            report.append(f"created article {item['slug']}")
            continue
        changes = []
        for name in ("title", "kind", "summary"):
            if getattr(page, name) != item[name]:
                changes.append(name)
                setattr(page, name, item[name])
        if _stored_body(page) != _body_value(item["body"]):
            changes.append("body")
            page.body = _body_value(item["body"])
        current_products = [link.product_id for link in page.product_links.all()]
        if current_products != wanted_products:
            changes.append("products")
            page.product_links = [SupportArticleProduct(product_id=pk) for pk in wanted_products]
        if page.live != item["live"]:
            changes.append("live")
        if not changes:
            continue
        if item["live"]:
            page.save_revision().publish()
        else:
            page.save()
            if page.live:
                page.unpublish()
        report.append(f"updated article {item['slug']}: {', '.join(changes)}")
    return report
