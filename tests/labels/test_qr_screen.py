"""The QR codes screen of the staff workspace: product and unit codes (decoded), label sheets through the service
the API uses, the registration funnel as a table and a chart; and who may do what."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from tests.labels.helpers import decode_png
from tests.support.admin_matrix import ADMINS_ONLY, OPEN_TO_STAFF, check_matrix, db_state
from warranty_api.catalog.imports.services import serials_import
from warranty_api.labels.models import LabelSheetJob, ScanEvent
from warranty_api.models import KnownSerial, Product, Role

SCREEN = "/admin/qr-codes/"


@pytest.fixture
def known(tenant):
    rows = "".join(f"SN-CA-{n:08d},TP9-ELITE-SC,2025-01-15\n" for n in range(1, 6))
    serials_import(tenant=tenant, stream=io.BytesIO(rows.encode()), batch="Q1")
    return Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")


def _staff(tenant, make_staff, role=Role.AGENT) -> Client:
    client = Client()
    client.force_login(make_staff(tenant, role))
    return client


def test_the_screen_lists_each_product_code_and_the_codes_decode_to_the_portal(tenant, known, make_staff, settings):
    client = _staff(tenant, make_staff)
    page = client.get(SCREEN).content.decode()
    assert f'data-product="{known.id}"' in page and "Label sheets" not in page  # sheets are the admins'
    png = client.get(f"{SCREEN}products/{known.id}.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert decode_png(png.content) == f"{settings.AFTERSALE_PUBLIC_BASE_URL}/northpeak/p/{known.id}"
    assert client.get(f"{SCREEN}products/{known.id}.svg")["Content-Type"] == "image/svg+xml"
    assert client.get(f"{SCREEN}products/{known.id}.gif").status_code == 404

    unit = client.get(SCREEN, {"serial": "sn-ca-00000002"}).content.decode()
    assert 'data-unit="SN-CA-00000002"' in unit
    code = client.get(f"{SCREEN}serials/SN-CA-00000002.png")
    assert decode_png(code.content) == f"{settings.AFTERSALE_PUBLIC_BASE_URL}/northpeak/s/SN-CA-00000002"
    stranger = client.get(SCREEN, {"serial": "SN-CA-99999999"}).content.decode()
    assert "neither a known serial of the brand nor a registered one" in stranger
    assert client.get(f"{SCREEN}serials/SN-CA-99999999.png").status_code == 404


def test_an_admin_queues_a_label_sheet_of_a_products_known_serials(tenant, known, make_staff):
    client = _staff(tenant, make_staff, Role.ADMIN)
    response = client.post(SCREEN, {"sku": "TP9-ELITE-SC", "layout": "L7159"})
    assert response.status_code == 302
    job = LabelSheetJob.objects.get(tenant=tenant)
    assert (job.total, job.product_id) == (KnownSerial.objects.filter(product=known).count(), known.id)
    refused = client.post(SCREEN, {"serials": "", "layout": "L7159"}, follow=True).content.decode()
    assert "non-empty list of serial numbers" in refused and LabelSheetJob.objects.count() == 1
    page = client.get(SCREEN).content.decode()
    assert f'data-sheet="{job.id}"' in page
    assert client.get(f"{SCREEN}sheets/{job.id}.pdf").status_code == 404  # not rendered yet


def test_the_funnel_counts_scans_and_registrations(tenant, known, make_staff):
    Client().get("/northpeak/s/SN-CA-00000001")
    Client().get("/northpeak/s/SN-CA-00000001")
    Client().get("/northpeak/s/SN-CA-00000003")
    assert ScanEvent.objects.count() == 3
    page = _staff(tenant, make_staff).get(SCREEN).content.decode()
    row = page.split('data-funnel="TP9-ELITE-SC"', 1)[1].split("</tr>", 1)[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("<td")[2:]]
    assert [c.split("<", 1)[0] for c in cells[:4]] == ["3", "2", "0", "0"]
    assert "2 serials scanned, 0 of them registered" in page
    assert "must be on or before" in _staff(tenant, make_staff).get(
        SCREEN, {"from": "2026-02-01", "to": "2026-01-01"}).content.decode()


def test_screen_authorization_table(admin_callers, tenant, known):
    check_matrix(admin_callers, OPEN_TO_STAFF, act=lambda client, ctx: client.get(SCREEN),
                 state=lambda ctx: db_state(LabelSheetJob, ScanEvent))


def test_code_file_authorization_table(admin_callers, tenant, known):
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"{SCREEN}products/{known.id}.png"),
                 state=lambda ctx: db_state(ScanEvent))
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"{SCREEN}serials/SN-CA-00000001.svg"),
                 state=lambda ctx: db_state(ScanEvent))


def test_label_sheet_authorization_table(admin_callers, tenant, known):
    check_matrix(admin_callers, {**ADMINS_ONLY, "admin": "done", "superuser": "done", "other_admin": "done"},
                 act=lambda client, ctx: client.post(SCREEN, {"sku": "TP9-ELITE-SC", "layout": "L7159"}),
                 state=lambda ctx: db_state(LabelSheetJob), writes_on={"done"})
    # The other brand's admin asked at their own brand: a sheet of their own product, never of this brand's.
    jobs = {(slug, product_tenant) for slug, product_tenant in
            LabelSheetJob.objects.values_list("tenant__slug", "product__tenant__slug")}
    assert jobs == {("northpeak", "northpeak"), ("southwind", "southwind")}
    assert LabelSheetJob.objects.filter(tenant=tenant).count() == 2


def test_sheet_download_authorization_table(admin_callers, tenant, known):
    job = LabelSheetJob.objects.create(tenant=tenant, product=known, total=5, status="done", layout="L7159")
    job.pdf.save("labels.pdf", io.BytesIO(b"%PDF-1.4 test"), save=True)
    check_matrix(admin_callers, {**ADMINS_ONLY, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"{SCREEN}sheets/{job.id}.pdf"),
                 state=lambda ctx: db_state(LabelSheetJob))
