"""A term an admin changes in one web process is the term of the next registration in another.

Each process caches a brand's catalog (selectors.catalog, 30 s); the second process has it cached when the first
changes the category, and its next registration must still get the new term. The warranty registered before
the change keeps its dates.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import load_tenant, tenant_config
from tests.support.web import WebServer
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Role, Warranty
from warranty_api.onboarding.services import staff_create
from warranty_api.warranties.services import add_months

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _call(base: str, method: str, path: str, body: dict, token: str | None = None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _registration(serial: str, email: str, purchase: datetime.date) -> dict:
    return {
        "serial_number": serial,
        "purchase_date": purchase.isoformat(),
        "retailer": "Outdoor Pro Shop",
        "customer": {"email": email, "name": "Buyer", "phone": "+1-555-0123",
                     "address": {"street": "1 Main St", "city": "Miami", "state": "FL", "zip": "33101"}},
    }


def test_a_term_changed_in_one_process_applies_to_the_next_registration_in_another():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two server processes share the database (CI runs this)")
    tenant = load_tenant(tenant_config())
    admin, _ = staff_create(tenant=tenant, email="admin@northpeak.example", role=Role.ADMIN, password="Correct-Horse-42")
    token = tokens_issue(user=admin, tenant=tenant, role=Role.ADMIN)["access"]
    purchase = timezone.localdate() - datetime.timedelta(days=3)

    first, second = WebServer(), WebServer()
    try:
        a, b = first.start(), second.start()
        # B reads (and caches) the catalog with the 24-month extended term.
        status, body = _call(b, "POST", "/api/p/northpeak/warranties",
                             _registration("SN-CA-10000001", "one@example.com", purchase))
        assert status == 201, body
        assert body["data"]["warranty_end"] == add_months(purchase, 24).isoformat()

        status, body = _call(a, "PATCH", "/api/northpeak/admin/categories/handguns", {"extended_months": 36}, token)
        assert status == 200 and body["data"]["extended_months"] == 36, body

        status, body = _call(b, "POST", "/api/p/northpeak/warranties",
                             _registration("SN-CA-10000002", "two@example.com", purchase))
        assert status == 201, body
        assert body["data"]["warranty_end"] == add_months(purchase, 36).isoformat()
    finally:
        first.stop()
        second.stop()
    before = Warranty.objects.get(serial_number="SN-CA-10000001")
    assert before.warranty_end == add_months(purchase, 24)
