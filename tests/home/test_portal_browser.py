"""The portal in a real browser: the machine's Chromium, driven by Playwright, against a live server.

The pages, their script and the API they call all run for real; links come from the emails the product
sent (Django's in-memory outbox). Without /usr/bin/chromium these tests are skipped, and say why; in CI such a skip fails the run.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import urllib.request

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from home.models import TenantPortalPage
from tests.conftest import PASSWORD
from tests.support.a11y import axe_violations
from tests.support.browser import BROWSER_TEST, PHONE
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.models import Claim, Warranty

pytestmark = BROWSER_TEST


@pytest.fixture
def browser_page(browser):
    """A phone-sized page of a fresh headless Chromium; emailed links point at the live server."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Chromium reports each Content-Security-Policy violation on the console.
    context.on("console", lambda message: message.type == "error" and "Content Security Policy" in message.text
               and errors.append(message.text))
    yield page
    context.close()
    assert not errors, f"the portal's script failed in the browser, or its policy refused something: {errors}"


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
    # Above the form: which field to fix, in words a customer uses (not the API's summary of its envelope).
    summary = page.locator("#register .form-status").inner_text()
    assert summary == "Please check purchase date.", summary
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
    listed = page.locator("#claims-list li").filter(has_text=claim.reference)
    listed.wait_for()
    assert "Submitted" in listed.inner_text()

    # The session belongs to this brand only: another brand's portal is signed out.
    page.goto(f"{base}/southwind/products/")
    page.wait_for_url(re.compile(r"/southwind/sign-in/\?next="))

    # Signing out ends the session: the cookie is gone and a reload stays signed out.
    page.goto(f"{base}/northpeak/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == "aftersale_refresh"]
    page.goto(f"{base}/northpeak/products/")
    page.wait_for_url(re.compile(r"/northpeak/sign-in/\?next="))


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


def _sign_in(page, base, email):
    page.goto(f"{base}/northpeak/sign-in/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/northpeak/products/"))


def test_a_page_left_before_its_refresh_answered_keeps_the_session(browser_page, live_server, tenant, make_customer):
    page = browser_page
    base = live_server.url
    make_customer(tenant, "ada@example.com")
    _sign_in(page, base, "ada@example.com")
    page.get_by_text("No products yet").wait_for()

    def answer_without_the_new_cookie(route):
        # The server rotates the token, but the answer that would set the new cookie never reaches the jar
        # (the page was left first); the jar keeps the rotated-out token.
        stale = next(c["value"] for c in page.context.cookies() if c["name"] == "aftersale_refresh")
        request = urllib.request.Request(route.request.url, data=b"{}", method="POST", headers={
            "Content-Type": "application/json", "X-Aftersale-Session": "cookie", "Cookie": "aftersale_refresh=" + stale,
        })
        with urllib.request.urlopen(request) as response:
            route.fulfill(status=response.status, body=response.read(), content_type="application/json")

    page.route("**/api/northpeak/auth/refresh", answer_without_the_new_cookie, times=1)
    page.goto(f"{base}/northpeak/claims/")
    page.get_by_text("You have not filed a claim").wait_for()
    # The next page refreshes with the rotated-out cookie and is still signed in.
    page.goto(f"{base}/northpeak/account/")
    expect(page.locator("#account [name=email]")).to_have_value("ada@example.com")
    assert "/sign-in/" not in page.url


def test_without_its_script_a_form_sends_nothing_and_the_page_says_so(browser, live_server, tenant):
    requested: list[str] = []
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.on("request", lambda request: requested.append(request.method + " " + request.url))
    page.goto(f"{live_server.url}/northpeak/sign-in/")
    assert "needs JavaScript" in page.locator("main").inner_text()
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("Secret-password-42")
    page.get_by_label("Password").press("Enter")
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="Sign in").is_disabled()
    context.close()
    assert not [r for r in requested if "password" in r or "Secret" in r], requested
    assert [r for r in requested if r.startswith("GET") and "/sign-in/" in r] == [f"GET {live_server.url}/northpeak/sign-in/"]


def test_hidden_parts_stay_hidden_signed_out_and_signed_in(browser_page, live_server, tenant, make_customer):
    page = browser_page
    base = live_server.url
    make_customer(tenant, "ada@example.com")
    page.goto(f"{base}/northpeak/")
    actions = page.locator("main .actions")
    actions.get_by_role("link", name="Sign in").wait_for()
    assert actions.get_by_role("link", name="My products").is_hidden()
    assert actions.get_by_role("link", name="My claims").is_hidden()

    _sign_in(page, base, "ada@example.com")
    page.get_by_text("No products yet").wait_for()
    assert page.locator("#products-more").is_hidden()  # one page only: no "Show more"
    page.goto(f"{base}/northpeak/")
    actions.get_by_role("link", name="My products").wait_for()
    assert actions.get_by_role("link", name="Sign in").is_hidden()
    assert actions.get_by_role("link", name="Create an account").is_hidden()


