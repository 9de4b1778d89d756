"""The support desk in a real browser: an agent signs in to Wagtail's admin and takes a claim from the queue to
resolved, with the customer's reply and the inventory system's reports arriving through the API meanwhile.

The machine's Chromium, driven by Playwright, against a live server. Screenshots go to SHOTS_DIR (default
/tmp/shots/staff) at 1280 and 390 px wide. Without /usr/bin/chromium the test is skipped; in CI such a skip fails.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

from tests.conftest import PASSWORD, client_for
from tests.support.browser import BROWSER_TEST, PHONE, admin_screenshot, admin_sign_in, fits_width, new_page
from tests.support.claims_helpers import make_warranty
from tests.support.webhook_receiver import Receiver
from tests.webhooks.test_webhooks import INVENTORY_SECRET, signed
from warranty_api.models import Claim, Fulfillment, Role
from warranty_api.webhooks.services import inventory_integration_save

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/staff"))

pytestmark = BROWSER_TEST


def _inventory_event(base: str, event: dict) -> int:
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        f"{base}/api/northpeak/integrations/inventory/events", data=body, method="POST",
        headers={"Content-Type": "application/json", "Aftersale-Signature": signed(body)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def _status(page) -> str:
    return page.locator("[data-claim-status]").inner_text().strip()


def test_an_agent_takes_a_claim_from_the_queue_to_resolved(browser, live_server, tenant, other_tenant, make_staff,
                                                             make_customer):
    base = live_server.url
    receiver = Receiver(INVENTORY_SECRET).start()
    try:
        inventory_integration_save(tenant=tenant, url=receiver.url, secret=INVENTORY_SECRET)
        agent = make_staff(tenant, Role.AGENT, email="ann.agent@northpeak.example")
        foreign_admin = make_staff(other_tenant, Role.ADMIN, email="boss@southwind.example")
        customer = make_customer(tenant, "owner@example.com")
        customer_api = client_for(customer, tenant)
        for _ in range(3):  # other claims in the queue, so finding it by serial means something
            other = make_customer(tenant)
            client_for(other, tenant).post("/api/northpeak/claims", {
                "warranty_id": make_warranty(tenant, other).id, "issue_type": "cosmetic",
                "description": "Scratch on the slide"}, format="json")
        warranty = make_warranty(tenant, customer, serial="SN-CA-31415926")
        filed = customer_api.post("/api/northpeak/claims", {"warranty_id": warranty.id, "issue_type": "malfunction",
                                                            "description": "The slide release is stiff after cleaning."},
                                  format="json")
        assert filed.status_code == 201, filed.content
        claim_id = filed.json()["data"]["id"]
        reference = filed.json()["data"]["reference"]

        page = new_page(browser)
        admin_sign_in(page, base, agent.email, PASSWORD)
        # The dashboard opens on the brand's claims.
        panel = page.locator("#workspace-claims-content, [id^=workspace-claims]").first
        assert "Claims at Northpeak Outdoor" in page.content()
        assert "Submitted" in panel.inner_text()
        page.screenshot(path=str(SHOTS / "dashboard-1280.png"), full_page=True)

        page.get_by_role("link", name="Open the queue").click()
        page.wait_for_url(re.compile(r"/admin/claims/"))
        assert page.locator("table.listing tbody tr").count() == 4
        page.screenshot(path=str(SHOTS / "queue-1280.png"), full_page=True)
        # The queue's own search (the sidebar's searches pages).
        search = page.locator("#id_q")
        search.fill("SN-CA-31415926")
        search.press("Enter")
        page.wait_for_function("document.querySelectorAll('table.listing tbody tr').length === 1")
        page.screenshot(path=str(SHOTS / "queue-search-1280.png"), full_page=True)
        page.get_by_role("link", name=reference).click()
        page.wait_for_url(re.compile(rf"/admin/claims/{claim_id}/$"))
        assert _status(page) == "Submitted"

        page.get_by_role("button", name="Take it").click()
        page.wait_for_load_state()
        assert "The claim is yours." in page.content()
        assert page.locator("[data-assignee]").inner_text() == agent.email

        page.get_by_label("What do you need from the customer?").fill("Please send a photo of the slide release.")
        page.get_by_role("button", name="Request information").click()
        page.wait_for_load_state()
        assert _status(page) == "More information requested"

        # The customer answers from the portal's API; the agent sees it on the next look.
        assert customer_api.post(f"/api/northpeak/claims/{claim_id}/messages",
                                 {"body": "It sticks halfway, photo to follow."}, format="json").status_code == 201
        page.reload()
        assert "It sticks halfway, photo to follow." in page.locator(".workspace-timeline").inner_text()
        assert _status(page) == "Under review"

        page.get_by_label("Resolution").select_option("repair")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        assert _status(page) == "Approved"
        rma = page.locator("tr[data-fulfillment=return_authorization] [data-rma]").inner_text()
        assert re.fullmatch(r"RMA-NORTHPEAK-\d{6}", rma), rma
        assert page.get_by_role("button", name="Resolve").is_disabled()
        assert "The repair is not done yet" in page.locator("[data-blocked]").inner_text()
        admin_screenshot(page, str(SHOTS / "review-approved-1280.png"))

        repair = Fulfillment.objects.get(claim_id=claim_id, kind=Fulfillment.Kind.REPAIR)
        for n, event_type in enumerate(("repair.received", "repair.completed")):
            assert _inventory_event(base, {"id": f"inv-{n}", "type": event_type,
                                           "data": {"fulfillment_id": repair.id}}) == 200
        page.reload()
        assert page.locator("tr[data-fulfillment=repair]").inner_text().split("\t")[1].strip() == "Repaired"
        page.get_by_role("button", name="Resolve").click()
        page.wait_for_load_state()
        assert _status(page) == "Resolved"
        assert Claim.objects.get(id=claim_id).status == Claim.Status.RESOLVED
        admin_screenshot(page, str(SHOTS / "review-resolved-1280.png"))

        phone = new_page(browser, PHONE)
        admin_sign_in(phone, base, agent.email, PASSWORD)
        phone.goto(f"{base}/admin/claims/")
        admin_screenshot(phone, str(SHOTS / "queue-390.png"))
        phone.goto(f"{base}/admin/claims/{claim_id}/")
        assert fits_width(phone), "the review screen scrolls sideways on a phone"
        admin_screenshot(phone, str(SHOTS / "review-390.png"))

        # Another brand's admin reaches none of it.
        outsider = new_page(browser)
        admin_sign_in(outsider, base, foreign_admin.email, PASSWORD)
        assert outsider.goto(f"{base}/admin/claims/{claim_id}/").status == 404
        outsider.goto(f"{base}/admin/claims/?q=SN-CA-31415926")
        assert outsider.locator("table.listing tbody tr").count() == 0
        assert "Southwind Brand" in outsider.content() and reference not in outsider.content()
    finally:
        receiver.stop()


def _tab_to(page, matches: str, limit: int = 250) -> dict:
    """Press Tab until the focused element satisfies the JS predicate `matches` (given `el`); its outline then."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(f"""() => {{
            const el = document.activeElement;
            if (!el || !({matches})) return null;
            const style = getComputedStyle(el);
            return {{tag: el.tagName, text: (el.innerText || el.value || "").trim(), outline: style.outlineStyle,
                     outlineWidth: style.outlineWidth, shadow: style.boxShadow}};
        }}""")
        if found:
            return found
    raise AssertionError(f"no element matching {matches} is reachable with Tab")


def _visible_focus(found: dict) -> bool:
    return (found["outline"] not in ("none", "") and found["outlineWidth"] not in ("0px", "")) or \
        found["shadow"] not in ("none", "")


def test_an_agent_works_a_claim_with_the_keyboard_alone(browser, live_server, tenant, make_staff, make_customer):
    """Sign in, open the queue, open a claim and take it with Tab and Enter only, the focus always visible."""
    base = live_server.url
    agent = make_staff(tenant, Role.AGENT, email="kim.keys@northpeak.example")
    customer = make_customer(tenant, "owner@example.com")
    warranty = make_warranty(tenant, customer, serial="SN-CA-27182818")
    filed = client_for(customer, tenant).post("/api/northpeak/claims", {
        "warranty_id": warranty.id, "issue_type": "malfunction", "description": "The trigger sticks when cold."},
        format="json")
    claim_id, reference = filed.json()["data"]["id"], filed.json()["data"]["reference"]

    page = new_page(browser)
    page.goto(f"{base}/admin/login/")
    email = _tab_to(page, "el.name === 'username'")
    assert _visible_focus(email), email
    page.keyboard.type(agent.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/admin/")

    page.goto(f"{base}/admin/claims/")
    link = _tab_to(page, f"el.tagName === 'A' && el.innerText.trim() === '{reference}'")
    assert _visible_focus(link), link
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/admin/claims/{claim_id}/"))

    take = _tab_to(page, "el.tagName === 'BUTTON' && el.innerText.trim() === 'Take it'")
    assert _visible_focus(take), take
    page.screenshot(path=str(SHOTS / "keyboard-take-1280.png"), full_page=False)
    page.keyboard.press("Enter")
    page.get_by_text("The claim is yours.").wait_for()
    assert Claim.objects.get(id=claim_id).assignee_id == agent.id
    page.context.close()
