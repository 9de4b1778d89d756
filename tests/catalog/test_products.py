"""GET /api/<tenant>/products: public, paginated, filtered, scoped to its tenant."""

from tests.conftest import tenant_config


def test_products_list_public_with_terms(api, make_tenant):
    make_tenant("northpeak")
    make_tenant("southwind", products=[{"sku": "OTHER", "name": "Other brand thing", "category": "handguns"}], serials=[])
    response = api.get("/api/northpeak/products")
    assert response.status_code == 200
    body = response.json()
    assert [p["sku"] for p in body["data"]] == ["TP9-ELITE-SC"]
    product = body["data"][0]
    assert product["id"].startswith("prd_")
    assert product["category"] == "handguns"
    assert product["warranty"] == {"standard_months": 12, "extended_months": 24, "coverage": "full_replacement", "transferable": True}
    assert body["meta"]["has_more"] is False


def test_products_filter_and_pagination(api, make_tenant, django_assert_max_num_queries):
    config = tenant_config("northpeak")
    config["categories"].append(
        {"slug": "optics", "name": "Optics", "standard_months": 24, "coverage": "repair", "transferable": False}
    )
    config["products"] = [{"sku": f"SKU-{i:02d}", "name": f"Product {i:02d}", "category": "optics" if i % 2 else "handguns"} for i in range(30)]
    config["serials"] = []
    from tests.conftest import load_tenant

    load_tenant(config)
    first = api.get("/api/northpeak/products?limit=10&include_total=true").json()
    assert len(first["data"]) == 10 and first["meta"]["total"] == 30 and first["meta"]["has_more"]
    second = api.get(f"/api/northpeak/products?limit=10&cursor={first['meta']['next_cursor']}").json()
    assert {p["sku"] for p in first["data"]}.isdisjoint({p["sku"] for p in second["data"]})
    optics = api.get("/api/northpeak/products?category=optics&limit=100").json()["data"]
    assert len(optics) == 15 and all(p["category"] == "optics" for p in optics)
    bad = api.get("/api/northpeak/products?category=nope")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["category"][0]["code"] == "not_found"
    assert api.get("/api/northpeak/products?limit=0").status_code == 400
    assert api.get("/api/northpeak/products?cursor=garbage").status_code == 400
    for limit in (5, 50):
        with django_assert_max_num_queries(3):
            api.get(f"/api/northpeak/products?limit={limit}")


def test_include_total_takes_only_a_boolean(api, make_tenant):
    """`include_total` is a boolean in the schema: a value that is neither true nor false is a 400, not ignored."""
    make_tenant("northpeak")
    for value in ("true", "1", "yes", "True"):
        assert api.get(f"/api/northpeak/products?include_total={value}").json()["meta"]["total"] == 1
    for value in ("false", "0", "no", ""):
        assert "total" not in api.get(f"/api/northpeak/products?include_total={value}").json()["meta"]
    for value in ("null", "maybe", "2"):
        response = api.get(f"/api/northpeak/products?include_total={value}")
        assert response.status_code == 400, value
        assert response.json()["error"]["fields"]["include_total"][0]["code"] == "invalid"
