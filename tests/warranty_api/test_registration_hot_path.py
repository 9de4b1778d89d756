"""The registration's hot path: the per-process catalog cache, its query budget, and its task row."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from tests.conftest import load_tenant, tenant_config
from warranty_api.models import Notification, Warranty
from warranty_api.selectors.catalog import tenant_catalog

NORTHPEAK_URL = "/api/p/northpeak/warranties"


def body(serial: str, email: str = "customer@example.com") -> dict:
    return {
        "serial_number": serial,
        "purchase_date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "retailer": "Outdoor Pro Shop",
        "customer": {"email": email, "name": "John Smith", "phone": "+1-555-0123",
                     "address": {"street": "123 Main St", "city": "Miami"}},
    }


def _config(slug: str, *, product_name: str, pattern: str, months: int = 24) -> dict:
    config = tenant_config(slug)
    config["categories"][0]["extended_months"] = months
    config["products"] = [{"sku": "TP9-ELITE-SC", "name": product_name, "category": "handguns", "serial_pattern": pattern}]
    config["serials"] = []
    return config


def test_a_catalog_change_is_seen_by_the_next_registration(api, db):
    load_tenant(_config("northpeak", product_name="TP9 Elite SC", pattern="SN-CA-[0-9]{8}"))
    first = api.post(NORTHPEAK_URL, body("SN-CA-00000001"), format="json")
    assert first.status_code == 201, first.content
    assert first.json()["data"]["product"]["name"] == "TP9 Elite SC"

    # Renamed product, new pattern and a longer extended term, applied while the catalog is cached.
    load_tenant(_config("northpeak", product_name="TP9 Elite SC Gen 2", pattern="SN-CZ-[0-9]{8}", months=36))
    refused = api.post(NORTHPEAK_URL, body("SN-CA-00000002"), format="json")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "serial_unknown"
    second = api.post(NORTHPEAK_URL, body("SN-CZ-00000003"), format="json")
    assert second.status_code == 201, second.content
    data = second.json()["data"]
    assert data["product"]["name"] == "TP9 Elite SC Gen 2"
    start = datetime.date.fromisoformat(data["warranty_start"])
    assert datetime.date.fromisoformat(data["warranty_end"]).year == start.year + 3


def test_two_tenants_never_share_a_catalog_entry(api, db):
    north = load_tenant(_config("northpeak", product_name="North TP9", pattern="SN-CA-[0-9]{8}"))
    south = load_tenant(_config("southwind", product_name="South TP9", pattern="SN-CA-[0-9]{8}"))
    # Same SKU and pattern in both: each registration must land on its own tenant's product.
    for slug, tenant, name in (("northpeak", north, "North TP9"), ("southwind", south, "South TP9")):
        response = api.post(f"/api/p/{slug}/warranties", body("SN-CA-00000007"), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["data"]["product"]["name"] == name
        warranty = Warranty.objects.get(id=response.json()["data"]["id"])
        assert warranty.tenant_id == tenant.id and warranty.product.tenant_id == tenant.id
    north_catalog, south_catalog = tenant_catalog(tenant=north), tenant_catalog(tenant=south)
    assert north_catalog is not south_catalog
    assert {p.tenant_id for p in north_catalog.products.values()} == {north.id}
    assert {p.tenant_id for p in south_catalog.products.values()} == {south.id}


def test_registration_query_budget(api, tenant, django_assert_max_num_queries):
    assert api.post(NORTHPEAK_URL, body("SN-CA-00000101", "a@example.com"), format="json").status_code == 201
    # Tenant, serial + owner lookup, customer, warranty, event, notification, task row (and the savepoint or
    # transaction statements around them); not one more per registration once the catalog is cached.
    with django_assert_max_num_queries(10):
        response = api.post(NORTHPEAK_URL, body("SN-CA-00000102", "b@example.com"), format="json")
    assert response.status_code == 201, response.content


def test_the_task_row_commits_with_the_registration_and_only_with_it(api, tenant, monkeypatch):
    # The ORM broker as deployed without Redis (not the suite's inline mode): nothing runs the task here.
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")  # also when the suite runs with REDIS_URL
    response = api.post(NORTHPEAK_URL, body("SN-CA-00000201"), format="json")
    assert response.status_code == 201, response.content
    notification = Notification.objects.get(subject_ref=response.json()["data"]["id"])
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    assert [(t["func"], t["args"]) for t in tasks] == [("warranty_api.tasks.notification_send", (notification.id,))]

    duplicate = api.post(NORTHPEAK_URL, body("SN-CA-00000201", "other@example.com"), format="json")
    assert duplicate.status_code == 409
    assert OrmQ.objects.count() == 1 and Notification.objects.count() == 1
