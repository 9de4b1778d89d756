"""The brand's set-up in a real browser: an admin changes a category's extended term and the primary colour in
Wagtail's admin; the next registration gets the new term and the portal shows the new colour.

Screenshots of each set-up screen at 1280 and 390 px wide go to /tmp/shots/config/.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from tests.conftest import PASSWORD
from tests.support.browser import BROWSER_TEST, admin_sign_in
from warranty_api.models import Role, Warranty
from warranty_api.warranties.services import add_months

SHOTS = Path("/tmp/shots/config")

pytestmark = BROWSER_TEST


def _shoot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_admin_changes_a_term_and_the_colour_and_the_product_follows(browser, live_server, tenant, make_staff):
    admin = make_staff(tenant, Role.ADMIN)
    base = live_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    admin_sign_in(page, base, admin.email, PASSWORD)

    # The category's extended term: 24 -> 36 months.
    page.goto(f"{base}/admin/catalog/categories/")
    assert "24 months" in page.locator("tr[data-category=handguns] [data-extended]").inner_text()
    page.get_by_role("link", name="Handguns").click()
    page.get_by_label("Extended months").fill("36")
    page.get_by_role("button", name="Save category").click()
    page.wait_for_url(f"{base}/admin/catalog/categories/")
    assert "36 months" in page.locator("tr[data-category=handguns] [data-extended]").inner_text()

    # The primary colour, with the preview following it before saving.
    page.goto(f"{base}/admin/brand-settings/")
    page.locator("#id_primary_color").fill("#7a1f2b")
    assert "readable" in page.locator("[data-contrast-readout]").inner_text()
    preview = page.locator("[data-brand-preview]")
    assert preview.evaluate("el => el.style.getPropertyValue('--primary')") == "#7a1f2b"
    page.get_by_role("button", name="Save brand settings").click()
    page.wait_for_url(f"{base}/admin/brand-settings/")
    assert "Brand settings saved" in page.content()

    # The next registration, through the public API, gets the new term.
    purchase = datetime.date.today() - datetime.timedelta(days=3)
    response = page.request.post(f"{base}/api/p/northpeak/warranties", data={
        "serial_number": "SN-CA-20250115", "purchase_date": purchase.isoformat(), "retailer": "Outdoor Pro Shop",
        "customer": {"email": "buyer@example.com", "name": "Buyer", "phone": "+1-555-0123",
                     "address": {"street": "1 Main St", "city": "Miami", "state": "FL", "zip": "33101"}},
    })
    assert response.status == 201, response.text()
    assert response.json()["data"]["warranty_end"] == add_months(purchase, 36).isoformat()
    assert Warranty.objects.get().warranty_end == add_months(purchase, 36)

    # The portal shows the new colour.
    page.goto(f"{base}/northpeak/")
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()") == "#7a1f2b"
    header = page.locator("header").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert header == "rgb(122, 31, 43)"

    # Each set-up screen, wide and phone-sized.
    screens = {"settings": "/admin/brand-settings/", "categories": "/admin/catalog/categories/",
               "category": "/admin/catalog/categories/handguns/", "products": "/admin/catalog/",
               "product_add": "/admin/catalog/products/add/",
               "serial_rules": "/admin/catalog/serial-rules/?serial=SN-CA-20250116",
               "emails": "/admin/email-templates/", "email_edit": "/admin/email-templates/claim_approved/",
               "staff": "/admin/staff/", "shopify": "/admin/shopify/", "webhooks": "/admin/webhooks/"}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in screens.items():
            page.goto(base + url)
            _shoot(page, f"{name}-{width}")
    # The live test box answers as one types.
    page.goto(f"{base}/admin/catalog/serial-rules/")
    page.get_by_label("Serial number").fill("SN-ZZ-1")
    page.locator('[data-serial-outcome="serial_invalid_format"]').wait_for()
    context.close()
    assert not errors, errors
