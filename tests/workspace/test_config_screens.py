"""The brand's set-up in Wagtail's admin: settings, categories, products, serial rules; admins only, via services."""

from __future__ import annotations

import pytest

from tests.support.admin_matrix import ADMINS_ONLY, check_matrix, db_state
from warranty_api.models import Category, ConfigChange, Product, Tenant, Warranty

SETTINGS = "/admin/brand-settings/"
PRODUCTS = "/admin/catalog/"
CATEGORIES = "/admin/catalog/categories/"
SERIAL_RULES = "/admin/catalog/serial-rules/"


def _settings_post(tenant, **changes) -> dict:
    data = {
        "name": tenant.name, "support_email": tenant.support_email, "primary_color": "#0b5d3b",
        "accent_color": "#f2a900", "tagline": "Built for the long trail", "logo": "",
        "required_fields": ["phone", "address"], "extension_window_days": "30", "verification": "off",
        "serial_formats": "SN-[A-Z]{2}-[0-9]{6,8}", "issue_types": "malfunction: Malfunction\ncosmetic: Cosmetic damage",
        "resolutions": ["repair", "replacement", "refund"], "replacement_terms": "new_term",
    }
    data.update(changes)
    return data


def _state(_ctx=None):
    return db_state(Tenant, Category, Product, ConfigChange, Warranty)


# --- authorization tables ----------------------------------------------------------------------------------


# Another brand's admin reaches the same address for *their* brand (the screen is the current brand's); what they
# send changes their own brand only, which the state of `tenant` shows.
@pytest.mark.parametrize("url", [SETTINGS, PRODUCTS, CATEGORIES, SERIAL_RULES, f"{CATEGORIES}add/", f"{PRODUCTS}products/add/"])
def test_each_screen_is_for_the_brands_admins(admin_callers, url):
    check_matrix(admin_callers, ADMINS_ONLY, act=lambda client, ctx: client.get(url), state=_state)


def test_settings_save_authorization(admin_callers, tenant):
    expected = {**ADMINS_ONLY, "admin": "done", "superuser": "done", "other_admin": "done"}
    check_matrix(admin_callers, expected, writes_on={"done"}, state=_state,
                 act=lambda client, ctx: client.post(SETTINGS, _settings_post(tenant, tagline="Changed")))


def test_another_brands_admin_saves_only_their_own_brand(admin_callers, tenant, other_tenant):
    before = db_state(Category, Product)
    northpeak = Tenant.objects.filter(pk=tenant.pk).values().get()
    response = admin_callers["other_admin"].client.post(SETTINGS, _settings_post(other_tenant, tagline="Theirs"))
    assert response.status_code == 302
    assert Tenant.objects.filter(pk=tenant.pk).values().get() == northpeak
    other_tenant.refresh_from_db()
    assert other_tenant.branding["tagline"] == "Theirs" and db_state(Category, Product) == before


def test_object_screens_of_another_brand_are_not_found(admin_callers, tenant, other_tenant):
    theirs = Product.objects.get(tenant=other_tenant)
    client = admin_callers["admin"].client
    before = _state()
    assert client.get(f"{PRODUCTS}products/{theirs.pk}/").status_code == 404
    assert client.post(f"{PRODUCTS}products/{theirs.pk}/delete/").status_code == 404
    assert client.get(f"{CATEGORIES}handguns/").status_code == 200  # their own brand's category of that slug
    Category.objects.create(tenant=other_tenant, slug="theirs", name="Theirs", standard_months=1, coverage="repair")
    before = _state()
    assert client.get(f"{CATEGORIES}theirs/").status_code == 404
    assert client.post(f"{CATEGORIES}theirs/delete/").status_code == 404
    assert _state() == before


def test_category_delete_authorization(admin_callers, tenant):
    def prepare(name):
        Category.objects.filter(tenant=tenant, slug="spare").delete()
        return Category.objects.create(tenant=tenant, slug="spare", name="Spare", standard_months=1, coverage="repair")

    expected = {**ADMINS_ONLY, "admin": "done", "superuser": "done", "other_admin": "not_found"}
    check_matrix(admin_callers, expected, writes_on={"done"}, prepare=prepare, state=_state,
                 act=lambda client, ctx: client.post(f"{CATEGORIES}spare/delete/"))


# --- behaviour ---------------------------------------------------------------------------------------------


