"""Authorization tables of the scan-to-register endpoints: seven callers, status, and nothing changed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for
from warranty_api.labels.models import LabelSheetJob, ScanEvent
from warranty_api.labels.services import label_job_create
from warranty_api.models import Category, KnownSerial, Product, Role

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
STAFF = dict(anonymous=401, customer=403, other_customer=403, other_tenant_customer=401, agent=200, admin=200,
             other_tenant_admin=401)
ADMIN = {**STAFF, "agent": 403}


def table(statuses: dict, ok: int = 200) -> list:
    return [pytest.param(a, ok if statuses[a] == 200 else statuses[a], id=a) for a in ACTORS]


def snapshot():
    return (
        sorted(LabelSheetJob.objects.values_list("id", "status", "done")),
        ScanEvent.objects.count(),
        KnownSerial.objects.count(),
    )


@pytest.fixture
def job(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = label_job_create(tenant=tenant, user=None, data={"serials": ["SN-CA-00000001"]})
    return LabelSheetJob.objects.get(id=created.id)


@pytest.mark.parametrize(("actor", "status"), table(STAFF))
def test_product_qr(actors, tenant, actor, status):
    product = Product.objects.get(tenant=tenant)
    before = snapshot()
    response = actors[actor][1].get(f"/api/northpeak/admin/products/{product.id}/qr?format=png")
    assert response.status_code == status
    if status != 200:
        assert "error" in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "status"), table(STAFF))
def test_serial_qr(actors, tenant, actor, status):
    before = snapshot()
    response = actors[actor][1].get("/api/northpeak/admin/serials/SN-CA-20250115/qr")
    assert response.status_code == status
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "status"), table(ADMIN, ok=202))
def test_label_sheet_create(actors, tenant, actor, status):
    before = snapshot()
    response = actors[actor][1].post("/api/northpeak/admin/qr-labels", {"serials": ["A-1"]}, format="json")
    assert response.status_code == status
    if status != 202:
        assert snapshot() == before
    else:
        assert LabelSheetJob.objects.filter(tenant=tenant).count() == 1


@pytest.mark.parametrize(("actor", "status"), table(ADMIN))
def test_label_sheet_get(actors, job, actor, status):
    before = snapshot()
    assert actors[actor][1].get(f"/api/northpeak/admin/qr-labels/{job.id}").status_code == status
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "status"), table(ADMIN))
def test_label_sheet_pdf(actors, job, actor, status):
    before = snapshot()
    response = actors[actor][1].get(f"/api/northpeak/admin/qr-labels/{job.id}/pdf")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "status"), table(STAFF))
def test_registration_funnel(actors, actor, status):
    before = snapshot()
    assert actors[actor][1].get("/api/northpeak/admin/analytics/registration-funnel").status_code == status
    assert snapshot() == before


def test_another_brands_objects_are_404(tenant, other_tenant, make_staff, django_capture_on_commit_callbacks):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    theirs = Product.objects.get(tenant=other_tenant)
    with django_capture_on_commit_callbacks(execute=True):
        their_job = label_job_create(tenant=other_tenant, user=None, data={"serials": ["SN-CA-00000009"]})
    KnownSerial.objects.create(tenant=other_tenant, serial_number="THEIRS-1", product=theirs)
    assert admin.get(f"/api/northpeak/admin/products/{theirs.id}/qr").status_code == 404
    assert admin.get("/api/northpeak/admin/serials/THEIRS-1/qr").status_code == 404
    assert admin.get(f"/api/northpeak/admin/qr-labels/{their_job.id}").status_code == 404
    assert admin.get(f"/api/northpeak/admin/qr-labels/{their_job.id}/pdf").status_code == 404
    assert admin.post("/api/northpeak/admin/qr-labels", {"sku": theirs.sku + "-x", "known_serials": True},
                      format="json").status_code == 400
    # Their admin, on their own path, sees their job and not ours.
    their_admin = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    assert their_admin.get(f"/api/southwind/admin/qr-labels/{their_job.id}").status_code == 200


def test_an_unknown_serial_has_no_code(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    response = admin.get("/api/northpeak/admin/serials/NEVER-MADE/qr?format=png")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_funnel_queries_do_not_grow_with_products(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    category = Category.objects.get(tenant=tenant)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin.get("/api/northpeak/admin/analytics/registration-funnel?by=sku").status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            product = Product.objects.create(tenant=tenant, sku=f"X-{Product.objects.count()}-{i}", name="X",
                                             category=category)
            ScanEvent.objects.create(tenant=tenant, product=product, kind="serial", serial_number=f"X{product.sku}")

    add(2)
    small = count()
    add(20)
    assert count() == small
