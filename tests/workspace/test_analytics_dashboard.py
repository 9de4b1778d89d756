"""The analytics dashboard in the staff workspace: who may see it, what it shows (of the current brand only), that
its charts need nothing from elsewhere, and how it looks in a real browser at 1280 and 390 px."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.analytics.analytics_helpers import build_population, claim_on, make_brand, register
from tests.conftest import PASSWORD
from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from tests.support.browser import DESKTOP, PHONE, admin_sign_in, fits_width, needs_chromium, new_page
from tests.support.claims_helpers import make_warranty
from warranty_api.claims.services import claim_submit
from warranty_api.models import Claim, Notice, Role
from warranty_api.notices.services import notice_send

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots/analytics"))


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_authorization_table(admin_callers, tenant, make_customer):
    owner = make_customer(tenant, "someone@example.com")
    claim_submit(tenant=tenant, user=owner, warranty_id=make_warranty(tenant, owner).id, issue_type="malfunction",
                 description="x")

    def act(client, ctx):
        response = client.get("/admin/analytics/")
        if response.status_code == 200:
            # Each caller sees the current brand's figures only.
            breached_open = re.search(rb'data-sla="on_track"><strong>(\d+)', response.content).group(1)
            assert breached_open == (b"0" if client is admin_callers["other_admin"].client else b"1")
        return response

    check_matrix(admin_callers, OPEN_TO_STAFF, act=act, state=lambda ctx: db_state(Claim, Notice))


@pytest.fixture
def brand(db):
    tenant = make_brand()
    build_population(tenant)
    return tenant


def test_the_dashboard_shows_failure_rates_service_levels_risk_and_weeks(brand, make_staff, make_customer):
    owner = make_customer(brand, "late@example.com")
    late = claim_submit(tenant=brand, user=owner, warranty_id=make_warranty(brand, owner, sku="SKU-A").id,
                        issue_type="malfunction", description="x")
    Claim.objects.filter(pk=late.pk).update(sla_deadline=late.created_at - datetime.timedelta(hours=1))
    page = _signed_in(make_staff(brand, Role.AGENT)).get("/admin/analytics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg class=\"analytics-chart\"") == 2
    assert [m for m in re.findall(r'data-sku="([^"]*)"', html)] == ["SKU-A", "SKU-B", "SKU-C"]
    assert 'class="analytics-bar analytics-bar--flag"' in html  # 1.5% by default: every product is above it
    assert re.search(r'data-sla="breached"><strong>1<', html)
    assert re.search(r'data-risk="(high|medium|low)"><strong>1<', html)
    # Nothing is loaded from another site: every script, style and image is the project's own.
    for url in re.findall(r'src="([^"]+)"', html) + re.findall(r'<link[^>]*href="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url


def test_recent_notices_on_the_workspace_home(brand, make_staff, make_customer):
    owner = make_customer(brand, "owner@example.com")
    make_warranty(brand, owner, serial="A-777", sku="SKU-A")
    notice_send(tenant=brand, actor=None, title="Battery recall", message="Stop charging it.", kind="safety",
                audience={"serial_prefix": "A-7"})
    html = _signed_in(make_staff(brand, Role.AGENT)).get("/admin/").content.decode()
    assert "Recent notices at" in html and "Battery recall" in html


@pytest.mark.browser
@needs_chromium
def test_the_dashboard_in_a_browser(brand, make_staff, live_server, browser):
    agent = make_staff(brand, Role.AGENT, email="desk@northpeak.example")
    for week in range(10):
        for n in range(week % 4 + 1):
            unit = register(brand, f"W-{week}-{n}", "SKU-B", timezone.localdate() - datetime.timedelta(days=200))
            claim_on(unit, "malfunction", timezone.localdate() - datetime.timedelta(weeks=week))
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, viewport)
        admin_sign_in(page, live_server.url, agent.email, PASSWORD)
        page.goto(f"{live_server.url}/admin/analytics/")
        assert page.get_by_role("heading", name="Failure rate by product").is_visible()
        assert page.locator("svg.analytics-chart").count() == 2
        if name == "desktop":
            box = page.locator("svg.analytics-chart").first.bounding_box()
            assert box["width"] > 400 and box["height"] > 40
        else:  # a phone reads the rates as a table
            assert page.locator("table.analytics-table").is_visible()
        assert fits_width(page)
        page.screenshot(path=str(SHOTS / f"dashboard-{name}.png"), full_page=True)
