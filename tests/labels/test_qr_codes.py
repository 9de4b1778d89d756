"""QR codes of products and units: decoded, followed to the registration, counted; GS1 Digital Links."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import client_for, tenant_config
from tests.conftest import load_tenant as load
from tests.labels.helpers import as_path, decode_png
from warranty_api.catalog.gtin import gtin_normalize
from warranty_api.labels.models import ScanEvent
from warranty_api.models import Product, Role, Warranty
from warranty_api.warranties.services import warranty_register

SERIAL = "SN-CA-20250115"
# A valid GTIN-13 (check digit 1) and its GTIN-14 form.
GTIN13 = "4006381333931"
GTIN14 = "04006381333931"


def _register(tenant, serial=SERIAL):
    data = {
        "serial_number": serial,
        "purchase_date": timezone.localdate() - datetime.timedelta(days=3),
        "customer": {"email": "owner@example.com", "name": "Owner", "phone": "1", "address": {"city": "X"}},
    }
    return warranty_register(tenant=tenant, data=data)


def test_gtin_check_digits():
    assert gtin_normalize(GTIN13) == GTIN14
    assert gtin_normalize(GTIN14) == GTIN14
    assert gtin_normalize("96385074") == "00000096385074"  # GTIN-8
    assert gtin_normalize("036000291452") == "00036000291452"  # UPC-A (GTIN-12)
    assert gtin_normalize("4006381333932") is None  # wrong check digit
    assert gtin_normalize("40063813339") is None  # 11 digits
    assert gtin_normalize("٤٠٠٦٣٨١٣٣٣٩٣١") is None  # other scripts' digits
    assert gtin_normalize("") is None


def test_serial_png_decodes_to_a_short_url_that_lands_on_registration_filled(tenant, admin_client):
    response = admin_client.get(f"/api/northpeak/admin/serials/{SERIAL}/qr?format=png")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/png"
    url = decode_png(response.content)
    base = settings.AFTERSALE_PUBLIC_BASE_URL
    assert url == f"{base}/northpeak/s/{SERIAL}" == response["X-Code-Url"]
    assert len(url) < 80

    browser = Client()
    landing = browser.get(as_path(url, base))
    assert landing.status_code == 302
    assert landing["Location"] == f"/northpeak/register/?serial={SERIAL}&product={Product.objects.get().id}"
    assert landing["Cache-Control"] == "no-store"
    page = browser.get(landing["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(rf'name="serial_number"[^>]*value="{SERIAL}"', html) or re.search(
        rf'value="{SERIAL}"[^>]*name="serial_number"', html
    ), html
    assert "TP9 Elite SC" in html  # the product is named, with a link to its page
    scan = ScanEvent.objects.get()
    assert (scan.tenant_id, scan.kind, scan.serial_number, scan.product.sku) == (tenant.id, "serial", SERIAL, "TP9-ELITE-SC")


def test_product_code_lands_on_registration_with_the_product(tenant, admin_client):
    product = Product.objects.get(tenant=tenant)
    response = admin_client.get(f"/api/northpeak/admin/products/{product.id}/qr?format=png")
    assert response.status_code == 200
    url = decode_png(response.content)
    assert url == f"{settings.AFTERSALE_PUBLIC_BASE_URL}/northpeak/p/{product.id}"
    landing = Client().get(as_path(url, settings.AFTERSALE_PUBLIC_BASE_URL))
    assert landing.status_code == 302
    assert landing["Location"] == f"/northpeak/register/?product={product.id}"
    page = Client().get(landing["Location"])
    assert 'href="/northpeak/catalog/TP9-ELITE-SC/"' in page.content.decode()
    assert ScanEvent.objects.filter(kind="product", product=product, serial_number="").count() == 1


def test_svg_is_the_same_code_at_print_size(tenant, admin_client):
    response = admin_client.get(f"/api/northpeak/admin/serials/{SERIAL}/qr?format=svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<?xml") and 'width="' in svg and 'mm"' in svg
    # Decoding the SVG itself (rendered by Chromium) is in test_labels_browser.py.


def test_default_format_is_svg_and_a_wrong_one_is_the_error_envelope(tenant, admin_client):
    assert admin_client.get(f"/api/northpeak/admin/serials/{SERIAL}/qr")["Content-Type"] == "image/svg+xml"
    response = admin_client.get(f"/api/northpeak/admin/serials/{SERIAL}/qr?format=gif")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["format"][0]["code"] == "invalid_choice"


def test_registered_unit_lands_on_its_product_page(tenant):
    _register(tenant)
    landing = Client().get(f"/northpeak/s/{SERIAL}")
    assert landing.status_code == 302
    product = Product.objects.get()
    assert landing["Location"] == f"/northpeak/catalog/{product.id}/?serial={SERIAL}&registered=1"
    page = Client().get(landing["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert f"serial <strong>{SERIAL}</strong> is registered" in html
    assert "care@northpeak.example" in html  # how to reach support
    assert "Register this product" not in html
    assert ScanEvent.objects.count() == 1


def test_serial_scans_are_lowercase_and_space_tolerant(tenant):
    landing = Client().get("/northpeak/s/sn-ca-20250115")
    assert landing["Location"].startswith(f"/northpeak/register/?serial={SERIAL}")


def test_unknown_serial_is_still_counted_and_lands_filled(tenant):
    landing = Client().get("/northpeak/s/XX-123")
    assert landing.status_code == 302
    assert landing["Location"] == "/northpeak/register/?serial=XX-123"
    assert ScanEvent.objects.get().product is None


def test_head_redirects_without_counting(tenant):
    response = Client().head(f"/northpeak/s/{SERIAL}")
    assert response.status_code == 302
    assert ScanEvent.objects.count() == 0


def test_other_or_unknown_brand_and_product_are_the_portal_404(tenant, other_tenant):
    product = Product.objects.get(tenant=tenant)
    assert Client().get(f"/southwind/p/{product.id}").status_code == 404
    assert Client().get("/nobrand/s/X").status_code == 404
    assert Client().get("/northpeak/p/prd_nothere").status_code == 404
    assert Client().post(f"/northpeak/s/{SERIAL}").status_code == 405
    assert ScanEvent.objects.count() == 0


@pytest.fixture
def gs1_tenant(db):
    products = [
        {"sku": "TP9-ELITE-SC", "name": "TP9 Elite SC", "category": "handguns", "serial_pattern": "SN-CA-[0-9]{8}",
         "gtin": GTIN13},
    ]
    return load(tenant_config("northpeak", products=products))


def test_gs1_digital_link_codes_and_landing(gs1_tenant, make_staff):
    client = client_for(make_staff(gs1_tenant, Role.ADMIN), gs1_tenant)
    product = Product.objects.get()
    assert product.gtin == GTIN14
    base = settings.AFTERSALE_PUBLIC_BASE_URL
    unit_url = decode_png(client.get(f"/api/northpeak/admin/serials/{SERIAL}/qr?format=png").content)
    assert unit_url == f"{base}/northpeak/01/{GTIN14}/21/{SERIAL}"
    product_url = decode_png(client.get(f"/api/northpeak/admin/products/{product.id}/qr?format=png").content)
    assert product_url == f"{base}/northpeak/01/{GTIN14}"

    landing = Client().get(as_path(unit_url, base))
    assert landing["Location"] == f"/northpeak/register/?serial={SERIAL}&product={product.id}"
    assert Client().get(as_path(product_url, base))["Location"] == f"/northpeak/register/?product={product.id}"
    # A code printed under GS1 rules with the 13-digit form resolves the same way.
    assert Client().get(f"/northpeak/01/{GTIN13}/21/{SERIAL}")["Location"].startswith("/northpeak/register/?serial=")
    assert list(ScanEvent.objects.values_list("kind", "gs1")) == [("serial", True), ("product", True), ("serial", True)]
    # A wrong check digit, or a GTIN of no product of the brand, is the portal's 404 and counts nothing.
    assert Client().get(f"/northpeak/01/4006381333932/21/{SERIAL}").status_code == 404
    assert Client().get("/northpeak/01/96385074").status_code == 404
    assert ScanEvent.objects.count() == 3


def test_gtin_in_the_tenant_file_is_validated(db):
    from warranty_api.onboarding.config_file import validate_tenant_config

    products = [
        {"sku": "A", "name": "A", "category": "handguns", "gtin": "4006381333932"},
        {"sku": "B", "name": "B", "category": "handguns", "gtin": GTIN13},
        {"sku": "C", "name": "C", "category": "handguns", "gtin": GTIN14},
    ]
    _, errors = validate_tenant_config(tenant_config("northpeak", products=products, serials=[]))
    paths = {e.split(":", 1)[0] for e in errors}
    assert paths == {"products[0].gtin", "products[2].gtin"}, errors


def test_scan_is_one_insert(tenant):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.get(f"/northpeak/s/{SERIAL}")  # warm the process's caches
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/northpeak/s/{SERIAL}")
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT"), writes
    assert not any("FOR UPDATE" in q["sql"].upper() for q in ctx.captured_queries)


def test_a_transferred_row_alone_is_not_a_registration(tenant):
    warranty = _register(tenant)
    Warranty.objects.filter(id=warranty.id).update(status=Warranty.Status.TRANSFERRED)
    assert Client().get(f"/northpeak/s/{SERIAL}")["Location"].startswith("/northpeak/register/")
