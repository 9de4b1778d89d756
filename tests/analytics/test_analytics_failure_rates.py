"""Failure rates over HTTP against a population whose every figure is computed by hand here."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.analytics.analytics_helpers import D, build_population, claim_on, make_brand, register, wilson
from tests.conftest import client_for
from warranty_api.analytics.services import failure_cells_refresh
from warranty_api.models import Role

URL = "/api/northpeak/admin/analytics/failure-rates"


@pytest.fixture
def brand(db):
    tenant = make_brand()
    tenant.failure_rate_alert_percent = 10  # so some groups are flagged and some not
    tenant.save()
    build_population(tenant)
    return tenant


@pytest.fixture
def agent(brand, make_staff):
    return client_for(make_staff(brand, Role.AGENT), brand)


def _expected(key, label, known, registered, claims, approved, by_issue, median, *, threshold=0.10):
    low, high = wilson(claims, registered) if registered else (None, None)
    return {
        "key": key, "label": label, "units_known": known, "units_registered": registered, "claims": claims,
        "approved_claims": approved, "rate": claims / registered if registered else None, "rate_low": low,
        "rate_high": high, "rate_known": (claims / known) if known else None, "claims_by_issue_type": by_issue,
        "median_days_to_first_claim": median, "flag": bool(low is not None and low > threshold),
    }


def _rows(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def _same(actual: list[dict], expected: list[dict]) -> None:
    assert [row["key"] for row in actual] == [row["key"] for row in expected]
    for got, want in zip(actual, expected, strict=True):
        for name, value in want.items():
            if isinstance(value, float):
                assert got[name] == pytest.approx(value, rel=1e-12), (want["key"], name)
            else:
                assert got[name] == value, (want["key"], name)
        assert set(got) == set(want)


def test_by_sku_every_field_as_computed_by_hand(agent):
    body = _rows(agent, by="sku")
    _same(body["data"], [
        # SKU-A: claims A-001 x2, A-005, A-011; approved: A-001's (approved) and A-005's (resolved as a repair).
        # First claims per unit: A-001 day 10, A-005 day 20, A-011 day 30 -> median 20.
        _expected("SKU-A", "Alpha Drill", 20, 13, 4, 2, {"malfunction": 3, "cosmetic": 1}, 20.0),
        # SKU-B: one cosmetic claim, resolved after a denial (not approved), day 5.
        _expected("SKU-B", "Beta Saw", 5, 5, 1, 0, {"malfunction": 0, "cosmetic": 1}, 5.0),
        # SKU-C: no known serials, so no rate per known unit.
        _expected("SKU-C", "Gamma Lamp", 0, 3, 1, 1, {"malfunction": 1, "cosmetic": 0}, 10.0),
    ])
    # The hand-computed bounds, to the third decimal, and which groups pass the 10% threshold.
    a, b, c = body["data"]
    assert round(a["rate_low"], 3) == 0.127 and a["flag"] is True
    assert round(b["rate_low"], 3) == 0.036 and b["flag"] is False
    assert round(c["rate_low"], 3) == 0.061 and c["flag"] is False
    assert body["meta"]["alert_threshold"] == pytest.approx(0.10) and body["meta"]["confidence"] == 0.95
    assert body["meta"]["as_of"].endswith("Z")


def test_by_category(agent):
    _same(_rows(agent, by="category")["data"], [
        # Lights = SKU-C.
        _expected("lights", "Lights", 0, 3, 1, 1, {"malfunction": 1, "cosmetic": 0}, 10.0),
        # Tools = SKU-A + SKU-B; first claims on days 10, 20, 30 and 5 -> median (10 + 20) / 2.
        _expected("tools", "Tools", 25, 18, 5, 2, {"malfunction": 3, "cosmetic": 2}, 15.0),
    ])


def test_by_manufactured_month_with_the_unknown_units_in_one_group(agent):
    _same(_rows(agent, by="manufactured_month")["data"], [
        # 2025-01: A-001..A-010 and B-001..B-005 known; A-001..A-008 and B-001..B-005 registered.
        _expected("2025-01", "2025-01", 15, 13, 4, 2, {"malfunction": 2, "cosmetic": 2}, 10.0),
        _expected("2025-02", "2025-02", 10, 4, 1, 0, {"malfunction": 1, "cosmetic": 0}, 30.0),
        # A-900 (not a known serial) and SKU-C's three units.
        _expected(None, "Not known", 0, 4, 1, 1, {"malfunction": 1, "cosmetic": 0}, 10.0),
    ])


def test_by_import_batch(agent):
    _same(_rows(agent, by="import_batch")["data"], [
        _expected("B1", "B1", 15, 13, 4, 2, {"malfunction": 2, "cosmetic": 2}, 10.0),
        _expected("B2", "B2", 10, 4, 1, 0, {"malfunction": 1, "cosmetic": 0}, 30.0),
        _expected(None, "Not known", 0, 4, 1, 1, {"malfunction": 1, "cosmetic": 0}, 10.0),
    ])


def test_by_purchase_month_has_no_known_units(agent):
    rows = _rows(agent, by="purchase_month")["data"]
    expected = [
        # March: A-001..A-004 and B-001..B-005; first claims A-001 day 10 and B-002 day 5.
        _expected("2025-03", "2025-03", None, 9, 3, 1, {"malfunction": 1, "cosmetic": 2}, 7.5),
        _expected("2025-04", "2025-04", None, 8, 2, 1, {"malfunction": 2, "cosmetic": 0}, 25.0),
        _expected("2025-05", "2025-05", None, 1, 0, 0, {"malfunction": 0, "cosmetic": 0}, None),
        _expected("2025-06", "2025-06", None, 3, 1, 1, {"malfunction": 1, "cosmetic": 0}, 10.0),
    ]
    for row in expected:
        row["rate_known"] = None
    _same(rows, expected)
    assert rows[2]["rate_low"] == 0.0  # no claim in one unit: the interval starts at zero


def test_purchase_window_issue_type_and_min_units(agent):
    # Bought in April: A-005..A-008 and A-011..A-014; SKU-B's units (March) leave, its known serials stay.
    _same(_rows(agent, by="sku", **{"from": "2025-04-01", "to": "2025-04-30"})["data"], [
        _expected("SKU-A", "Alpha Drill", 20, 8, 2, 1, {"malfunction": 2, "cosmetic": 0}, 25.0),
        _expected("SKU-B", "Beta Saw", 5, 0, 0, 0, {"malfunction": 0, "cosmetic": 0}, None),
    ])
    # Cosmetic only: the median is of each unit's first cosmetic claim (A-001's on day 60).
    _same(_rows(agent, by="sku", issue_type="cosmetic")["data"], [
        _expected("SKU-A", "Alpha Drill", 20, 13, 1, 0, {"malfunction": 0, "cosmetic": 1}, 60.0),
        _expected("SKU-B", "Beta Saw", 5, 5, 1, 0, {"malfunction": 0, "cosmetic": 1}, 5.0),
        _expected("SKU-C", "Gamma Lamp", 0, 3, 0, 0, {"malfunction": 0, "cosmetic": 0}, None),
    ])
    assert [r["key"] for r in _rows(agent, by="sku", min_units="5")["data"]] == ["SKU-A", "SKU-B"]


def test_the_default_threshold_is_one_and_a_half_percent(brand, agent):
    brand.failure_rate_alert_percent = 1.5
    brand.save()
    body = _rows(agent, by="sku")
    assert body["meta"]["alert_threshold"] == pytest.approx(0.015)
    assert [r["flag"] for r in body["data"]] == [True, True, True]


def test_figures_are_as_fresh_as_the_last_rebuild(brand, agent):
    first = _rows(agent, by="sku")
    unit = register(brand, "C-777", "SKU-C", D(2025, 6, 2))
    claim_on(unit, "malfunction", D(2025, 6, 3))
    assert _rows(agent, by="sku")["data"] == first["data"]  # not rebuilt yet: the answer says as of when
    failure_cells_refresh(tenant=brand)
    c = _rows(agent, by="sku")["data"][2]
    assert (c["units_registered"], c["claims"], c["median_days_to_first_claim"]) == (4, 2, 5.5)


def test_a_transferred_unit_counts_once_and_its_claims_follow_it(brand, agent):
    old = register(brand, "C-500", "SKU-C", D(2025, 6, 1), status="transferred")
    claim_on(old, "malfunction", D(2025, 6, 5))  # filed by the first owner
    new = register(brand, "C-500", "SKU-C", D(2025, 6, 1), replaces=old)
    claim_on(new, "malfunction", D(2025, 6, 25))
    c = _rows(agent, by="sku")["data"][2]
    # 3 + 1 units, 1 + 2 claims; first claims: C-001 day 10, C-500 day 4 (its first, before the transfer).
    assert (c["units_registered"], c["claims"], c["median_days_to_first_claim"]) == (4, 3, 7.0)


def test_csv_has_the_same_rows(agent):
    json_rows = _rows(agent, by="sku")["data"]
    response = agent.get(URL, {"by": "sku", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["key"] for r in rows] == ["SKU-A", "SKU-B", "SKU-C"]
    assert rows[0]["claims"] == "4" and float(rows[0]["rate_low"]) == pytest.approx(json_rows[0]["rate_low"])
    assert rows[2]["rate_known"] == "" and rows[0]["flag"] == "true"
    by_accept = agent.get(URL, {"by": "sku"}, HTTP_ACCEPT="text/csv")
    assert by_accept["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("params, field", [
    ({"by": "colour"}, "by"), ({"from": "2025-13-01"}, "from"), ({"from": "20250101"}, "from"),
    ({"from": "2025-05-01", "to": "2025-04-01"}, "to"), ({"issue_type": "explosion"}, "issue_type"),
    ({"min_units": "-1"}, "min_units"), ({"min_units": "1e9"}, "min_units"), ({"min_units": "٣"}, "min_units"),
])
def test_bad_parameters_are_field_errors(agent, params, field):
    response = agent.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_accept_that_rules_out_json_and_csv_is_406(agent):
    response = agent.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 406 and response.json()["error"]["code"] == "not_acceptable"


def test_queries_do_not_grow_with_the_groups(brand, agent):
    _rows(agent, by="sku")
    with CaptureQueriesContext(connection) as few:
        _rows(agent, by="manufactured_month")
    for i in range(30):
        register(brand, f"Z-{i:03d}", "SKU-C", D(2024, 1 + i % 12, 1))
    failure_cells_refresh(tenant=brand)
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(agent, by="purchase_month")["data"]) > 10
    assert len(many) <= len(few) + 1