def test_settings_saved_through_the_service_and_recorded(admin_callers, tenant):
    client = admin_callers["admin"].client
    page = client.get(SETTINGS).content.decode()
    assert 'value="Northpeak Outdoor"' in page and "data-brand-preview" in page
    response = client.post(SETTINGS, _settings_post(tenant, primary_color="#123456", extension_window_days=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant.refresh_from_db()
    assert tenant.branding["primary_color"] == "#123456" and tenant.extension_window_days is None
    change = ConfigChange.objects.get(target="settings")
    assert change.actor == admin_callers["admin"].user


def test_the_marketing_opt_in_wording_is_set_on_the_settings_screen(admin_callers, tenant):
    client = admin_callers["admin"].client
    assert "Marketing opt-in wording" in client.get(SETTINGS).content.decode()
    wording = "Yes, send me Northpeak's trail news."
    response = client.post(SETTINGS, _settings_post(tenant, marketing_consent_text=wording))
    assert response.status_code == 302, response.content.decode()[:2000]
    tenant.refresh_from_db()
    assert tenant.marketing_consent_text == wording
    assert ConfigChange.objects.get(target="settings").after["consent"] == {"marketing_text": wording}


def test_settings_refusals_name_the_field_and_save_nothing(admin_callers, tenant):
    client = admin_callers["admin"].client
    before = _state()
    response = client.post(SETTINGS, _settings_post(tenant, serial_formats="SN-[0-9]+\n(a+)+$",
                                                    issue_types="Bad Code: x", support_email="nope"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2: repeats a group that itself repeats" in page
    assert "Line 1: must be snake_case, like malfunction" in page
    assert "must be an email address" in page
    assert _state() == before


def test_a_light_primary_colour_is_flagged_for_contrast(admin_callers, tenant):
    client = admin_callers["admin"].client
    response = client.post(SETTINGS, _settings_post(tenant, primary_color="#ffee88"), follow=True)
    page = response.content.decode()
    assert "contrast of" in page and "white text" in page


def test_category_terms_change_in_the_admin(admin_callers, tenant):
    client = admin_callers["admin"].client
    assert "24 months" in client.get(CATEGORIES).content.decode()
    form = {"slug": "handguns", "name": "Handguns", "standard_months": "12", "extended_months": "36",
            "coverage": "full_replacement", "transferable": "on"}
    assert client.post(f"{CATEGORIES}handguns/", form).status_code == 302
    assert Category.objects.get(tenant=tenant, slug="handguns").extended_months == 36
    refused = client.post(f"{CATEGORIES}handguns/", {**form, "extended_months": "6"})
    assert refused.status_code == 400 and "must be at least standard_months" in refused.content.decode()
    created = client.post(f"{CATEGORIES}add/", {"slug": "optics", "name": "Optics", "standard_months": "6",
                                                "coverage": "repair", "own_resolutions": "on",
                                                "resolutions": ["repair"]})
    assert created.status_code == 302
    assert Category.objects.get(tenant=tenant, slug="optics").resolutions == ["repair"]
    in_use = client.post(f"{CATEGORIES}handguns/delete/", follow=True)
    assert "has products" in in_use.content.decode()
    assert [c.action for c in ConfigChange.objects.order_by("created_at")] == ["update", "create"]


def test_products_with_image_overlap_warning_and_retire(admin_callers, tenant):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Scope photo", file=get_test_image_file(),
                                             collection=tenant.collection)
    client = admin_callers["admin"].client
    add = client.get(f"{PRODUCTS}products/add/").content.decode()
    assert "Scope photo" in add
    response = client.post(f"{PRODUCTS}products/add/", {
        "sku": "TP9-SC-2", "name": "TP9 SC Mk2", "category": "handguns", "serial_pattern": "SN-CA-[0-9]{8}",
        "description": "Second run", "image": str(image.pk), "is_active": "on"}, follow=True)
    page = response.content.decode()
    assert "Product TP9 SC Mk2 saved." in page and "serial_ambiguous" in page
    product = Product.objects.get(sku="TP9-SC-2")
    assert product.image_id == image.pk and product.description == "Second run"
    assert client.post(f"{PRODUCTS}products/{product.pk}/", {
        "sku": "TP9-SC-2", "name": "TP9 SC Mk2", "category": "handguns", "serial_pattern": "(a+)+$"}).status_code == 400
    retired = client.post(f"{PRODUCTS}products/{product.pk}/", {
        "sku": "TP9-SC-2", "name": "TP9 SC Mk2", "category": "handguns", "serial_pattern": "SN-CB-[0-9]{8}"})
    assert retired.status_code == 302
    product.refresh_from_db()
    assert not product.is_active and product.serial_pattern == "SN-CB-[0-9]{8}" and product.image_id is None


def test_serial_rules_box_answers_without_writing(admin_callers, tenant):
    client = admin_callers["admin"].client
    before = _state()
    page = client.get(SERIAL_RULES, {"serial": "sn-ca-20250115"}).content.decode()
    assert 'data-serial-outcome="accepted"' in page and "TP9 Elite SC" in page and "24 when registered" in page
    partial = client.get(SERIAL_RULES, {"serial": "SN-ZZ-1", "partial": "1"}).content.decode()
    assert 'data-serial-outcome="serial_invalid_format"' in partial and "<html" not in partial
    assert _state() == before