def test_the_session_survives_a_new_tab_and_a_reload_and_no_script_can_read_it(
    browser_page, live_server, tenant, make_customer
):
    page = browser_page
    base = live_server.url
    customer = make_customer(tenant, "ada@example.com")
    warranty = make_warranty(tenant, customer)
    _sign_in(page, base, "ada@example.com")
    page.locator("#products-list li").filter(has_text=warranty.serial_number).wait_for()

    # A second tab (as a link from an email opens) is signed in.
    second = page.context.new_page()
    second.goto(f"{base}/northpeak/products/{warranty.id}/")
    second.get_by_role("link", name="File a claim").wait_for()
    assert "/sign-in/" not in second.url
    second.close()

    # A reload keeps the session.
    page.reload()
    page.locator("#products-list li").filter(has_text=warranty.serial_number).wait_for()
    assert "/sign-in/" not in page.url

    # No token where a script could read it: not in either storage, not in document.cookie.
    stored = page.evaluate("JSON.stringify([Object.entries(sessionStorage), Object.entries(localStorage)])")
    assert "eyJ" not in stored  # every JWT starts so
    assert "aftersale_refresh" not in page.evaluate("document.cookie")
    cookie = next(c for c in page.context.cookies() if c["name"] == "aftersale_refresh")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/api/northpeak/auth/"


def test_a_message_with_photos_shows_them_once_in_the_conversation(
    browser_page, live_server, tenant, make_customer, tmp_path
):
    page = browser_page
    base = live_server.url
    customer = make_customer(tenant, "ada@example.com")
    warranty = make_warranty(tenant, customer)
    _sign_in(page, base, "ada@example.com")
    page.goto(f"{base}/northpeak/claims/new/?warranty={warranty.id}")
    page.locator(f'#claim-new-warranty_id option[value="{warranty.id}"]').wait_for(state="attached")
    page.get_by_label("What happened").select_option("malfunction")
    page.get_by_label("Describe the problem").fill("The strap buckle snapped on the first outing.")
    page.get_by_role("button", name="Submit claim").click()
    page.wait_for_url(re.compile(r"/northpeak/claims/clm_\w+/"))
    claim = Claim.objects.get(tenant=tenant, warranty=warranty)
    page.get_by_role("heading", name=f"Claim {claim.reference}").wait_for()

    page.get_by_label("Message").fill("Here is the buckle.")
    page.get_by_label("Add photos").set_input_files([str(_image(tmp_path / "a.jpg")), str(_image(tmp_path / "b.jpg", (20, 90, 200)))])
    page.get_by_role("button", name="Send").click()
    message = page.locator("#claim-timeline li.message").filter(has_text="Here is the buckle.")
    message.wait_for()
    assert message.locator("img").count() == 2
    page.wait_for_function("[...document.querySelectorAll('#claim-timeline li.message img')].every((i) => i.naturalWidth > 0)")
    # Filed, then the message: no empty "Message" line beside it.
    assert page.locator("#claim-timeline li").count() == 2
    assert "Message" not in page.locator("#claim-timeline li.event").all_inner_texts()


def test_the_claim_page_fits_a_phone(browser_page, live_server, tenant, make_customer):
    page = browser_page
    base = live_server.url
    customer = make_customer(tenant, "ada@example.com")
    claim = make_claim(tenant, customer, description="A" * 300, reference="")  # the longest title: the bare id
    _sign_in(page, base, "ada@example.com")
    page.goto(f"{base}/northpeak/claims/{claim.id}/")
    page.get_by_role("heading", name=f"Claim {claim.id}").wait_for()
    assert page.viewport_size["width"] == 390
    assert _fits_the_phone(page), page.evaluate("document.documentElement.scrollWidth")


def test_a_portal_page_sends_its_content_security_policy(live_server, tenant):
    with urllib.request.urlopen(f"{live_server.url}/northpeak/sign-in/") as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy


