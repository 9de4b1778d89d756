"""Query parameters are declared once per operation (a FilterSet, core/filters.py): the schema documents them and the
request frame refuses any other name, as it refuses a body field an operation does not take."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import client_for
from tests.core.test_api_frame import assert_error
from warranty_api.models import Role

ADMIN_CLAIMS = "/api/northpeak/admin/claims"


def _unknown(response, name: str) -> dict:
    error = assert_error(response, 400, "validation_error")
    assert error["fields"][name][0]["code"] == "unknown_parameter"
    return error["fields"][name][0]


def test_a_misspelt_filter_is_refused_instead_of_answering_the_whole_list(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    field = _unknown(admin.get(ADMIN_CLAIMS, {"stauts": "submitted"}), "stauts")
    assert "status" in field["message"] and "stauts" in field["message"]
    assert admin.get(ADMIN_CLAIMS, {"status": "submitted"}).status_code == 200


def test_every_unknown_name_is_named_and_the_known_ones_are_not(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    error = assert_error(admin.get(ADMIN_CLAIMS, {"status": "submitted", "a": "1", "b": ""}), 400, "validation_error")
    assert set(error["fields"]) == {"a", "b"}


def test_an_operation_without_parameters_takes_none(tenant, make_customer):
    customer = client_for(make_customer(tenant), tenant)
    field = _unknown(customer.get("/api/northpeak/auth/me", {"format": "json"}), "format")
    assert field["message"] == "This operation takes no query parameter."


def test_a_method_takes_only_its_own_parameters(tenant, make_staff):
    """The notices' `dry_run` belongs to sending one; the list of notices does not take it."""
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    _unknown(admin.get("/api/northpeak/admin/notices", {"dry_run": "true"}), "dry_run")
    _unknown(admin.post("/api/northpeak/admin/webhooks?limit=5", {}, format="json"), "limit")


def test_the_caller_is_checked_before_the_parameters(tenant, make_customer, api):
    assert_error(api.get(ADMIN_CLAIMS, {"stauts": "x"}), 401, "authentication_failed")
    customer = client_for(make_customer(tenant), tenant)
    assert_error(customer.get(ADMIN_CLAIMS, {"stauts": "x"}), 403, "permission_denied")


def _get_operations_with_query_parameters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        if names and path.startswith("/api/{tenant}/"):
            yield path, names


OPERATIONS = sorted(_get_operations_with_query_parameters())


def test_the_lists_and_the_filters_of_the_contract_are_documented():
    documented = dict(OPERATIONS)
    assert {"status", "sla_state", "risk_level", "q", "sort", "format", "limit", "cursor", "include_total"} <= set(
        documented["/api/{tenant}/admin/claims"])
    assert {"registered_from", "purchased_to", "verification", "format"} <= set(documented["/api/{tenant}/admin/warranties"])
    assert {"by", "from", "to", "issue_type", "min_units"} <= set(documented["/api/{tenant}/admin/analytics/failure-rates"])
    assert {"limit", "cursor", "include_total"} <= set(documented["/api/{tenant}/warranties"])


@pytest.mark.parametrize(("path", "names"), OPERATIONS, ids=[path for path, _ in OPERATIONS])
def test_every_documented_parameter_is_taken(tenant, make_staff, make_customer, path, names):
    """Each documented name, given empty (read as not given), passes the frame: the documentation and the
    refusal come from one declaration, and no operation documents a name it would refuse."""
    user = make_staff(tenant, Role.ADMIN) if "/admin/" in path else make_customer(tenant)
    client = client_for(user, tenant)
    url = re.sub(r"\{tenant\}", "northpeak", path)
    url = re.sub(r"\{[a-z_]+\}", "unknown_1", url)
    response = client.get(url, {name: "" for name in names})
    body = response.json() if response["Content-Type"].startswith("application/json") else {}
    fields = body.get("error", {}).get("fields", {})
    assert not any(errors[0]["code"] == "unknown_parameter" for errors in fields.values()), body
    if path.startswith("/api/{tenant}/content/"):
        response = client.get(url, {"not_a_parameter": "1"})
        # Wagtail's API v2 refuses unknown names itself (support_docs/content_api.py), naming them in the message;
        # an object path answers 404 for the made-up id first.
        if "{id}" in path:
            assert_error(response, 404, "not_found")
        else:
            assert "not_a_parameter" in assert_error(response, 400, "validation_error")["message"]
        return
    _unknown(client.get(url, {**{name: "" for name in names}, "not_a_parameter": "1"}), "not_a_parameter")


def test_the_page_parameters_are_checked_on_the_csv_lane_too(tenant, make_staff):
    """A CSV answer has every row and no pages, yet `?limit=-` is as wrong there as on the JSON lane."""
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    for query in ({"limit": "-", "format": "csv"}, {"include_total": "maybe", "format": "csv"}):
        error = assert_error(admin.get("/api/northpeak/admin/warranties", query), 400, "validation_error")
        assert set(error["fields"]) == {next(iter(query))}
    assert admin.get("/api/northpeak/admin/warranties", {"limit": "5", "format": "csv"}).status_code == 200


def test_a_method_the_operation_does_not_have_answers_405_whatever_its_query(tenant, make_customer):
    customer = client_for(make_customer(tenant), tenant)
    response = customer.generic("TRACE", "/api/northpeak/products?limit=1&category=")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_the_refusal_speaks_the_callers_language(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    response = admin.get(ADMIN_CLAIMS, {"stauts": "x"}, HTTP_ACCEPT_LANGUAGE="de")
    field = _unknown(response, "stauts")
    assert field["message"].startswith("Dieser Vorgang nimmt keinen Parameter stauts; er nimmt: ")
