"""The portal's screens served by each brand's portal page: branding, the API they call, tenant isolation."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from home.models import TenantPortalPage
from support_docs.models import SupportArticlePage, SupportIndexPage
from warranty_api.accounts.services import password_reset_link

SCREENS = {
    "/register/": "register",
    "/register/?serial=SN-CA-20250115": "register",
    "/sign-up/": "sign_up",
    "/sign-in/": "sign_in",
    "/forgot-password/": "forgot_password",
    "/reset-password/?uid=usr_x&token=abc": "reset_password",
    "/verify-email/?token=abc": "verify_email",
    "/accept-transfer/?token=abc": "accept_transfer",
    "/products/": "products",
    "/products/wty_abc/": "product",
    "/claims/": "claims",
    "/claims/new/": "claim_new",
    "/claims/clm_abc/": "claim",
    "/account/": "account",
}


def _config(html: str) -> dict:
    match = re.search(r'<script id="portal-config" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries its portal configuration"
    return json.loads(match.group(1))


@pytest.mark.parametrize("path,screen", SCREENS.items())
def test_each_screen_is_served_branded_and_calls_its_own_tenant(tenant, other_tenant, path, screen):
    response = Client().get(f"/northpeak{path}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-screen="{screen}"' in html
    assert "Northpeak Outdoor" in html and "--primary: #0b5d3b" in html and "--accent: #f2a900" in html
    assert "Built for the long trail" in html and "care@northpeak.example" in html
    assert "/static/home/portal.js" in html
    config = _config(html)
    assert config["tenant"] == "northpeak"
    assert config["api_base"] == "/api/northpeak" and config["public_api_base"] == "/api/p/northpeak"
    assert all(url.startswith("/northpeak/") for url in config["urls"].values())
    # Nothing of the other brand on this brand's page: not its name, not its API.
    assert "southwind" not in html.lower()


def test_another_brand_gets_its_own_portal(tenant, other_tenant):
    html = Client().get("/southwind/claims/new/").content.decode()
    config = _config(html)
    assert config["tenant"] == "southwind" and config["api_base"] == "/api/southwind"
    assert "Southwind Brand" in html and "Northpeak" not in html and "/api/northpeak" not in html


def test_the_home_page_links_every_screen(tenant):
    html = Client().get("/northpeak/").content.decode()
    for path in ("/northpeak/register/", "/northpeak/sign-in/", "/northpeak/sign-up/", "/northpeak/products/",
                 "/northpeak/claims/", "/northpeak/account/"):
        assert f'href="{path}"' in html


@pytest.mark.parametrize("path", ["/nosuch/", "/nosuch/register/", "/nosuch/verify-email/?token=x", "/nosuch/claims/"])
def test_unknown_tenant_is_404(tenant, path):
    assert Client().get(path).status_code == 404


def test_a_deactivated_brand_has_no_portal(tenant):
    tenant.is_active = False
    tenant.save(update_fields=["is_active"])
    client = Client()
    assert client.get("/northpeak/").status_code == 404
    assert client.get("/northpeak/register/").status_code == 404


def test_unknown_screen_is_404(tenant):
    assert Client().get("/northpeak/no-such-screen/").status_code == 404


def test_the_qr_link_prefills_the_serial_and_escapes_it(tenant):
    html = Client().get("/northpeak/register", {"serial": "SN-CA-20250115"}, follow=True).content.decode()
    assert 'value="SN-CA-20250115"' in html
    hostile = Client().get("/northpeak/register/", {"serial": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)" not in hostile and "&quot;&gt;&lt;script&gt;" in hostile


def test_the_registration_form_asks_for_what_the_brand_requires(make_tenant):
    make_tenant("strict", registration={"required_fields": ["proof_of_purchase", "retailer"], "verification": "off"})
    make_tenant("lenient", registration={"required_fields": [], "verification": "off"})
    strict = Client().get("/strict/register/").content.decode()
    lenient = Client().get("/lenient/register/").content.decode()
    assert re.search(r'name="proof_of_purchase" type="file" required', strict)
    assert re.search(r'name="retailer" type="text" required', strict)
    assert not re.search(r'name="proof_of_purchase" type="file" required', lenient)
    assert not re.search(r'name="customer.address.street" type="text" required', lenient)
    assert "It looks like SN-AA-000000" in strict


def test_every_input_has_a_label_and_an_error_slot(tenant):
    for path in SCREENS:
        html = Client().get(f"/northpeak{path}").content.decode()
        for input_id in re.findall(r'<(?:input|select|textarea) id="([^"]+)"', html):
            assert f'<label for="{input_id}">' in html, (path, input_id)
            assert f'id="{input_id}-error"' in html, (path, input_id)


@pytest.mark.parametrize("kind", ["verify", "reset", "transfer"])
def test_the_links_in_emails_open_a_portal_screen(tenant, make_customer, kind):
    """The emails link to /<slug>/verify-email?..., /reset-password?... and /accept-transfer?..., without a slash."""
    user = make_customer(tenant, "linked@example.com")
    if kind == "reset":
        link = password_reset_link(tenant=tenant, user=user)
        screen = "reset_password"
    else:
        name = {"verify": "verify-email", "transfer": "accept-transfer"}[kind]
        link = f"http://127.0.0.1:8000/northpeak/{name}?token=abc.def"
        screen = name.replace("-", "_")
    parts = urlsplit(link)
    response = Client().get(f"{parts.path}?{parts.query}", follow=True)
    assert response.status_code == 200
    assert f'data-screen="{screen}"' in response.content.decode()
    # The emailed path has no trailing slash; the redirect to the screen keeps the token.
    assert response.redirect_chain[-1][0] == f"{parts.path}/?{parts.query}"


def test_branding_values_are_made_safe_for_css_and_src(make_tenant):
    tenant = make_tenant("shady")
    tenant.branding = {"primary_color": "red;} body {display:none", "logo_url": "javascript:alert(1)"}
    tenant.save(update_fields=["branding"])
    html = Client().get("/shady/").content.decode()
    assert "display:none" not in html and "javascript:" not in html
    assert "--primary: #1f3a5f" in html
    tenant.branding = {"logo_url": "https://cdn.example.com/shady.svg"}
    tenant.save(update_fields=["branding"])
    assert '<img src="https://cdn.example.com/shady.svg"' in Client().get("/shady/").content.decode()


@pytest.fixture
def support_pages(tenant):
    portal = TenantPortalPage.objects.get(tenant=tenant)
    index = portal.add_child(instance=SupportIndexPage(title="Support", slug="support"))
    article = index.add_child(
        instance=SupportArticlePage(title="Cleaning the TP9", slug="cleaning", kind="manual", product_skus="TP9-ELITE-SC")
    )
    general = index.add_child(instance=SupportArticlePage(title="Shipping a return", slug="returns"))
    return index, article, general


def test_support_docs_render_inside_the_brand_portal(support_pages, other_tenant):
    client = Client()
    index_html = client.get("/northpeak/support/").content.decode()
    assert "Cleaning the TP9" in index_html and "--primary: #0b5d3b" in index_html
    assert _config(index_html)["tenant"] == "northpeak"
    article = client.get("/northpeak/support/cleaning/")
    assert article.status_code == 200 and "Northpeak Outdoor" in article.content.decode()
    # The portal links its documentation; another brand's portal does not.
    assert 'href="/northpeak/support/"' in client.get("/northpeak/register/").content.decode()
    assert "/northpeak/support/" not in client.get("/southwind/").content.decode()
    assert client.get("/southwind/support/cleaning/").status_code == 404


def test_a_product_screen_carries_the_articles_tagged_with_skus(support_pages):
    html = Client().get("/northpeak/products/wty_abc/").content.decode()
    assert 'data-skus="TP9-ELITE-SC"' in html and "Cleaning the TP9" in html
    assert 'data-skus=""' in html and "Shipping a return" in html


def test_a_documentation_page_may_not_take_a_screen_s_slug(tenant):
    portal = TenantPortalPage.objects.get(tenant=tenant)
    with pytest.raises(ValidationError):
        portal.add_child(instance=SupportIndexPage(title="Register", slug="register"))
