"""Scan to register in a real browser: the SVG code rendered by Chromium and decoded, followed to the
registration with the serial filled in, registered, and counted in the funnel."""

from __future__ import annotations

import datetime
import io

from PIL import Image

from tests.conftest import PASSWORD, client_for
from tests.labels.helpers import decode_png
from tests.support.browser import BROWSER_TEST, admin_sign_in
from tests.support.claims_helpers import make_warranty
from warranty_api.models import Role, Warranty

SHOTS = "/tmp/shots/labels"

pytestmark = BROWSER_TEST


def _svg_rendered_by_chromium(browser, svg: bytes) -> str:
    """Render the SVG itself (not a PNG of the same matrix) in Chromium and decode the screenshot."""
    page = browser.new_page(viewport={"width": 400, "height": 400})
    page.set_content("<html><body style='margin:20px;background:#fff'>" + svg.decode().split("?>", 1)[1]
                     + "</body></html>")
    shot = page.locator("svg").screenshot()
    page.close()
    image = Image.open(io.BytesIO(shot))
    big = io.BytesIO()
    image.resize((image.width * 3, image.height * 3), Image.NEAREST).save(big, "PNG")
    return decode_png(big.getvalue())


def test_a_scan_lands_filled_registers_and_the_funnel_counts_it(browser, live_server, tenant, make_staff):
    base = live_server.url
    serial = "SN-CA-20250115"
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    svg = admin.get(f"/api/northpeak/admin/serials/{serial}/qr?format=svg")
    assert svg.status_code == 200
    url = _svg_rendered_by_chromium(browser, svg.content)
    assert url == f"{base}/northpeak/s/{serial}"

    for width, height, name in ((390, 844, "phone"), (1280, 900, "desktop")):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        response = page.goto(url)
        assert response.ok
        if name == "desktop":
            # Scanned again once registered: the same label lands on the unit's product page.
            assert "/northpeak/catalog/" in page.url and "registered=1" in page.url
            page.get_by_text(f"serial {serial} is registered").wait_for()
            page.screenshot(path=f"{SHOTS}/scan-registered-{name}.png", full_page=True)
        else:
            assert page.url.startswith(f"{base}/northpeak/register/?serial={serial}")
            assert page.get_by_label("Serial number").input_value() == serial
            page.screenshot(path=f"{SHOTS}/scan-register-{name}.png", full_page=True)
            page.get_by_label("Purchase date").fill((datetime.date.today() - datetime.timedelta(days=2)).isoformat())
            page.get_by_label("Full name").fill("Ada Lovelace")
            page.get_by_label("Email").fill("ada@example.com")
            page.get_by_label("Phone").fill("+1 555 0100")
            page.get_by_label("Street and number").fill("1 Trail Road")
            page.get_by_label("City").fill("Boulder")
            page.get_by_label("Postal code").fill("80301")
            page.get_by_label("Country").fill("US")
            page.get_by_role("button", name="Register product").click()
            page.locator("#register-done").get_by_text("is registered").wait_for()
            page.screenshot(path=f"{SHOTS}/registered-{name}.png", full_page=True)
            # The confirmation links the product's page.
            page.locator("#register-product-page").click()
            page.wait_for_url(f"{base}/northpeak/catalog/TP9-ELITE-SC/")
            page.get_by_role("heading", name="Warranty").wait_for()
            page.screenshot(path=f"{SHOTS}/product-page-{name}.png", full_page=True)
        context.close()
    assert Warranty.objects.filter(tenant=tenant, serial_number=serial).count() == 1

    funnel = admin.get("/api/northpeak/admin/analytics/registration-funnel?by=sku").json()["data"]
    group = next(g for g in funnel["groups"] if g["key"] == "TP9-ELITE-SC")
    # The desktop visit scanned again after the registration: it landed on the product page instead.
    assert (group["scans"], group["serials_scanned"], group["registrations"], group["registrations_from_scans"]) == (
        2, 1, 1, 1)
    assert group["conversion"] == 1.0


def test_the_owner_signed_in_who_scans_their_unit_lands_on_its_warranty(browser, live_server, tenant, make_customer):
    base = live_server.url
    owner = make_customer(tenant, "ada@example.com")
    warranty = make_warranty(tenant, owner, serial="SN-CA-20250116")
    make_warranty(tenant, make_customer(tenant, "bob@example.com"), serial="SN-CA-20250117")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/northpeak/sign-in/")
    page.locator("#sign-in [name=email]").fill("ada@example.com")
    page.locator("#sign-in [name=password]").fill(PASSWORD)
    page.locator("#sign-in button[type=submit]").click()
    page.wait_for_url(f"{base}/northpeak/products/")
    page.goto(f"{base}/northpeak/s/SN-CA-20250116")
    page.wait_for_url(f"{base}/northpeak/products/{warranty.id}/")
    # Someone else's registered unit: the product page, with how to reach support.
    page.goto(f"{base}/northpeak/s/SN-CA-20250117")
    page.get_by_text("serial SN-CA-20250117 is registered").wait_for()
    assert "/northpeak/catalog/" in page.url
    page.screenshot(path=f"{SHOTS}/scan-someone-elses-{390}.png", full_page=True)
    context.close()


def test_the_qr_codes_screen_in_the_admin(browser, live_server, tenant, make_staff):
    base = live_server.url
    admin = make_staff(tenant, Role.ADMIN, email="ida.admin@northpeak.example")
    for serial in ("SN-CA-20250118", "SN-CA-20250119"):
        browser_context = browser.new_context()
        browser_context.new_page().goto(f"{base}/northpeak/s/{serial}")  # two scans for the funnel
        browser_context.close()
    for width, height, name in ((1280, 900, "wide"), (390, 844, "phone")):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15_000)
        admin_sign_in(page, base, admin.email, PASSWORD)
        page.goto(f"{base}/admin/qr-codes/?serial=SN-CA-20250118")
        page.get_by_role("heading", name="Registration funnel").wait_for()
        loaded = page.evaluate("Array.from(document.querySelectorAll('main img')).map(i => i.naturalWidth > 0)")
        assert loaded and all(loaded), loaded
        assert page.locator("svg.analytics-chart").count() == 1
        main_height = page.evaluate("Math.max(document.querySelector('main').scrollHeight, window.innerHeight)")
        page.set_viewport_size({"width": width, "height": min(main_height, 5000)})
        page.screenshot(path=f"{SHOTS}/qr-screen-{name}.png")
        context.close()
