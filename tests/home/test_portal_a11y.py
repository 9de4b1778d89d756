"""Every portal screen, signed out and signed in, at 1280 and 390 px: axe-core finds no WCAG 2.1 AA violation.

Screenshots of each go to /tmp/shots/portal/ for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.support.a11y import axe_violations
from tests.support.browser import BROWSER_TEST, DESKTOP, PHONE
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.claims.services import claim_message_post

SHOTS = Path(os.environ.get("PORTAL_SHOTS", "/tmp/shots/portal"))
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}

pytestmark = BROWSER_TEST

SIGNED_OUT = [
    ("landing", "/northpeak/"),
    ("register", "/northpeak/register/?serial=SN-CA-20250115"),
    ("sign_up", "/northpeak/sign-up/"),
    ("sign_in", "/northpeak/sign-in/"),
    ("forgot_password", "/northpeak/forgot-password/"),
    ("reset_password", "/northpeak/reset-password/?uid=usr_x&token=t"),
    ("verify_email", "/northpeak/verify-email/?token=t"),
    ("accept_transfer", "/northpeak/accept-transfer/?token=t"),
    ("accept_invitation", "/northpeak/accept-invitation/?token=t"),
    ("not_found", "/northpeak/no-such-page/"),
]


def _check(page, base: str, name: str, path: str, width: str, found: dict) -> None:
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    violations = axe_violations(page)
    if violations:
        found[f"{name} at {width}"] = violations


@pytest.mark.parametrize("width", WIDTHS)
def test_no_wcag_violation_on_any_screen(browser, live_server, tenant, make_customer, width):
    customer = make_customer(tenant, "ada@example.com")
    warranty = make_warranty(tenant, customer)
    claim = make_claim(tenant, customer, warranty=warranty, description="The zip broke on the second trip.")
    claim_message_post(tenant=tenant, claim_id=claim.id, user=customer, body="Here is what happened, in detail.")
    base = live_server.url
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    found: dict[str, list[str]] = {}

    for name, path in SIGNED_OUT:
        _check(page, base, name, path, width, found)

    # Forms showing their errors: a sign-in refused, a registration missing its fields.
    page.goto(base + "/northpeak/sign-in/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#sign-in .form-status").wait_for(state="visible")
    if violations := axe_violations(page):
        found[f"sign_in refused at {width}"] = violations
    page.goto(base + "/northpeak/register/")
    page.get_by_role("button", name="Register product").click()
    page.locator("#register .form-status").wait_for(state="visible")
    page.screenshot(path=str(SHOTS / f"register_errors-{width}.png"), full_page=True)
    if violations := axe_violations(page):
        found[f"register with errors at {width}"] = violations

    page.goto(base + "/northpeak/sign-in/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/northpeak/products/"))
    for name, path in [
        ("products", "/northpeak/products/"),
        ("product", f"/northpeak/products/{warranty.id}/"),
        ("claims", "/northpeak/claims/"),
        ("claim_new", f"/northpeak/claims/new/?warranty={warranty.id}"),
        ("claim", f"/northpeak/claims/{claim.id}/"),
        ("account", "/northpeak/account/"),
        ("landing_signed_in", "/northpeak/"),
    ]:
        _check(page, base, name, path, width, found)
    context.close()
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(items) for where, items in found.items())


@pytest.mark.parametrize("width", WIDTHS)
def test_no_wcag_violation_on_the_warranty_screens_with_a_product_photo(browser, live_server, tenant, make_customer,
                                                                         settings, width):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from warranty_api.models import Product

    settings.ROOT_URLCONF = "tests.support.media_urls"
    image = get_image_model().objects.create(title="TP9 photo", file=get_test_image_file(), collection=tenant.collection)
    Product.objects.filter(tenant=tenant, sku="TP9-ELITE-SC").update(image=image)
    warranty = make_warranty(tenant, make_customer(tenant, "ada@example.com"))
    base = live_server.url
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/northpeak/sign-in/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/northpeak/products/"))
    found: dict[str, list[str]] = {}
    for name, path in [("products_photo", "/northpeak/products/"),
                       ("product_photo", f"/northpeak/products/{warranty.id}/")]:
        _check(page, base, name, path, width, found)
        assert page.get_by_role("img", name="Photo of TP9 Elite SC").count() == 1, name
    context.close()
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(items) for where, items in found.items())


def test_the_check_itself_finds_a_violation(browser, live_server, tenant):
    # Without this, a check that silently ran nothing would pass every screen.
    page = browser.new_page()
    page.goto(live_server.url + "/northpeak/")
    page.evaluate("document.querySelector('main').append(Object.assign(document.createElement('img'), {src: '/x.png'}))")
    violations = axe_violations(page)
    assert any(v.startswith("image-alt (critical)") for v in violations), violations
    page.close()
