"""What the API reads, read strictly: dates exactly `YYYY-MM-DD` in ASCII digits, finite numbers, a plausible
purchase date, only the known parts of an address, and the `Bearer` scheme in any case (RFC 7235)."""

from __future__ import annotations

import io
import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD, client_for, tenant_config
from tests.core.test_api_frame import assert_error
from tests.warranties.test_warranty_registration import URL, body
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.catalog.imports.services import serials_import
from warranty_api.models import Role, User, Warranty
from warranty_api.onboarding.config_file import validate_tenant_config

LENIENT_DATES = [
    "20250601",  # ISO 8601 basic format: date.fromisoformat takes it
    "2025-W22-7",  # an ISO week date: date.fromisoformat takes it
    "\u0662\u0660\u0662\u0665-\u0660\u0666-\u0660\u0661",  # Arabic-Indic digits: Django's parse_date takes them
    "2025-6-01",
    "2025-06-01T00:00:00",
    "2025-06-01\n",
]


def field_codes(response, status=400, code="validation_error") -> dict[str, str]:
    fields = assert_error(response, status, code).get("fields", {})
    return {name: errors[0]["code"] for name, errors in fields.items()}


def post_raw(client, path, text: str, **extra):
    return client.post(path, text, content_type="application/json", **extra)


# --- dates ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", LENIENT_DATES)
def test_a_registration_takes_only_yyyy_mm_dd(api, tenant, date):
    response = api.post(URL, body(purchase_date=date, serial_number="SN-CA-00000001"), format="json")
    assert field_codes(response) == {"purchase_date": "invalid"}
    assert not Warranty.objects.exists()


@pytest.mark.parametrize("date", LENIENT_DATES[:3])
def test_the_admin_correction_and_the_list_filters_take_only_yyyy_mm_dd(api, tenant, make_staff, date):
    client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    warranty_id = api.post(URL, body(serial_number="SN-CA-00000001"), format="json").json()["data"]["id"]
    response = client.patch(f"/api/northpeak/admin/warranties/{warranty_id}", {"purchase_date": date}, format="json")
    assert field_codes(response) == {"purchase_date": "invalid"}
    assert field_codes(client.get("/api/northpeak/admin/warranties", {"registered_from": date})) == {
        "registered_from": "invalid"
    }


@pytest.mark.parametrize("date", LENIENT_DATES[:3])
def test_a_brand_file_and_a_serial_import_take_only_yyyy_mm_dd(tenant, date):
    config = tenant_config(serials=[{"serial_number": "SN-CA-20250115", "sku": "TP9-ELITE-SC", "manufactured_on": date}])
    _spec, errors = validate_tenant_config(config)
    assert any("manufactured_on" in path for path in errors), errors
    result = serials_import(tenant=tenant, stream=io.BytesIO(f"SN-CA-30000001,TP9-ELITE-SC,{date}\n".encode()),
                            use_copy=False)
    assert [e["line"] for e in result.errors] == [1] and "manufactured_on" in result.errors[0]["message"]


def test_a_well_written_date_is_still_taken(api, tenant):
    response = api.post(URL, body(purchase_date="2025-06-01", serial_number="SN-CA-00000001"), format="json")
    assert response.status_code == 201, response.content


# --- numbers -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["1e999", "-1e999"])
def test_a_number_beyond_a_double_is_refused_not_read_as_infinity(api, tenant, number):
    text = json.dumps(body(serial_number="SN-CA-00000001")).replace('"Outdoor Pro Shop"', number)
    assert field_codes(post_raw(api, URL, text)) == {"retailer": "not_finite"}
    assert not Warranty.objects.exists()


def test_a_number_beyond_a_double_is_refused_on_every_endpoint(api, tenant):
    text = '{"email": "a@example.com", "password": 1e999}'
    assert field_codes(post_raw(api, "/api/northpeak/auth/login", text)) == {"password": "not_finite"}


# --- purchase date -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["0001-01-01", "1989-12-31"])
def test_an_implausibly_early_purchase_date_is_refused(api, tenant, make_staff, date):
    response = api.post(URL, body(purchase_date=date, serial_number="SN-CA-00000001"), format="json")
    assert field_codes(response) == {"purchase_date": "too_early"}
    warranty_id = api.post(URL, body(serial_number="SN-CA-00000002"), format="json").json()["data"]["id"]
    client = client_for(make_staff(tenant, Role.ADMIN), tenant)
    response = client.patch(f"/api/northpeak/admin/warranties/{warranty_id}", {"purchase_date": date}, format="json")
    assert field_codes(response) == {"purchase_date": "too_early"}


def test_the_earliest_purchase_date_is_taken(api, tenant):
    response = api.post(URL, body(purchase_date="1990-01-01", serial_number="SN-CA-00000001"), format="json")
    assert response.status_code == 201, response.content


# --- address -------------------------------------------------------------------------------------------------------


def test_a_registration_refuses_an_unknown_address_part_by_name(api, tenant):
    data = body(serial_number="SN-CA-00000001")
    data["customer"]["address"] = {"street": "1 Main St", "planet": "Mars", "zipcode": "33101"}
    response = api.post(URL, data, format="json")
    assert field_codes(response) == {"customer.address.planet": "unknown_field", "customer.address.zipcode": "unknown_field"}
    assert not Warranty.objects.exists()


def test_an_account_refuses_an_unknown_address_part_by_name(api, tenant, make_customer):
    register = {"email": "new@example.com", "password": PASSWORD, "name": "N", "address": {"planet": "Mars"}}
    assert field_codes(api.post("/api/northpeak/auth/register", register, format="json")) == {
        "address.planet": "unknown_field"
    }
    assert not User.objects.filter(email="new@example.com").exists()
    user = make_customer(tenant)
    response = client_for(user, tenant).patch("/api/northpeak/auth/me", {"address": {"city": "X", "orbit": "L2"}},
                                              format="json")
    assert field_codes(response) == {"address.orbit": "unknown_field"}
    assert User.objects.get(pk=user.pk).address == {}


# --- the Bearer scheme -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(tenant, make_customer, scheme):
    user = make_customer(tenant)
    access = tokens_issue(user=user, tenant=tenant, role="customer")["access"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {access}")
    response = client.get("/api/northpeak/auth/me")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", "Bearertoken"])
def test_other_authorization_headers_are_still_refused(tenant, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get("/api/northpeak/auth/me"), 401, "authentication_failed")
