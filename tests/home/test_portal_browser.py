"""The portal in a real browser: the machine's Chromium, driven by Playwright, against a live server.

The pages, their script and the API they call all run for real; links come from the emails the product
sent (Django's in-memory outbox). Without /usr/bin/chromium these tests are skipped, and say why; in CI such a skip fails the run.
"""

from __future__ import annotations

import datetime
import io
import os
import re

import pytest
from django.core import mail
from PIL import Image

from home.models import TenantPortalPage
from tests.conftest import PASSWORD
from warranty_api.models import Claim, Warranty

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium) to drive the portal"
    ),
]


@pytest.fixture
def browser_page(live_server, settings, tmp_path, monkeypatch):
    """A phone-sized page of a fresh headless Chromium; emailed links point at the live server."""
    from playwright.sync_api import sync_playwright

    settings.AFTERSALE_PUBLIC_BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes between
    # browser steps are plain synchronous ones, which Django would otherwise refuse next to a loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        context.close()
        browser.close()
    assert not errors, f"the portal's script failed in the browser: {errors}"


def _image(path, color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), color).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _link_in_last_email(to: str, pattern: str) -> str:
    for message in reversed(mail.outbox):
        if to in message.to:
            match = re.search(pattern, message.body)
            if match:
                return match.group(0)
    raise AssertionError(f"no email to {to} with a link matching {pattern}: {[m.subject for m in mail.outbox]}")


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_register_from_the_qr_link_sign_up_and_file_a_claim_with_a_photo(
    browser_page, live_server, tenant, other_tenant, tmp_path
):
    page = browser_page
    serial = "SN-CA-20250115"
    email = "ada@example.com"
    base = live_server.url

    # The QR code on the box: the serial is filled in.
    page.goto(f"{base}/northpeak/register?serial={serial}")
    assert page.get_by_label("Serial number").input_value() == serial
    assert "Northpeak Outdoor" in page.locator("header").inner_text()
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()") == "#0b5d3b"

    # A purchase date in the future: the API's field error (`fields.purchase_date`) is shown next to it.
    page.get_by_label("Purchase date").fill((datetime.date.today() + datetime.timedelta(days=3)).isoformat())
    page.get_by_label("Proof of purchase").set_input_files(str(_image(tmp_path / "receipt.jpg", (250, 250, 240))))
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill("+1 555 0100")
    page.get_by_label("Street and number").fill("1 Trail Road")
    page.get_by_label("City").fill("Boulder")
    page.get_by_label("Postal code").fill("80301")
    page.get_by_label("Country").fill("US")
    page.get_by_role("button", name="Register product").click()
    date_error = page.locator("#register-purchase_date-error")
    date_error.wait_for(state="visible")
    assert "future" in date_error.inner_text()
    assert page.get_by_label("Purchase date").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Purchase date").get_attribute("aria-describedby").endswith("register-purchase_date-error")

    # A serial the brand's rules refuse (422 without `fields`): shown next to the serial.
    page.get_by_label("Purchase date").fill((datetime.date.today() - datetime.timedelta(days=5)).isoformat())
    page.get_by_label("Serial number").fill("NOT-A-SERIAL")
    page.get_by_role("button", name="Register product").click()
    serial_error = page.locator("#register-serial_number-error")
    serial_error.wait_for(state="visible")
    assert "format" in serial_error.inner_text()
    assert date_error.is_hidden()
    assert not Warranty.objects.filter(tenant=tenant).exists()

    page.get_by_label("Serial number").fill(serial)
    page.get_by_role("button", name="Register product").click()
    page.locator("#register-done").get_by_text("is registered").wait_for()
    warranty = Warranty.objects.get(tenant=tenant, serial_number=serial)
    assert warranty.proof_of_purchase is not None  # the receipt went through the public upload
    assert warranty.owner_id is None  # no account yet
    assert _fits_the_phone(page)

    # Sign up with the same email; the product shows once the email is verified from the emailed link.
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/northpeak/products/"))
    page.get_by_text("No products yet").wait_for()

    page.goto(_link_in_last_email(email, r"http://\S+/northpeak/verify-email\?token=\S+"))
    page.get_by_text("is verified").wait_for()
    page.get_by_role("navigation").get_by_role("link", name="My products").click()
    card = page.locator("#products-list li").filter(has_text=serial)
    card.wait_for()
    assert "TP9 Elite SC" in card.inner_text() and "Active" in card.inner_text()
    assert _fits_the_phone(page)

    # File a claim with a photo from the product's page.
    card.get_by_role("link", name="TP9 Elite SC").click()
    page.get_by_role("link", name="File a claim").click()
    page.wait_for_url(re.compile(r"/northpeak/claims/new/\?warranty=wty_"))
    page.locator(f'#claim-new-warranty_id option[value="{warranty.id}"]').wait_for(state="attached")
    assert page.get_by_label("Product").input_value() == warranty.id
    page.get_by_label("What happened").select_option("malfunction")
    page.get_by_label("Describe the problem").fill("The slide locks back after every shot.")
    page.get_by_label("Photos").set_input_files(str(_image(tmp_path / "damage.jpg")))
    page.get_by_role("button", name="Submit claim").click()
    page.wait_for_url(re.compile(r"/northpeak/claims/clm_\w+/"))
    page.get_by_text("Your claim is submitted").wait_for()
    claim = Claim.objects.get(tenant=tenant, warranty=warranty)
    assert claim.photos.count() == 1
    assert page.locator("#claim-detail .badge").first.inner_text() == "Submitted"
    photo = page.locator("#claim-photos img")
    photo.wait_for()
    page.wait_for_function("document.querySelector('#claim-photos img').naturalWidth > 0")
    assert page.locator("#claim-timeline li").count() >= 1

    # Its claims list shows it.
    page.get_by_role("navigation").get_by_role("link", name="My claims").click()
    listed = page.locator("#claims-list li").filter(has_text=claim.id)
    listed.wait_for()
    assert "Submitted" in listed.inner_text()

    # The session belongs to this brand only: another brand's portal is signed out.
    page.goto(f"{base}/southwind/products/")
    page.wait_for_url(re.compile(r"/southwind/sign-in/\?next="))

    # Signing out forgets the tokens.
    page.goto(f"{base}/northpeak/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").wait_for()
    assert page.evaluate("sessionStorage.getItem('aftersale.session.northpeak')") is None


def test_reset_password_from_the_emailed_link(browser_page, live_server, tenant, make_customer):
    page = browser_page
    make_customer(tenant, "forgetful@example.com", password="Old-password-42")
    base = live_server.url
    assert TenantPortalPage.objects.filter(tenant=tenant).exists()

    page.goto(f"{base}/northpeak/sign-in/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_text("a link to reset its password is on its way").wait_for()

    link = _link_in_last_email("forgetful@example.com", r"http://\S+/northpeak/reset-password\?\S+")
    assert link.startswith(base)
    page.goto(link)
    page.get_by_label("New password").fill("Brand-new-secret-42")
    page.get_by_role("button", name="Save the new password").click()
    page.get_by_text("Your password is changed").wait_for()

    # The link works once.
    page.goto(link)
    page.get_by_label("New password").fill("Another-secret-42")
    page.get_by_role("button", name="Save the new password").click()
    page.locator("#reset-password .form-status").wait_for(state="visible")

    page.goto(f"{base}/northpeak/sign-in/")
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_label("Password").fill("Old-password-42")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#sign-in .form-status").wait_for(state="visible")
    page.get_by_label("Password").fill("Brand-new-secret-42")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/northpeak/products/"))
    page.get_by_text("No products yet").wait_for()
