"""Customer and admin warranty endpoints: own warranties, the admin list's filters, corrections and audit trail."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.conftest import client_for
from warranty_api.models import Role, Warranty, WarrantyEvent
from warranty_api.warranties.services import warranty_register

D = datetime.date


def register(tenant, serial: str, email: str = "buyer@example.com", purchase: D | None = None, owner=None, today=None):
    data = {
        "serial_number": serial,
        "purchase_date": purchase or timezone.localdate() - datetime.timedelta(days=10),
        "customer": {"email": email, "name": "Buyer", "phone": "1", "address": {"city": "X"}},
    }
    return warranty_register(tenant=tenant, data=data, account=owner, today=today)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [w["id"] for w in response.json()["data"]]


def test_customer_sees_only_their_own(tenant, other_tenant, make_customer, django_assert_max_num_queries):
    me = make_customer(tenant, "me@example.com")
    other = make_customer(tenant, "other@example.com")
    mine = [register(tenant, f"SN-CA-1000000{i}", "me@example.com", owner=me) for i in range(4)]
    theirs = register(tenant, "SN-CA-20000000", "other@example.com", owner=other)
    client = client_for(me, tenant)
    assert ids(client.get("/api/northpeak/warranties")) == [w.id for w in reversed(mine)]
    detail = client.get(f"/api/northpeak/warranties/{mine[0].id}")
    assert detail.status_code == 200 and detail.json()["data"]["product"]["category"] == "Handguns"
    assert client.get(f"/api/northpeak/warranties/{theirs.id}").status_code == 404
    for limit in (1, 4):
        with django_assert_max_num_queries(4):
            client.get(f"/api/northpeak/warranties?limit={limit}")


def test_the_customers_warranties_show_the_products_image(tenant, make_customer, settings, tmp_path,
                                                           django_assert_max_num_queries):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    settings.MEDIA_ROOT = tmp_path
    me = make_customer(tenant, "me@example.com")
    mine = [register(tenant, f"SN-CA-1000000{i}", "me@example.com", owner=me) for i in range(3)]
    client = client_for(me, tenant)
    assert client.get(f"/api/northpeak/warranties/{mine[0].id}").json()["data"]["product"]["image_url"] is None

    image = get_image_model().objects.create(title="TP9 photo", file=get_test_image_file(), collection=tenant.collection)
    mine[0].product.__class__.objects.filter(id=mine[0].product_id).update(image=image)
    rendition = image.get_rendition("max-720x480")  # the product page's: the warranty pages reuse its file
    detail = client.get(f"/api/northpeak/warranties/{mine[0].id}").json()["data"]["product"]
    assert detail["image_url"] == rendition.url and rendition.url.startswith("/media/images/")
    listed = client.get("/api/northpeak/warranties").json()["data"]
    assert [w["product"]["image_url"] for w in listed] == [rendition.url] * 3
    for limit in (1, 3):  # the images and their renditions come with the page, not one query per warranty
        with django_assert_max_num_queries(5):
            client.get(f"/api/northpeak/warranties?limit={limit}")


def test_expired_is_derived_from_the_end_date(tenant, make_customer):
    me = make_customer(tenant, "me@example.com")
    old = register(tenant, "SN-CA-10000001", "me@example.com", purchase=D(2020, 1, 1), owner=me, today=D(2020, 1, 5))
    assert old.warranty_end == D(2022, 1, 1) and old.status == "active"
    data = client_for(me, tenant).get(f"/api/northpeak/warranties/{old.id}").json()["data"]
    assert data["status"] == "expired"
    assert old.effective_status(today=D(2022, 1, 1)) == "active"  # covered up to and including the end
    assert old.effective_status(today=D(2022, 1, 2)) == "expired"


@pytest.fixture
def fleet(tenant, make_tenant):
    today = timezone.localdate()
    expired = register(tenant, "SN-CA-30000001", "old@example.com", purchase=D(2020, 3, 1), today=D(2020, 3, 2))
    recent = register(tenant, "SN-CA-30000002", "New@Example.com", purchase=today - datetime.timedelta(days=5))
    void = register(tenant, "SN-CA-40000003", "new@example.com", purchase=today - datetime.timedelta(days=50))
    Warranty.objects.filter(id=void.id).update(status="void")
    return {"expired": expired, "recent": recent, "void": void}


def test_admin_list_filters_and_search(admin_client, fleet, django_assert_max_num_queries):
    get = lambda q: ids(admin_client.get(f"/api/northpeak/admin/warranties{q}"))  # noqa: E731
    f = fleet
    assert get("") == [f["void"].id, f["recent"].id, f["expired"].id]
    assert get("?status=expired") == [f["expired"].id]
    assert get("?status=active") == [f["recent"].id]
    assert get("?status=void") == [f["void"].id]
    assert get("?q=sn-ca-3") == [f["recent"].id, f["expired"].id]
    assert get("?q=SN-CA-30000002") == [f["recent"].id]
    assert get("?q=NEW@example.COM") == [f["void"].id, f["recent"].id]
    assert get("?q=new@example") == []
    assert get("?category=handguns&status=void") == [f["void"].id]
    assert get(f"?product={f['recent'].product_id}&purchased_from=2021-01-01") == [f["void"].id, f["recent"].id]
    assert get("?purchased_to=2020-12-31") == [f["expired"].id]
    assert get("?sort=purchase_date") == [f["expired"].id, f["void"].id, f["recent"].id]
    assert get("?sort=-warranty_end")[-1] == f["expired"].id
    today = timezone.localdate().isoformat()
    assert len(get(f"?registered_from={today}&registered_to={today}")) == 3
    assert get("?registered_to=2000-01-01") == []
    assert get("?verification=off") == get("")
    for bad in ("?status=nope", "?sort=serial", "?purchased_from=yesterday", "?verification=x"):
        assert admin_client.get(f"/api/northpeak/admin/warranties{bad}").status_code == 400
    item = admin_client.get("/api/northpeak/admin/warranties?q=SN-CA-30000002").json()["data"][0]
    assert item["customer"]["email"] == "new@example.com" and item["stored_status"] == "active"
    for limit in (1, 3):
        with django_assert_max_num_queries(5):
            admin_client.get(f"/api/northpeak/admin/warranties?limit={limit}&status=active&q=SN")


def test_admin_list_cursor_walks_every_sort(admin_client, tenant):
    for i in range(7):
        register(tenant, f"SN-CA-5000000{i}", purchase=timezone.localdate() - datetime.timedelta(days=i % 3))
    for sort in ("created_at", "-created_at", "purchase_date", "-purchase_date", "warranty_end", "-warranty_end"):
        seen, cursor = [], ""
        while True:
            page = admin_client.get(f"/api/northpeak/admin/warranties?sort={sort}&limit=3{cursor}").json()
            seen += [w["id"] for w in page["data"]]
            if not page["meta"]["next_cursor"]:
                break
            cursor = f"&cursor={page['meta']['next_cursor']}"
        assert len(seen) == len(set(seen)) == 7, sort


def test_admin_patch_void_reinstate_correct_extend_with_audit(tenant, make_staff, fleet):
    agent = make_staff(tenant, Role.AGENT)
    client = client_for(agent, tenant)
    w = fleet["recent"]
    url = f"/api/northpeak/admin/warranties/{w.id}"

    missing_reason = client.patch(url, {"status": "void"}, format="json")
    assert missing_reason.status_code == 400
    voided = client.patch(url, {"status": "void", "void_reason": "Stolen unit", "note": "police report"}, format="json")
    assert voided.status_code == 200 and voided.json()["data"]["status"] == "void"
    assert client.patch(url, {"status": "void", "void_reason": "again"}, format="json").status_code == 409
    assert client.patch(url, {"status": "active"}, format="json").json()["data"]["status"] == "active"

    purchase = w.purchase_date - datetime.timedelta(days=60)
    corrected = client.patch(url, {"purchase_date": purchase.isoformat()}, format="json").json()["data"]
    # Registered 65 days after the corrected purchase: outside the 30-day window, so the standard 12 months.
    assert corrected["warranty_start"] == purchase.isoformat()
    assert corrected["extended"] is False
    assert corrected["warranty_end"] == purchase.replace(year=purchase.year + 1).isoformat()

    assert client.patch(url, {"warranty_end": "2020-01-01"}, format="json").status_code == 400
    extended = client.patch(url, {"warranty_end": "2040-06-30", "notes": "goodwill"}, format="json").json()["data"]
    assert extended["warranty_end"] == "2040-06-30" and extended["notes"] == "goodwill"

    refused = client.patch(url, {"serial_number": "SN-CA-99999999", "coverage": "repair"}, format="json")
    assert refused.status_code == 400
    assert {f[0]["code"] for f in refused.json()["error"]["fields"].values()} == {"not_allowed"}

    events = list(WarrantyEvent.objects.filter(warranty_id=w.id).order_by("id"))
    assert [e.action for e in events] == [
        "registered", "voided", "reinstated", "purchase_date_corrected", "extended,notes_changed",
    ]
    assert events[1].actor == agent and events[1].before["status"] == "active" and events[1].after["status"] == "void"
    assert events[1].note == "police report"
    detail = client.get(url).json()["data"]
    assert [e["action"] for e in detail["events"]] == [e.action for e in events]
    assert detail["events"][1]["actor_id"] == agent.public_id


def test_admin_patch_future_purchase_date_is_refused(admin_client, fleet):
    url = f"/api/northpeak/admin/warranties/{fleet['recent'].id}"
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = admin_client.patch(url, {"purchase_date": future}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["purchase_date"][0]["code"] == "in_future"


@pytest.mark.parametrize("body", ["[]", '["status"]', '"void"', "7", "null"])
def test_admin_patch_body_that_is_not_an_object_is_refused(admin_client, fleet, body):
    """A PATCH body is an object of fields; anything else was read as an empty change and answered 200."""
    url = f"/api/northpeak/admin/warranties/{fleet['recent'].id}"
    response = admin_client.generic("PATCH", url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.postgres
def test_admin_list_query_plan_uses_indexes(admin_client, tenant, fleet):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the plan checked is PostgreSQL's")
    from warranty_api.warranties.selectors import admin_warranty_list

    qs, ordering = admin_warranty_list(tenant=tenant, params={"status": "active", "q": "SN-CA-3"})
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.order_by(*ordering)[:25].explain()
    assert "warranty_serial_idx" in plan or "warranty_tenant_created_idx" in plan or "warranty_status_idx" in plan, plan
