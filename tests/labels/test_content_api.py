"""The headless content API per brand (Wagtail API v2): shape, scoping, drafts and private pages, errors."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from rest_framework.test import APIClient
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, PageViewRestriction

from home.models import TenantPortalPage
from support_docs.models import SupportArticlePage, SupportArticleProduct, SupportIndexPage
from warranty_api.models import Product

BASE = "/api/northpeak/content"


def _png() -> ImageFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 3), (200, 10, 10)).save(buffer, format="PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name="red.png")


@pytest.fixture
def content(tenant, other_tenant):
    product = Product.objects.get(tenant=tenant)
    index = TenantPortalPage.objects.get(tenant=tenant).add_child(instance=SupportIndexPage(title="Support", slug="support"))
    article = SupportArticlePage(title="Cleaning the TP9", slug="cleaning", kind="manual", summary="Lubricate it")
    article.product_links = [SupportArticleProduct(product=product)]
    article = index.add_child(instance=article)
    general = index.add_child(instance=SupportArticlePage(title="Shipping a return", slug="returns", kind="faq"))
    index.add_child(instance=SupportArticlePage(title="Draft notice", slug="draft", live=False))
    private = index.add_child(instance=SupportArticlePage(title="Dealer pricing", slug="dealers"))
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")
    their_index = TenantPortalPage.objects.get(tenant=other_tenant).add_child(
        instance=SupportIndexPage(title="Support", slug="support"))
    theirs = their_index.add_child(instance=SupportArticlePage(title="Southwind kit", slug="kit"))

    ours = Collection.objects.get(id=tenant.collection_id)
    their_collection = Collection.objects.get(id=other_tenant.collection_id)
    doc = Document.objects.create(title="TP9 manual", collection=ours, file=ContentFile(b"%PDF-1.4", name="tp9.pdf"))
    their_doc = Document.objects.create(title="Their manual", collection=their_collection,
                                        file=ContentFile(b"%PDF-1.4", name="kit.pdf"))
    image = Image.objects.create(title="TP9 photo", collection=ours, file=_png())
    their_image = Image.objects.create(title="Their photo", collection=their_collection, file=_png())
    return {"article": article, "general": general, "private": private, "theirs": theirs, "index": index,
            "doc": doc, "their_doc": their_doc, "image": image, "their_image": their_image}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["items"])


def test_pages_listing_is_the_brands_live_public_pages_in_wagtail_shape(content):
    response = APIClient().get(f"{BASE}/pages")
    body = response.json()
    assert body["meta"]["total_count"] == len(body["items"])
    assert titles(response) == ["Cleaning the TP9", "Northpeak Outdoor", "Shipping a return", "Support"]
    item = next(i for i in body["items"] if i["title"] == "Cleaning the TP9")
    assert item["meta"]["type"] == "support_docs.SupportArticlePage"
    assert item["meta"]["html_url"].endswith("/northpeak/support/cleaning/")
    assert item["meta"]["detail_url"].endswith(f"/api/northpeak/content/pages/{content['article'].id}")


def test_wagtail_query_parameters(content):
    client = APIClient()
    articles = client.get(f"{BASE}/pages?type=support_docs.SupportArticlePage&fields=summary,products,kind")
    assert titles(articles) == ["Cleaning the TP9", "Shipping a return"]
    item = next(i for i in articles.json()["items"] if i["title"] == "Cleaning the TP9")
    assert (item["summary"], item["products"], item["kind"]) == ("Lubricate it", ["TP9-ELITE-SC"], "manual")
    assert titles(client.get(f"{BASE}/pages?child_of={content['index'].id}")) == ["Cleaning the TP9",
                                                                                   "Shipping a return"]
    limited = client.get(f"{BASE}/pages?limit=1&offset=1&order=title").json()
    assert limited["meta"]["total_count"] == 4 and [i["title"] for i in limited["items"]] == ["Northpeak Outdoor"]
    assert titles(client.get(f"{BASE}/pages?search=lubricate")) == ["Cleaning the TP9"]
    assert titles(client.get(f"{BASE}/pages?product=TP9-ELITE-SC")) == ["Cleaning the TP9"]
    assert titles(client.get(f"{BASE}/pages?product=NOPE")) == []


def test_page_detail(content):
    response = APIClient().get(f"{BASE}/pages/{content['article'].id}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Cleaning the TP9" and body["products"] == ["TP9-ELITE-SC"]
    assert body["meta"]["parent"]["id"] == content["index"].id


@pytest.mark.parametrize("which", ["private", "theirs"])
def test_drafts_private_and_other_brands_pages_never_appear(content, which):
    client = APIClient()
    page = content[which]
    response = client.get(f"{BASE}/pages/{page.id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    draft = SupportArticlePage.objects.get(slug="draft")
    assert client.get(f"{BASE}/pages/{draft.id}").status_code == 404
    all_titles = titles(client.get(f"{BASE}/pages?limit=20"))
    assert page.title not in all_titles and "Draft notice" not in all_titles
    # A search or a child_of of another brand's page finds nothing of theirs either.
    assert titles(client.get(f"{BASE}/pages?search=kit")) == []
    assert client.get(f"{BASE}/pages?child_of={content['theirs'].get_parent().id}").status_code == 400


def test_documents_and_images_are_the_brands_collection(content):
    client = APIClient()
    assert titles(client.get(f"{BASE}/documents")) == ["TP9 manual"]
    assert titles(client.get(f"{BASE}/images")) == ["TP9 photo"]
    assert client.get(f"{BASE}/documents/{content['doc'].id}").json()["title"] == "TP9 manual"
    assert client.get(f"{BASE}/documents/{content['their_doc'].id}").status_code == 404
    assert client.get(f"{BASE}/images/{content['their_image'].id}").status_code == 404
    image = client.get(f"{BASE}/images/{content['image'].id}").json()
    assert (image["width"], image["height"], image["meta"]["type"]) == (4, 3, "wagtailimages.Image")
    assert titles(client.get("/api/southwind/content/documents")) == ["Their manual"]


@pytest.mark.parametrize("query", ["?type=nope.Nope", "?fields=nothere", "?order=nothere", "?limit=x", "?colour=red",
                                   "?child_of=abc", "?search=x&search_operator=xor"])
def test_bad_parameters_are_the_error_envelope(content, query):
    response = APIClient().get(f"{BASE}/pages{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_unknown_brand_and_trailing_slash_are_404_in_the_envelope(content):
    assert APIClient().get("/api/nobrand/content/pages").json()["error"]["code"] == "tenant_not_found"
    assert APIClient().get(f"{BASE}/pages/").status_code == 404
    assert APIClient().post(f"{BASE}/pages", {}, format="json").status_code == 405


ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ["pages", "documents", "images"])
def test_every_caller_sees_the_same_public_content(content, actors, actor, endpoint):
    before = (SupportArticlePage.objects.count(), Document.objects.count(), Image.objects.count())
    response = actors[actor][1].get(f"{BASE}/{endpoint}")
    assert response.status_code == 200
    assert response.json() == APIClient().get(f"{BASE}/{endpoint}").json()
    assert (SupportArticlePage.objects.count(), Document.objects.count(), Image.objects.count()) == before


def test_listing_queries_do_not_grow_with_limit(content, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    index = content["index"]
    for n in range(12):
        index.add_child(instance=SupportArticlePage(title=f"FAQ {n}", slug=f"faq-{n}", kind="faq"))

    def count(limit: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert APIClient().get(f"{BASE}/pages?type=support_docs.SupportArticlePage&limit={limit}").status_code == 200
        return len(ctx.captured_queries)

    assert count(12) <= count(2) + 1


def test_content_api_is_in_the_openapi_schema(db):
    schema = APIClient().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in ("/api/{tenant}/content/pages", "/api/{tenant}/content/pages/{id}", "/api/{tenant}/content/documents",
                 "/api/{tenant}/content/images"):
        assert path in schema["paths"], sorted(schema["paths"])[:5]



@pytest.mark.parametrize("endpoint", ["documents", "images"])
def test_a_bad_search_operator_on_files_is_400(content, endpoint):
    response = APIClient().get(f"{BASE}/{endpoint}?search=x&search_operator=xor")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
