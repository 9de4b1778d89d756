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