def test_an_unknown_portal_address_answers_the_brands_own_404(browser_page, live_server, tenant):
    page = browser_page
    response = page.goto(f"{live_server.url}/northpeak/no-such-page/")
    assert response.status == 404
    page.get_by_role("heading", name="Page not found").wait_for()
    assert "Northpeak Outdoor" in page.locator("header").inner_text()


def test_a_german_customer_registers_gets_the_german_email_and_files_a_claim_in_german(browser, live_server, tenant):
    base = live_server.url
    serial = "SN-CA-20250115"
    email = "greta@example.com"
    # A browser set to German: Accept-Language de-DE, and a German-speaking phone.
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{base}/northpeak/register?serial={serial}")
    assert page.evaluate("document.documentElement.lang") == "de"
    page.get_by_role("heading", name="Produkt registrieren").wait_for()
    page.get_by_label("Kaufdatum").fill((datetime.date.today() - datetime.timedelta(days=5)).isoformat())
    page.get_by_label("Vollständiger Name").fill("Greta Berger")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Telefon").fill("+49 30 1234567")
    page.get_by_label("Straße und Hausnummer").fill("Lindenstraße 5")
    page.get_by_label(re.compile(r"^Ort\b")).fill("Berlin")
    page.get_by_label("Postleitzahl").fill("10115")
    page.get_by_label(re.compile(r"^Land\b")).fill("DE")
    page.get_by_role("button", name="Produkt registrieren").click()
    page.locator("#register-done").get_by_text("ist registriert").wait_for()
    assert not axe_violations(page)

    # The confirmation is in German, its dates written the German way.
    [confirmation] = [m for m in mail.outbox if m.to == [email]]
    assert "ist bei Northpeak Outdoor registriert" in confirmation.subject
    assert "Danke, dass Sie Ihr" in confirmation.body and "Garantie gültig vom" in confirmation.body

    # Sign up from the handed-over details; the account takes the page's language.
    page.get_by_role("link", name="Konto anlegen").click()
    expect(page.get_by_label("E-Mail")).to_have_value(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Konto anlegen").click()
    page.wait_for_url(re.compile(r"/northpeak/products/"))
    page.get_by_text("Bestätigen Sie Ihre E-Mail-Adresse").wait_for()
    verification = _link_in_last_email(email, r"http://\S+/northpeak/verify-email\?token=\S+")
    assert [m for m in mail.outbox if m.to == [email]][-1].subject == "Bestätigen Sie Ihre E-Mail-Adresse für Northpeak Outdoor"
    page.goto(verification)
    page.get_by_text("ist bestätigt").wait_for()

    warranty = Warranty.objects.get(tenant=tenant, serial_number=serial)
    assert warranty.owner.language == "de"
    page.goto(f"{base}/northpeak/claims/new/?warranty={warranty.id}")
    page.locator(f'#claim-new-warranty_id option[value="{warranty.id}"]').wait_for(state="attached")
    page.get_by_label("Was ist passiert").select_option("malfunction")
    page.get_by_label("Beschreiben Sie das Problem").fill("Der Schlitten rastet nach jedem Schuss ein.")
    page.get_by_role("button", name="Reklamation absenden").click()
    page.wait_for_url(re.compile(r"/northpeak/claims/clm_\w+/"))
    page.get_by_text("Ihre Reklamation ist eingereicht").wait_for()
    claim = Claim.objects.get(tenant=tenant, warranty=warranty)
    page.get_by_role("heading", name=f"Reklamation {claim.reference}").wait_for()
    assert page.locator("#claim-detail .badge").first.inner_text() == "Eingereicht"
    assert "Reklamation eingereicht" in page.locator("#claim-timeline").inner_text()
    assert _fits_the_phone(page)
    assert not axe_violations(page)
    page.screenshot(path="/tmp/shots/portal/claim-de-phone.png", full_page=True)
    received = [m for m in mail.outbox if m.to == [email]][-1]
    assert received.subject == f"Wir haben Ihre Reklamation {claim.reference} erhalten"
    context.close()
    assert not errors, errors


def test_the_opt_in_is_asked_at_sign_up_and_withdrawn_in_the_account(browser_page, live_server, tenant):
    from warranty_api.models import MarketingConsent, User

    tenant.marketing_consent_text = "Yes, send me Northpeak's trail news and offers."
    tenant.save(update_fields=["marketing_consent_text"])
    page, base = browser_page, live_server.url
    page.goto(f"{base}/northpeak/sign-up/")
    page.locator("#sign-up [name=name]").fill("Ada Lovelace")
    page.locator("#sign-up [name=email]").fill("ada@example.com")
    page.locator("#sign-up [name=password]").fill(PASSWORD)
    box = page.get_by_label("Yes, send me Northpeak's trail news and offers.")
    expect(box).not_to_be_checked()  # an opt-in: never ticked for the customer
    box.check()
    page.screenshot(path="/tmp/shots/portal/sign-up-consent-wide.png", full_page=True)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("ada@example.com").first).to_be_visible()
    row = MarketingConsent.objects.get()
    assert (row.granted, row.source, row.text) == (True, "sign_up", "Yes, send me Northpeak's trail news and offers.")

    User.objects.filter(email="ada@example.com").update(email_verified_at=timezone_now())
    page.goto(f"{base}/northpeak/account/")
    account_box = page.locator("#account [name=marketing_consent]")
    expect(account_box).to_be_checked()
    account_box.uncheck()
    page.locator("#account button[type=submit]").click()
    page.get_by_text("Your details are saved.").wait_for()
    assert list(MarketingConsent.objects.order_by("created_at", "id").values_list("granted", "source")) == [
        (True, "sign_up"), (False, "account")]
    for width, name in ((1280, "account-consent-wide"), (390, "account-consent-phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/shots/portal/{name}.png", full_page=True)
    page.reload()
    expect(page.locator("#account [name=marketing_consent]")).not_to_be_checked()


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_the_owner_downloads_the_warranty_certificate_from_its_page(browser_page, live_server, tenant, make_customer):
    from pypdf import PdfReader

    page = browser_page
    owner = make_customer(tenant, "ada@example.com")
    warranty = make_warranty(tenant, owner)
    _sign_in(page, live_server.url, "ada@example.com")
    page.goto(f"{live_server.url}/northpeak/products/{warranty.id}/")
    button = page.get_by_role("button", name="Download certificate")
    button.wait_for()
    assert _fits_the_phone(page)
    os.makedirs("/tmp/shots/portal", exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/shots/portal/certificate-{width}.png", full_page=True)

    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == f"warranty-{warranty.serial_number}.pdf"
    with open(download.path(), "rb") as downloaded:
        content = downloaded.read()
    assert content.startswith(b"%PDF-")
    with open("/tmp/shots/portal/certificate-downloaded.pdf", "wb") as copy:
        copy.write(content)
    text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    for expected in ("Northpeak Outdoor", "Warranty certificate", warranty.serial_number, "John Smith", "TP9 Elite SC"):
        assert expected in text, expected
    assert page.locator("#product-certificate-error").is_hidden()


def test_the_warranty_list_and_page_show_the_products_photo(browser_page, live_server, tenant, make_customer, settings):
    from playwright.sync_api import expect
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    from warranty_api.models import Product

    settings.ROOT_URLCONF = "tests.support.media_urls"
    page = browser_page
    owner = make_customer(tenant, "ada@example.com")
    image = get_image_model().objects.create(
        title="TP9 photo", file=get_test_image_file(size=(900, 600), colour="#b4232a"), collection=tenant.collection
    )
    Product.objects.filter(tenant=tenant, sku="TP9-ELITE-SC").update(image=image)
    with_photo = make_warranty(tenant, owner)
    make_warranty(tenant, owner)
    _sign_in(page, live_server.url, "ada@example.com")
    os.makedirs("/tmp/shots/portal", exist_ok=True)

    def loaded_photos():
        photos = page.get_by_role("img", name="Photo of TP9 Elite SC")
        photos.first.wait_for()
        for photo in photos.all():  # the rendition, served: 900 by 600 scaled to 720 by 480
            expect(photo).to_have_js_property("naturalWidth", 720)
            assert photo.get_attribute("loading") == "lazy" and photo.get_attribute("width")
        return photos

    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/northpeak/products/")
        assert loaded_photos().count() == 2
        assert _fits_the_phone(page)
        page.screenshot(path=f"/tmp/shots/portal/warranty-list-photo-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/northpeak/products/{with_photo.id}/")
        photo = loaded_photos()
        assert photo.count() == 1 and photo.bounding_box()["width"] <= min(360, width)
        assert _fits_the_phone(page)
        page.screenshot(path=f"/tmp/shots/portal/warranty-page-photo-{width}.png", full_page=True)

    # A product without a photo shows none, and no empty frame.
    Product.objects.filter(tenant=tenant, sku="TP9-ELITE-SC").update(image=None)
    page.goto(f"{live_server.url}/northpeak/products/{with_photo.id}/")
    page.get_by_role("button", name="Download certificate").wait_for()
    assert page.locator("#product-image img").count() == 0
