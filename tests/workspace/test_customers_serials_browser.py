"""The customer and known-serials screens in a real browser, at desk and phone widths, with screenshots.

Chromium via Playwright against a live server, as the claim desk's browser test does; screenshots go to SHOTS_DIR
(default /tmp/shots/staff2).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import PASSWORD
from tests.support.browser import (
    BROWSER_TEST,
    DESKTOP,
    PHONE,
    admin_screenshot,
    admin_sign_in,
    fits_width,
    new_page,
)
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.models import KnownSerial, Product, Role, SerialImportJob, Warranty, WarrantyEvent

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/staff2"))

pytestmark = BROWSER_TEST


def test_an_agent_corrects_a_contact_and_imports_serials(browser, live_server, tenant, make_staff, make_customer,
                                                        tmp_path):
    base = live_server.url
    agent = make_staff(tenant, Role.AGENT, email="ann.agent@northpeak.example")
    owner = make_customer(tenant, "jo.walker@example.com")
    warranty = make_warranty(tenant, owner, serial="SN-CA-55550001")
    make_claim(tenant, owner, warranty=warranty)
    for n in range(3):
        make_warranty(tenant, make_customer(tenant, f"rider{n}@example.com"))
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    KnownSerial.objects.create(tenant=tenant, serial_number="SN-CA-55550001", product=product,
                               manufactured_on="2025-01-15")
    csv = tmp_path / "spring-batch.csv"
    csv.write_text("serial_number,sku,manufactured_on\nSN-CA-66660001,TP9-ELITE-SC,2025-03-01\n"
                   "SN-CA-66660002,NO-SUCH-SKU,2025-03-01\nSN-CA-66660003,TP9-ELITE-SC,31/03/2025\n")

    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, viewport)
        admin_sign_in(page, base, agent.email, PASSWORD)
        page.goto(f"{base}/admin/customers/")
        search = page.locator("#id_q")
        search.fill("jo.walker")
        search.press("Enter")
        page.wait_for_function("document.querySelectorAll('table.listing tbody tr').length === 1")
        page.get_by_role("link", name="jo.walker@example.com").click()
        page.wait_for_selector("[data-customer]")
        page.get_by_label("Phone").fill(f"+44 113 496 000{len(label)}")
        page.get_by_label("City").fill("Leeds")
        page.get_by_label("Why (goes in the audit trail)").fill("Customer phoned")
        page.get_by_role("button", name="Save the correction").click()
        page.wait_for_selector("text=Contact details of warranty SN-CA-55550001 corrected.")
        assert fits_width(page), f"the customer screen scrolls sideways on {label}"
        admin_screenshot(page, str(SHOTS / f"customer-{label}.png"))

        page.goto(f"{base}/admin/customers/")
        assert fits_width(page)
        admin_screenshot(page, str(SHOTS / f"customers-{label}.png"))

        page.goto(f"{base}/admin/serials/")
        page.get_by_label("Serial number").fill("sn-ca-55550001")
        page.get_by_role("button", name="Look up").click()
        page.wait_for_selector('[data-known="yes"]')
        page.get_by_label("CSV file").set_input_files(str(csv))
        page.get_by_role("button", name="Upload and import").click()
        page.wait_for_url("**/admin/serials/imports/**")
        # The job runs after its upload commits; the page refreshes itself until it ends.
        page.wait_for_selector('[data-status="done"]', timeout=30_000)
        assert page.locator("[data-bad-line]").count() == 2
        assert fits_width(page)
        admin_screenshot(page, str(SHOTS / f"import-{label}.png"))
        page.goto(f"{base}/admin/serials/?serial=SN-CA-55550001")
        assert fits_width(page), f"the serials screen scrolls sideways on {label}"
        admin_screenshot(page, str(SHOTS / f"serials-{label}.png"))
        page.context.close()

    warranty.refresh_from_db()
    assert warranty.contact_address == {"city": "Leeds"}
    assert WarrantyEvent.objects.filter(warranty=warranty, action="contact_corrected").count() == 2
    assert SerialImportJob.objects.filter(tenant=tenant, status="done").count() == 2
    assert Warranty.objects.filter(tenant=tenant).count() == 4
