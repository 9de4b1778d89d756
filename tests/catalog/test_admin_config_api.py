"""The brand's admin API for its own configuration: settings, categories, products, serial rules, the record."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import client_for
from warranty_api.models import Category, ConfigChange, Product, Tenant, Warranty
from warranty_api.warranties.services import add_months

SETTINGS = "/api/northpeak/admin/settings"
CATEGORIES = "/api/northpeak/admin/categories"
PRODUCTS = "/api/northpeak/admin/products"
SERIAL_TEST = "/api/northpeak/admin/serial-rules/test"
AUDIT = "/api/northpeak/admin/audit"
REGISTER = "/api/p/northpeak/warranties"


@pytest.fixture
def admin_client(tenant, admin):
    return client_for(admin, tenant)


def fields_of(response) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    return {path: items[0] for path, items in error["fields"].items()}


def register(api, serial="SN-CA-20250115", days_ago=3, email="buyer@example.com"):
    return api.post(REGISTER, {
        "serial_number": serial,
        "purchase_date": (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat(),
        "retailer": "Outdoor Pro Shop",
        "customer": {"email": email, "name": "Buyer", "phone": "+1-555-0123",
                     "address": {"street": "1 Main St", "city": "Miami", "state": "FL", "zip": "33101"}},
    }, format="json")


# --- settings ----------------------------------------------------------------------------------------------


def test_settings_read_and_change_merge_sections_and_are_recorded(admin_client, admin, tenant):
    data = admin_client.get(SETTINGS).json()["data"]
    assert data["slug"] == "northpeak" and data["registration"]["extension_window_days"] == 30
    assert data["claims"]["issue_types"][0]["code"] == "malfunction"

    response = admin_client.patch(SETTINGS, {
        "name": "Northpeak Outdoor Co",
        "branding": {"primary_color": "#123456", "tagline": None},
        "registration": {"verification": "advisory"},
    }, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["name"] == "Northpeak Outdoor Co"
    assert data["branding"] == {"primary_color": "#123456", "accent_color": "#f2a900"}
    assert data["registration"] == {"required_fields": ["phone", "address"], "extension_window_days": 30,
                                    "require_known_serial": False, "verification": "advisory"}
    tenant.refresh_from_db()
    assert tenant.verification == "advisory" and tenant.branding["primary_color"] == "#123456"

    change = ConfigChange.objects.get(tenant=tenant)
    assert (change.actor, change.actor_email, change.target, change.action) == (admin, admin.email, "settings", "update")
    assert change.before["name"] == "Northpeak Outdoor" and change.after["name"] == "Northpeak Outdoor Co"
    assert change.before["branding"]["tagline"] == "Built for the long trail" and "tagline" not in change.after["branding"]
    audit = admin_client.get(AUDIT).json()["data"]
    assert [(a["target"], a["action"], a["actor"]) for a in audit] == [("settings", "update", admin.email)]

    # The same values again change nothing and record nothing.
    admin_client.patch(SETTINGS, {"name": "Northpeak Outdoor Co"}, format="json")
    assert ConfigChange.objects.count() == 1


def test_service_levels_alert_threshold_and_languages_are_brand_settings(admin_client, tenant):
    data = admin_client.get(SETTINGS).json()["data"]
    assert data["service_levels"] == {"first_response_hours": 24, "resolution_days": 10}
    assert data["analytics"] == {"failure_rate_alert_percent": 1.5}
    assert data["languages"] == {"offered": [], "default": ""}

    response = admin_client.patch(SETTINGS, {
        "service_levels": {"first_response_hours": 8},
        "analytics": {"failure_rate_alert_percent": 2.25},
        "languages": {"offered": ["de", "en"], "default": "de"},
    }, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["service_levels"] == {"first_response_hours": 8, "resolution_days": 10}
    assert data["analytics"] == {"failure_rate_alert_percent": 2.25}
    assert data["languages"] == {"offered": ["de", "en"], "default": "de"}
    tenant.refresh_from_db()
    assert (tenant.sla_first_response_hours, tenant.sla_resolution_days, tenant.languages, tenant.default_language) == (
        8, 10, ["de", "en"], "de")
    change = ConfigChange.objects.get(tenant=tenant)
    assert change.before["service_levels"]["first_response_hours"] == 24
    assert change.after["service_levels"]["first_response_hours"] == 8

    refused = admin_client.patch(SETTINGS, {"service_levels": {"resolution_days": 0}, "languages": {"offered": ["xx"]}},
                                 format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"service_levels.resolution_days", "languages.offered[0]"}
    tenant.refresh_from_db()
    assert tenant.sla_resolution_days == 10 and ConfigChange.objects.count() == 1


def test_settings_refuse_with_the_files_json_paths_and_change_nothing(admin_client, tenant):
    before = list(Tenant.objects.values())
    response = admin_client.patch(SETTINGS, {
        "slug": "other",
        "support_email": "nope",
        "branding": {"primary_color": "green"},
        "registration": {"extension_window_days": "30", "required_fields": ["shoe_size"]},
        "serial_formats": ["SN-[A-Z"],
        "claims": {"issue_types": [{"code": "Bad Code", "label": "x"}]},
    }, format="json")
    fields = fields_of(response)
    assert fields["slug"] == {"code": "not_allowed", "message": "is not a known field"}
    assert fields["support_email"]["message"] == "must be an email address"
    assert fields["branding.primary_color"]["message"] == "must be a colour like #0b5d3b"
    assert fields["registration.extension_window_days"]["message"] == "must be a whole number or null"
    assert fields["registration.required_fields[0]"]["message"].startswith("must be one of phone")
    assert fields["serial_formats[0]"]["message"].startswith("is not a valid regular expression")
    assert fields["claims.issue_types[0].code"]["message"] == "must be snake_case, like malfunction"
    assert list(Tenant.objects.values()) == before and not ConfigChange.objects.exists()


def test_a_resolution_a_category_uses_cannot_be_dropped(admin_client, tenant):
    Category.objects.filter(tenant=tenant).update(resolutions=["replacement"])
    fields = fields_of(admin_client.patch(SETTINGS, {"claims": {"resolutions": ["repair"]}}, format="json"))
    assert fields["claims.resolutions"]["code"] == "in_use"


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)+$", r"(\d{1,3})*", r"\d+\d+\d+\d+X", r"(SN)\1"])
def test_a_pathological_serial_format_is_refused_and_registration_stays_fast(admin_client, api, tenant, pattern):
    fields = fields_of(admin_client.patch(SETTINGS, {"serial_formats": [pattern]}, format="json"))
    assert fields["serial_formats[0]"]["code"] == "unsafe_pattern"
    fields = fields_of(admin_client.post(PRODUCTS, {"sku": "X", "name": "X", "category": "handguns",
                                                    "serial_pattern": pattern}, format="json"))
    assert fields["serial_pattern"]["code"] == "unsafe_pattern"
    tenant.refresh_from_db()
    assert tenant.serial_formats == ["SN-[A-Z]{2}-[0-9]{6,8}"]
    # A registration with the input such a pattern would stall on is answered as usual.
    assert register(api, serial="a" * 30 + "!").json()["error"]["code"] == "serial_invalid_format"
    assert register(api).status_code == 201


# --- categories ----------------------------------------------------------------------------------------------


def test_category_lifecycle_with_audit(admin_client, tenant):
    created = admin_client.post(CATEGORIES, {"slug": "optics", "name": "Optics", "standard_months": 6,
                                             "coverage": "repair", "resolutions": ["repair", "refund"]}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["data"] == {**created.json()["data"], "slug": "optics", "extended_months": None,
                                      "transferable": False, "resolutions": ["repair", "refund"], "product_count": 0}
    again = admin_client.post(CATEGORIES, {"slug": "optics", "name": "O", "standard_months": 6, "coverage": "repair"},
                              format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "category_exists"

    changed = admin_client.patch(f"{CATEGORIES}/optics", {"extended_months": 18, "transferable": True}, format="json")
    assert changed.status_code == 200 and changed.json()["data"]["extended_months"] == 18
    assert fields_of(admin_client.patch(f"{CATEGORIES}/optics", {"extended_months": 3}, format="json")) == {
        "extended_months": {"code": "invalid", "message": "must be at least standard_months"}}
    assert fields_of(admin_client.patch(f"{CATEGORIES}/optics", {"slug": "lenses"}, format="json"))["slug"]["code"] == "not_allowed"
    assert fields_of(admin_client.patch(f"{CATEGORIES}/optics", {"resolutions": ["exchange"]}, format="json")) == {
        "resolutions[0]": {"code": "invalid_choice", "message": "must be one of the brand's resolutions"}}
    assert fields_of(admin_client.post(CATEGORIES, {"slug": "Bad Slug", "standard_months": 0}, format="json")) == {
        "slug": {"code": "invalid", "message": "must be lowercase letters, digits and hyphens"},
        "name": {"code": "required", "message": "is required"},
        "standard_months": {"code": "min_value", "message": "must be > 0"},
        "coverage": {"code": "required", "message": "is required"},
    }

    assert admin_client.delete(f"{CATEGORIES}/optics").status_code == 204
    assert not Category.objects.filter(slug="optics").exists()
    assert admin_client.get(f"{CATEGORIES}/optics").status_code == 404
    assert list(ConfigChange.objects.order_by("created_at").values_list("target", "target_key", "action")) == [
        ("category", "optics", "create"), ("category", "optics", "update"), ("category", "optics", "delete")]
    deleted = ConfigChange.objects.get(action="delete")
    assert deleted.before["extended_months"] == 18 and deleted.after is None


def test_a_category_with_products_is_not_deleted(admin_client):
    response = admin_client.delete(f"{CATEGORIES}/handguns")
    assert response.status_code == 409 and response.json()["error"]["code"] == "category_in_use"
    assert Category.objects.filter(slug="handguns").exists() and not ConfigChange.objects.exists()


def test_a_changed_term_applies_to_the_next_registration_and_never_rewrites_a_warranty(admin_client, api, tenant):
    first = register(api)
    assert first.status_code == 201, first.content
    before = Warranty.objects.get()
    purchase = before.warranty_start
    assert before.warranty_end == add_months(purchase, 24)  # 24 extended months

    response = admin_client.patch(f"{CATEGORIES}/handguns", {"extended_months": 36}, format="json")
    assert response.status_code == 200, response.content

    second = register(api, serial="SN-CA-20250116", email="second@example.com")
    assert second.status_code == 201, second.content
    assert Warranty.objects.get(serial_number="SN-CA-20250116").warranty_end == add_months(purchase, 36)
    before.refresh_from_db()
    assert before.warranty_end == add_months(purchase, 24)


# --- products ----------------------------------------------------------------------------------------------


def test_product_lifecycle_overlap_warning_and_in_use(admin_client, api, tenant):
    created = admin_client.post(PRODUCTS, {"sku": "TP9-SC-2", "name": "TP9 SC Mk2", "category": "handguns",
                                           "serial_pattern": "SN-CA-[0-9]{8}", "description": "Second run"},
                                format="json")
    assert created.status_code == 201, created.content
    data = created.json()["data"]
    original = Product.objects.get(sku="TP9-ELITE-SC")
    assert data["is_active"] and data["image"] is None and data["description"] == "Second run"
    assert [w["code"] for w in data["warnings"]] == ["serial_pattern_overlap"]
    assert data["warnings"][0]["products"] == [original.pk]
    # The overlap is allowed: a serial both patterns take is ambiguous.
    test = admin_client.post(SERIAL_TEST, {"serial_number": "SN-CA-99999999"}, format="json").json()["data"]
    assert test["refusal"] == "serial_ambiguous" and test["matching_products"] == ["TP9-ELITE-SC", "TP9-SC-2"]

    changed = admin_client.patch(f"{PRODUCTS}/{data['id']}", {"serial_pattern": "SN-CB-[0-9]{8}"}, format="json")
    assert changed.status_code == 200 and changed.json()["data"]["warnings"] == []
    duplicate = admin_client.post(PRODUCTS, {"sku": "TP9-SC-2", "name": "x", "category": "handguns"}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "product_sku_exists"
    assert fields_of(admin_client.post(PRODUCTS, {"sku": "N", "name": "N", "category": "nope"}, format="json")) == {
        "category": {"code": "not_found", "message": "There is no category 'nope'."}}
    assert fields_of(admin_client.patch(f"{PRODUCTS}/{data['id']}", {"image": 999999}, format="json"))["image"]["code"] == "not_found"

    assert admin_client.delete(f"{PRODUCTS}/{data['id']}").status_code == 204
    assert register(api).status_code == 201
    in_use = admin_client.delete(f"{PRODUCTS}/{original.pk}")
    assert in_use.status_code == 409 and in_use.json()["error"]["code"] == "product_in_use"
    retired = admin_client.patch(f"{PRODUCTS}/{original.pk}", {"is_active": False}, format="json")
    assert retired.status_code == 200 and retired.json()["data"]["is_active"] is False
    listed = admin_client.get(f"{PRODUCTS}?is_active=false").json()["data"]
    assert [p["sku"] for p in listed] == ["TP9-ELITE-SC"]
    assert [c.action for c in ConfigChange.objects.filter(target="product").order_by("created_at")] == [
        "create", "update", "delete", "update"]
    # `active` is the same switch under the name the brand's docs use.
    back = admin_client.patch(f"{PRODUCTS}/{original.pk}", {"active": True}, format="json").json()["data"]
    assert back["active"] is True and back["is_active"] is True
    assert fields_of(admin_client.patch(f"{PRODUCTS}/{original.pk}", {"active": True, "is_active": False},
                                        format="json"))["active"]["code"] == "invalid"


def test_a_product_image_comes_from_the_brands_own_collection(admin_client, tenant, other_tenant):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image_model = get_image_model()
    mine = image_model.objects.create(title="Mine", file=get_test_image_file(), collection=tenant.collection)
    theirs = image_model.objects.create(title="Theirs", file=get_test_image_file(), collection=other_tenant.collection)
    product = Product.objects.get(tenant=tenant)
    refused = admin_client.patch(f"{PRODUCTS}/{product.pk}", {"image": theirs.pk}, format="json")
    assert fields_of(refused)["image"]["code"] == "not_found"
    taken = admin_client.patch(f"{PRODUCTS}/{product.pk}", {"image": mine.pk}, format="json")
    assert taken.status_code == 200 and taken.json()["data"]["image"] == mine.pk
    assert taken.json()["data"]["image_url"]


def test_product_list_queries_do_not_grow_with_the_page(admin_client, tenant):
    category = Category.objects.get(tenant=tenant)
    Product.objects.bulk_create(
        [Product(tenant=tenant, sku=f"SKU-{i}", name=f"Product {i}", category=category) for i in range(30)]
    )
    counts = []
    for limit in (2, 25):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(f"{PRODUCTS}?limit={limit}")
        assert response.status_code == 200 and len(response.json()["data"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]
    counts = []
    for limit in (1, 20):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(f"{CATEGORIES}?limit={limit}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    for i in range(25):
        admin_client.patch(SETTINGS, {"name": f"Northpeak {i}"}, format="json")
    counts = []
    for limit in (2, 25):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(f"{AUDIT}?limit={limit}")
        assert len(response.json()["data"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the serial rules' dry run -------------------------------------------------------------------------------


def test_serial_test_answers_what_registration_would_and_writes_nothing(admin_client, api, tenant):
    def test(serial):
        response = admin_client.post(SERIAL_TEST, {"serial_number": serial}, format="json",
                                     HTTP_IDEMPOTENCY_KEY=f"k-{serial}")
        assert response.status_code == 200, response.content
        return response.json()["data"]

    known = test(" sn-ca-20250115 ")
    assert known["accepted"] and known["known"] and known["format_ok"] and known["refusal"] is None
    assert known["serial_number"] == "SN-CA-20250115"
    assert known["product"]["sku"] == "TP9-ELITE-SC" and known["category"]["slug"] == "handguns"
    assert known["term"] == {"standard_months": 12, "extended_months": 24, "extension_window_days": 30}
    by_pattern = test("SN-CA-12345678")
    assert by_pattern["accepted"] and not by_pattern["known"] and by_pattern["matching_products"] == ["TP9-ELITE-SC"]
    assert test("XX-1")["refusal"] == "serial_invalid_format" and not test("XX-1")["format_ok"]
    assert test("SN-ZZ-123456")["refusal"] == "serial_unknown"
    from django.apps import apps

    # Nothing of the brand's data; an Idempotency-Key's stored answer is the API frame's, as for every POST.
    counts = {m: m.objects.count() for m in apps.get_app_config("warranty_api").get_models()
              if m.__name__ != "IdempotencyRecord"}
    register(api)
    counts_after_register = {m: m.objects.count() for m in counts}
    taken = test("SN-CA-20250115")
    assert taken["refusal"] == "serial_already_registered" and not taken["accepted"]
    assert {m: m.objects.count() for m in counts} == counts_after_register


# --- authorization tables ------------------------------------------------------------------------------------

ACTORS = ["anonymous", "customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
READ = {"anonymous": 401, "customer": 403, "other_tenant_customer": 401, "agent": 200, "admin": 200,
        "other_tenant_admin": 401}


def _table(ok_status: int, *, agent: int = 403) -> list:
    statuses = {**READ, "agent": agent, "admin": ok_status}
    return [pytest.param(actor, statuses[actor], id=actor) for actor in ACTORS]


def _snapshot():
    return (
        list(Tenant.objects.order_by("pk").values()),
        list(Category.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
        ConfigChange.objects.count(),
        Warranty.objects.count(),
    )


def _call(actors, actor, method, path, body=None):
    client = actors[actor][1]
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


def _check(actors, actor, status, method, path, body=None):
    before = _snapshot()
    response = _call(actors, actor, method, path, body)
    assert response.status_code == status, (actor, response.content)
    if status >= 400 or method == "get":
        assert _snapshot() == before
    return response


@pytest.mark.parametrize(("actor", "status"), _table(200, agent=200))
def test_authorization_settings_read(actors, actor, status):
    _check(actors, actor, status, "get", SETTINGS)


@pytest.mark.parametrize(("actor", "status"), _table(200))
def test_authorization_settings_change(actors, actor, status):
    _check(actors, actor, status, "patch", SETTINGS, {"name": "Renamed"})


@pytest.mark.parametrize(("actor", "status"), _table(200, agent=200))
def test_authorization_categories_list(actors, actor, status):
    _check(actors, actor, status, "get", CATEGORIES)


@pytest.mark.parametrize(("actor", "status"), _table(201))
def test_authorization_category_create(actors, actor, status):
    _check(actors, actor, status, "post", CATEGORIES,
           {"slug": "optics", "name": "Optics", "standard_months": 6, "coverage": "repair"})


@pytest.mark.parametrize(("actor", "status"), _table(200, agent=200))
def test_authorization_category_read(actors, actor, status):
    _check(actors, actor, status, "get", f"{CATEGORIES}/handguns")


@pytest.mark.parametrize(("actor", "status"), _table(200))
def test_authorization_category_change(actors, actor, status):
    _check(actors, actor, status, "patch", f"{CATEGORIES}/handguns", {"standard_months": 6})


@pytest.mark.parametrize(("actor", "status"), _table(204))
def test_authorization_category_delete(actors, tenant, actor, status):
    Category.objects.create(tenant=tenant, slug="spare", name="Spare", standard_months=1, coverage="repair")
    _check(actors, actor, status, "delete", f"{CATEGORIES}/spare")


@pytest.mark.parametrize(("actor", "status"), _table(200, agent=200))
def test_authorization_products_list(actors, actor, status):
    _check(actors, actor, status, "get", PRODUCTS)


@pytest.mark.parametrize(("actor", "status"), _table(201))
def test_authorization_product_create(actors, actor, status):
    _check(actors, actor, status, "post", PRODUCTS, {"sku": "NEW", "name": "New", "category": "handguns"})


@pytest.mark.parametrize(("actor", "status"), _table(200, agent=200))
def test_authorization_product_read(actors, tenant, actor, status):
    _check(actors, actor, status, "get", f"{PRODUCTS}/{Product.objects.get(tenant=tenant).pk}")


@pytest.mark.parametrize(("actor", "status"), _table(200))
def test_authorization_product_change(actors, tenant, actor, status):
    _check(actors, actor, status, "patch", f"{PRODUCTS}/{Product.objects.get(tenant=tenant).pk}", {"name": "Renamed"})


@pytest.mark.parametrize(("actor", "status"), _table(204))
def test_authorization_product_delete(actors, tenant, actor, status):
    spare = Product.objects.create(tenant=tenant, sku="SPARE", name="Spare", category=Category.objects.get(tenant=tenant))
    _check(actors, actor, status, "delete", f"{PRODUCTS}/{spare.pk}")


@pytest.mark.parametrize(("actor", "status"), _table(200, agent=200))
def test_authorization_serial_rule_test(actors, actor, status):
    _check(actors, actor, status, "post", SERIAL_TEST, {"serial_number": "SN-CA-20250115"})


@pytest.mark.parametrize(("actor", "status"), _table(200))
def test_authorization_audit(actors, actor, status):
    _check(actors, actor, status, "get", AUDIT)


def test_another_brands_objects_answer_404(actors, other_tenant):
    client = actors["admin"][1]
    theirs = Product.objects.get(tenant=other_tenant)
    before = _snapshot()
    for method, body in (("get", None), ("patch", {"name": "Mine now"}), ("delete", None)):
        assert _call(actors, "admin", method, f"{PRODUCTS}/{theirs.pk}", body).status_code == 404
    Category.objects.create(tenant=other_tenant, slug="theirs", name="Theirs", standard_months=1, coverage="repair")
    before = _snapshot()
    assert client.get(f"{CATEGORIES}/theirs").status_code == 404
    assert client.patch(f"{CATEGORIES}/theirs", {"name": "x"}, format="json").status_code == 404
    assert client.delete(f"{CATEGORIES}/theirs").status_code == 404
    assert _snapshot() == before
