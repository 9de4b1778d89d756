"""manage.py export_tenant: the brand's current configuration as a file that load_tenant finds already in line."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import client_for
from warranty_api.models import Role, ShopifyConnection, Tenant, WebhookEndpoint
from warranty_api.webhooks.services import webhook_endpoint_create


def _export(slug, tmp_path=None, *args) -> dict:
    if tmp_path is None:
        out = StringIO()
        call_command("export_tenant", slug, *args, stdout=out, stderr=StringIO())
        return json.loads(out.getvalue())
    path = tmp_path / f"{slug}.json"
    call_command("export_tenant", slug, str(path), *args, stdout=StringIO(), stderr=StringIO())
    return json.loads(path.read_text())


def _load(path) -> str:
    out = StringIO()
    call_command("load_tenant", str(path), stdout=out, stderr=StringIO())
    return out.getvalue().strip()


@pytest.mark.django_db
def test_the_demo_brand_round_trips(tmp_path):
    call_command("seed_demo", stdout=StringIO())
    tenant = Tenant.objects.get(slug="ridgeline")
    path = tmp_path / "ridgeline.json"
    call_command("export_tenant", "ridgeline", str(path), stdout=StringIO(), stderr=StringIO())
    data = json.loads(path.read_text())
    assert data["slug"] == "ridgeline" and data["categories"] and data["products"]
    assert {"email": "admin@ridgeline.example", "role": "admin"} in data["staff"]
    assert _load(path) == f"Tenant {tenant.slug}: no changes."


def test_a_brand_changed_through_the_api_round_trips_without_secrets(tmp_path, tenant, make_staff, settings):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = ["127.0.0.1"]
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    assert admin.patch("/api/northpeak/admin/settings", {
        "name": "Northpeak Co", "branding": {"primary_color": "#222222"},
        "registration": {"extension_window_days": None, "required_fields": ["retailer"]},
        "serial_formats": ["SN-[A-Z]{2}-[0-9]{6,8}", "NP[0-9]{5}"],
        "claims": {"resolutions": ["repair", "refund"], "replacement_terms": "remainder"},
    }, format="json").status_code == 200
    assert admin.post("/api/northpeak/admin/categories", {
        "slug": "optics", "name": "Optics", "standard_months": 6, "extended_months": 12, "coverage": "limited",
        "resolutions": ["refund"]}, format="json").status_code == 201
    assert admin.post("/api/northpeak/admin/categories", {
        "slug": "empty", "name": "Empty", "standard_months": 3, "coverage": "repair", "resolutions": []},
        format="json").status_code == 201
    created = admin.post("/api/northpeak/admin/products", {
        "sku": "SCOPE-1", "name": "Scope", "category": "optics", "serial_pattern": "NP[0-9]{5}",
        "description": "Only the admin sets this"}, format="json")
    assert created.status_code == 201
    retired = admin.post("/api/northpeak/admin/products", {"sku": "OLD-1", "name": "Old", "category": "optics"},
                         format="json").json()["data"]
    admin.patch(f"/api/northpeak/admin/products/{retired['id']}", {"is_active": False}, format="json")
    _endpoint, secret = webhook_endpoint_create(tenant=tenant, url="http://127.0.0.1:9/hooks", events=["*"])
    ShopifyConnection.objects.create(tenant=tenant, shop_domain="northpeak.myshopify.com",
                                     access_token_encrypted="encrypted-token-bytes")

    path = tmp_path / "northpeak.json"
    call_command("export_tenant", "northpeak", str(path), stdout=StringIO(), stderr=StringIO())
    text = path.read_text()
    assert secret not in text and "encrypted" not in text and "password" not in text
    data = json.loads(text)
    assert data["name"] == "Northpeak Co" and data["registration"]["extension_window_days"] is None
    assert [p["sku"] for p in data["products"]] == ["SCOPE-1", "TP9-ELITE-SC"]
    assert {c["slug"]: c.get("resolutions") for c in data["categories"]} == {
        "empty": [], "handguns": None, "optics": ["refund"]}
    assert data["serials"] == [{"serial_number": "SN-CA-20250115", "sku": "TP9-ELITE-SC",
                                "manufactured_on": "2025-01-15"}]
    assert _load(path) == "Tenant northpeak: no changes."
    assert WebhookEndpoint.objects.filter(tenant=tenant).count() == 1


def test_the_export_sets_up_another_brand_the_same(tmp_path, tenant):
    data = {**_export("northpeak"), "slug": "northpeak-copy"}
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(data))
    assert "created tenant northpeak-copy" in _load(path)
    assert _export("northpeak-copy") == data


def test_without_serials_and_unknown_slug(db, tenant):
    assert _export("northpeak", None, "--without-serials")["serials"] == []
    with pytest.raises(CommandError, match="no tenant"):
        call_command("export_tenant", "nobody", stdout=StringIO())
