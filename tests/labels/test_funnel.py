"""The registration funnel: scans, serials scanned, registrations and conversion per SKU or category."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from warranty_api.labels.models import ScanEvent
from warranty_api.models import Warranty
from warranty_api.warranties.services import warranty_register

URL = "/api/northpeak/admin/analytics/registration-funnel"


def _register(tenant, serial):
    data = {
        "serial_number": serial,
        "purchase_date": timezone.localdate() - datetime.timedelta(days=3),
        "customer": {"email": "owner@example.com", "name": "Owner", "phone": "1", "address": {"city": "X"}},
    }
    return warranty_register(tenant=tenant, data=data)


@pytest.fixture
def traffic(tenant, other_tenant):
    browser = Client()
    for _ in range(3):
        browser.get("/northpeak/s/SN-CA-00000001")
    browser.get("/northpeak/s/SN-CA-00000002")
    product_id = tenant.products.get().id
    browser.get(f"/northpeak/p/{product_id}")
    browser.get("/northpeak/s/ZZ-1")  # a serial of no product
    browser.get("/southwind/s/SN-CA-00000001")  # another brand's scan never counts here
    _register(tenant, "SN-CA-00000001")  # scanned, then registered
    _register(tenant, "SN-CA-00000003")  # registered without a scan


def test_funnel_by_sku(admin_client, traffic):
    data = admin_client.get(URL + "?by=sku").json()["data"]
    assert data["by"] == "sku" and data["to"] == timezone.localdate().isoformat()
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["TP9-ELITE-SC"] == {
        "key": "TP9-ELITE-SC", "name": "TP9 Elite SC", "scans": 5, "serials_scanned": 2, "registrations": 2,
        "registrations_from_scans": 1, "conversion": 0.5,
    }
    assert groups[None]["scans"] == 1 and groups[None]["conversion"] == 0.0


def test_funnel_by_category_and_window(admin_client, traffic, tenant):
    data = admin_client.get(URL + "?by=category").json()["data"]
    handguns = next(g for g in data["groups"] if g["key"] == "handguns")
    assert (handguns["name"], handguns["scans"], handguns["registrations"]) == ("Handguns", 5, 2)

    old = timezone.now() - datetime.timedelta(days=40)
    ScanEvent.objects.filter(tenant=tenant).update(scanned_at=old)
    Warranty.objects.filter(tenant=tenant).update(created_at=old)
    assert admin_client.get(URL).json()["data"]["groups"] == []  # the last 30 days by default
    day = old.date().isoformat()
    groups = admin_client.get(URL + f"?from={day}&to={day}").json()["data"]["groups"]
    assert next(g for g in groups if g["key"] == "TP9-ELITE-SC")["scans"] == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [("?by=colour", "by"), ("?from=2026-13-01", "from"), ("?to=20261101", "to"), ("?from=2026-02-01&to=2026-01-01", "from")],
)
def test_bad_parameters(admin_client, tenant, query, field):
    response = admin_client.get(URL + query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
