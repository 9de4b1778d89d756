"""Label sheets: queued as a job, rendered on the worker into a printable PDF of real, decodable codes."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.conf import settings
from django.utils import timezone

from tests.labels.helpers import decode_image
from tests.support.s3 import s3_server
from warranty_api.labels import services, tasks
from warranty_api.labels.models import LabelSheetJob
from warranty_api.models import KnownSerial, Product

MM = 72 / 25.4


def _create(client, body, capture):
    with capture(execute=True):
        response = client.post("/api/northpeak/admin/qr-labels", body, format="json")
    return response


def _pdf(client, job_id) -> bytes:
    response = client.get(f"/api/northpeak/admin/qr-labels/{job_id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_a_sheet_of_1000_serials_is_a_pdf_of_1000_codes(tenant, admin_client, django_capture_on_commit_callbacks):
    serials = [f"SN-CA-{n:08d}" for n in range(1000)]
    response = _create(admin_client, {"serials": serials}, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    data = response.json()["data"]
    assert data["status"] == "queued" and data["total"] == 1000 and data["download_url"] is None

    status = admin_client.get(f"/api/northpeak/admin/qr-labels/{data['id']}").json()["data"]
    assert {k: status[k] for k in ("status", "done", "total")} == {"status": "done", "done": 1000, "total": 1000}
    assert status["download_url"] == f"/api/northpeak/admin/qr-labels/{data['id']}/pdf"

    reader = pypdf.PdfReader(io.BytesIO(_pdf(admin_client, data["id"])))
    # Avery L7159: A4, 24 labels a page.
    assert len(reader.pages) == 42
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width / MM), round(height / MM)) == (210, 297)
    decoded, captions = [], []
    for page in reader.pages:
        for image in page.images:
            decoded.append(decode_image(image.image))
        captions.extend(line.strip() for line in page.extract_text().splitlines() if line.strip())
    base = settings.AFTERSALE_PUBLIC_BASE_URL
    assert decoded == [f"{base}/northpeak/s/{s}" for s in serials]
    assert captions == serials  # the serial in text under each code


def test_a_sheet_of_a_skus_known_serials(tenant, admin_client, django_capture_on_commit_callbacks):
    product = Product.objects.get(tenant=tenant)
    KnownSerial.objects.bulk_create(
        KnownSerial(tenant=tenant, serial_number=f"SN-CA-{n:08d}", product=product) for n in range(30)
    )
    response = _create(admin_client, {"sku": product.sku, "known_serials": True, "layout": "L7651"},
                       django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job_id = response.json()["data"]["id"]
    assert admin_client.get(f"/api/northpeak/admin/qr-labels/{job_id}").json()["data"]["total"] == 31
    reader = pypdf.PdfReader(io.BytesIO(_pdf(admin_client, job_id)))
    assert len(reader.pages) == 1 and len(reader.pages[0].images) == 31


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "serials", "required"),
        ({"serials": []}, "serials", "invalid"),
        ({"serials": ["A", 5]}, "serials[1]", "invalid"),
        ({"serials": ["A\nB"]}, "serials[0]", "invalid"),
        ({"serials": ["A"] * 100_001}, "serials", "too_many"),
        ({"sku": "TP9-ELITE-SC"}, "known_serials", "required"),
        ({"sku": "NOPE", "known_serials": True}, "sku", "not_found"),
        ({"serials": ["A"], "sku": "TP9-ELITE-SC"}, "serials", "invalid"),
        ({"serials": ["A"], "layout": "L9999"}, "layout", "invalid_choice"),
        ({"serials": ["A"], "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_bad_requests_are_field_errors_and_write_nothing(tenant, admin_client, body, field, code):
    response = admin_client.post("/api/northpeak/admin/qr-labels", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][field][0]["code"] == code
    assert LabelSheetJob.objects.count() == 0


def test_another_brands_sku_is_not_found(tenant, other_tenant, admin_client):
    response = admin_client.post("/api/northpeak/admin/qr-labels", {"sku": "X", "known_serials": True}, format="json")
    assert response.status_code == 400


def test_a_lost_task_is_swept_and_rendered_once(tenant, admin_client):
    # No on-commit capture: the enqueue is lost, as with a broker that dropped the task.
    response = admin_client.post("/api/northpeak/admin/qr-labels", {"serials": ["SN-CA-00000001"]}, format="json")
    job_id = response.json()["data"]["id"]
    assert LabelSheetJob.objects.get(id=job_id).status == "queued"
    assert tasks.label_sheets_sweep() == 1  # runs inline in the test settings
    job = LabelSheetJob.objects.get(id=job_id)
    assert (job.status, job.done, job.attempts) == ("done", 1, 1)
    assert tasks.label_sheet_render(job_id) == "skipped"  # a second delivery does nothing
    assert tasks.label_sheets_sweep() == 0


def test_a_worker_that_died_mid_sheet_is_replaced_after_its_lease(tenant, admin_client):
    response = admin_client.post("/api/northpeak/admin/qr-labels", {"serials": ["SN-CA-00000001"]}, format="json")
    job_id = response.json()["data"]["id"]
    LabelSheetJob.objects.filter(id=job_id).update(status="running", attempts=1,
                                                  lease_until=timezone.now() + timezone.timedelta(minutes=5))
    assert tasks.label_sheets_sweep() == 0  # still leased
    LabelSheetJob.objects.filter(id=job_id).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    assert tasks.label_sheets_sweep() == 1
    assert LabelSheetJob.objects.get(id=job_id).status == "done"


def test_a_failing_render_is_retried_then_failed(tenant, admin_client, monkeypatch):
    response = admin_client.post("/api/northpeak/admin/qr-labels", {"serials": ["SN-CA-00000001"]}, format="json")
    job_id = response.json()["data"]["id"]
    job = LabelSheetJob.objects.get(id=job_id)
    job.serials_file.delete(save=False)  # the input is gone from the storage: every attempt fails
    for _ in range(job.max_attempts):
        LabelSheetJob.objects.filter(id=job_id).update(next_attempt_at=None)
        services.label_job_render(job_id)
    job.refresh_from_db()
    assert job.status == "failed" and job.last_error
    data = admin_client.get(f"/api/northpeak/admin/qr-labels/{job_id}").json()["data"]
    assert data["status"] == "failed" and data["download_url"] is None and data["error"]
    assert admin_client.get(f"/api/northpeak/admin/qr-labels/{job_id}/pdf").status_code == 404


def test_the_pdf_is_stored_on_object_storage(tenant, admin_client, settings, tmp_path,
                                             django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path / "media"
    with s3_server() as server:
        settings.STORAGES = server.storages_setting()
        response = _create(admin_client, {"serials": ["SN-CA-00000001", "SN-CA-00000002"]},
                           django_capture_on_commit_callbacks)
        job = LabelSheetJob.objects.get(id=response.json()["data"]["id"])
        assert job.status == "done"
        assert {job.pdf.name, job.serials_file.name} <= server.keys()
        stored = server.client().get_object(Bucket=server.bucket, Key=job.pdf.name)["Body"].read()
        assert stored == _pdf(admin_client, job.id)
        assert len(pypdf.PdfReader(io.BytesIO(stored)).pages[0].images) == 2
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.pdf"))


def test_old_sheets_are_purged_with_their_files(tenant, admin_client, django_capture_on_commit_callbacks):
    response = _create(admin_client, {"serials": ["SN-CA-00000001"]}, django_capture_on_commit_callbacks)
    job = LabelSheetJob.objects.get(id=response.json()["data"]["id"])
    storage = job.pdf.storage
    names = [job.pdf.name, job.serials_file.name]
    assert tasks.label_sheets_purge() == 0
    LabelSheetJob.objects.filter(id=job.id).update(created_at=timezone.now() - timezone.timedelta(days=31))
    assert tasks.label_sheets_purge() == 1
    assert not any(storage.exists(name) for name in names)
