"""Public product pages, support articles linked to products, portal search, and the product chooser."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from home.models import TenantPortalPage
from support_docs.models import SupportArticlePage, SupportArticleProduct, SupportIndexPage
from warranty_api.models import Product, Role


def _article(index, title, slug, products=(), live=True, summary=""):
    page = SupportArticlePage(title=title, slug=slug, kind="manual", summary=summary, live=live)
    page.product_links = [SupportArticleProduct(product=p) for p in products]
    return index.add_child(instance=page)


@pytest.fixture
def docs(tenant, other_tenant):
    product = Product.objects.get(tenant=tenant)
    index = TenantPortalPage.objects.get(tenant=tenant).add_child(instance=SupportIndexPage(title="Support", slug="support"))
    their_index = TenantPortalPage.objects.get(tenant=other_tenant).add_child(
        instance=SupportIndexPage(title="Support", slug="support"))
    _article(index, "Cleaning the TP9 slide", "cleaning", [product], summary="Field-strip and lubricate")
    _article(index, "Shipping a return", "returns")
    _article(index, "Draft recall notice about cleaning", "draft", [product], live=False)
    _article(their_index, "Southwind cleaning kit", "kit", [Product.objects.get(tenant=other_tenant)])
    return index, product


def test_product_page_shows_terms_articles_and_register_button(docs):
    _index, product = docs
    response = Client().get("/northpeak/catalog/TP9-ELITE-SC/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>TP9 Elite SC</h1>" in html and "Handguns" in html
    assert "1 year of warranty from the date of purchase." in html
    assert "2 years in all when you register it within 30 days of buying it." in html
    assert "Covers repair or replacement" in html
    assert "passes to a new owner" in html
    assert "Cleaning the TP9 slide" in html and "Shipping a return" in html  # its own and the general one
    assert "Draft recall" not in html and "Southwind" not in html
    assert f'href="/northpeak/register/?product={product.id}"' in html
    # The same page by product id (what codes carry); the page does not ask for its script.
    assert Client().get(f"/northpeak/catalog/{product.id}/").status_code == 200
    assert 'id="script-needed"' not in html


def test_product_pages_are_the_brands_own(docs, other_tenant):
    theirs = Product.objects.get(tenant=other_tenant)
    assert Client().get(f"/northpeak/catalog/{theirs.id}/").status_code == 404
    assert Client().get("/northpeak/catalog/NOPE/").status_code == 404
    Product.objects.filter(id=docs[1].id).update(is_active=False)
    assert Client().get("/northpeak/catalog/TP9-ELITE-SC/").status_code == 404


def test_register_button_lands_on_registration_with_product_named(docs):
    html = Client().get(f"/northpeak/register/?product={docs[1].id}").content.decode()
    assert "Registering a <strong>TP9 Elite SC</strong>" in html
    assert 'href="/northpeak/catalog/TP9-ELITE-SC/"' in html


def test_search_finds_the_brands_live_articles_only(docs):
    html = Client().get("/northpeak/search/?q=cleaning").content.decode()
    titles = re.findall(r'<a href="[^"]+">([^<]+)</a> <span class="tag">', html)
    assert titles == ["Cleaning the TP9 slide"]
    html = Client().get("/northpeak/search/?q=lubricate").content.decode()  # the summary is indexed too
    assert "Cleaning the TP9 slide" in html
    assert "Nothing found" in Client().get("/northpeak/search/?q=zeppelin").content.decode()
    assert "Southwind cleaning kit" in Client().get("/southwind/search/?q=cleaning").content.decode()
    assert Client().get("/northpeak/search/").status_code == 200


def test_the_migrated_relation_keeps_the_portals_sku_filter(docs):
    html = Client().get("/northpeak/products/wty_abc/").content.decode()
    assert 'data-skus="TP9-ELITE-SC"' in html


@pytest.fixture
def editor(tenant, make_staff):
    user = make_staff(tenant, Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


def test_the_product_chooser_lists_only_the_editors_brands_products(docs, editor, other_tenant):
    response = editor.get("/admin/product_chooser/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "TP9 Elite SC" in body
    theirs = Product.objects.get(tenant=other_tenant)
    assert theirs.id not in body
    assert editor.get(f"/admin/product_chooser/chosen/{docs[1].id}/").status_code == 200
    assert editor.get(f"/admin/product_chooser/chosen/{theirs.id}/").status_code == 404


def test_an_article_cannot_link_another_brands_product(docs, editor, other_tenant):
    article = SupportArticlePage.objects.get(slug="returns")
    theirs = Product.objects.get(tenant=other_tenant)
    url = f"/admin/pages/{article.id}/edit/"
    form = {
        "title": article.title, "slug": article.slug, "kind": "faq", "summary": "",
        "product_links-TOTAL_FORMS": "1", "product_links-INITIAL_FORMS": "0", "product_links-MIN_NUM_FORMS": "0",
        "product_links-MAX_NUM_FORMS": "1000", "product_links-0-product": theirs.pk, "product_links-0-ORDER": "1",
        "product_links-0-id": "", "product_links-0-DELETE": "", "body-count": "0",
    }
    response = editor.post(url, form)
    assert response.status_code == 200  # the form again, with its error
    assert "Choose a product of this brand." in response.content.decode()
    assert not SupportArticleProduct.objects.filter(product=theirs, article=article).exists()
    form["product_links-0-product"] = docs[1].pk
    response = editor.post(url, {**form, "action-publish": "action-publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SupportArticleProduct.objects.filter(product=docs[1], article=article).exists()


def test_the_product_page_shows_its_image_and_description(docs, tenant, settings, tmp_path):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    settings.MEDIA_ROOT = tmp_path
    image = get_image_model().objects.create(title="TP9 photo", file=get_test_image_file(), collection=tenant.collection)
    Product.objects.filter(id=docs[1].id).update(image=image, description="Compact 9 mm for everyday carry.")
    html = Client().get("/northpeak/catalog/TP9-ELITE-SC/").content.decode()
    assert re.search(r'<img [^>]*class="product-image"', html) and "Compact 9 mm for everyday carry." in html
    assert 'src="/media/images/' in html  # a rendition the site serves itself


def test_the_product_page_speaks_the_visitors_language(docs):
    html = Client().get("/northpeak/catalog/TP9-ELITE-SC/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "1 Jahr Garantie ab dem Kaufdatum." in html
    assert "Insgesamt 2 Jahre, wenn Sie es innerhalb von 30 Tagen nach dem Kauf registrieren." in html
    assert "Dieses Produkt registrieren" in html and "Anleitungen und Antworten" in html
    registered = Client().get("/northpeak/catalog/TP9-ELITE-SC/?serial=none", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Enregistrer ce produit" in registered.content.decode()


def test_the_search_speaks_the_visitors_language(docs):
    found = Client().get("/northpeak/search/?q=cleaning", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "1 Ergebnis für „cleaning“." in found and "Anleitungen und Antworten durchsuchen" in found
    nothing = Client().get("/northpeak/search/?q=zzzz", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "No se encontró nada para «zzzz»." in nothing
