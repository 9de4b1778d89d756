"""Bulk serial import: the service on both paths, the command, the admin endpoint and its background job."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from tests.conftest import client_for
from warranty_api.catalog.imports.services import serials_import
from warranty_api.models import KnownSerial, Role, SerialImportJob

CSV = (
    "serial_number,sku,manufactured_on\n"
    "SN-CA-00000001,TP9-ELITE-SC,2025-02-01\n"
    " sn-ca-00000002 ,TP9-ELITE-SC,\n"
    "SN-CA-00000003,NO-SUCH-SKU,2025-02-01\n"
    "BAD,TP9-ELITE-SC\n"
    "SN-CA-00000004,TP9-ELITE-SC,01/02/2025\n"
    "SN-CA-00000005\n"
    "\n"
    "SN-CA-20250115,TP9-ELITE-SC,2025-01-16\n"
)


PATHS = [pytest.param(False, id="batched"), pytest.param(True, id="copy")]


@pytest.mark.parametrize("use_copy", PATHS)
def test_import_keeps_good_rows_reports_bad_lines_and_is_idempotent(tenant, other_tenant, use_copy):
    if use_copy and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path streams with psycopg 3")
    result = serials_import(tenant=tenant, stream=io.BytesIO(CSV.encode()), use_copy=use_copy)
    assert (result.rows_total, result.rows_created, result.rows_updated, result.rows_failed) == (7, 2, 1, 4)
    assert [e["line"] for e in result.errors] == [4, 5, 6, 7]
    assert "NO-SUCH-SKU" in result.errors[0]["message"]
    serials = dict(KnownSerial.objects.filter(tenant=tenant).values_list("serial_number", "manufactured_on"))
    assert set(serials) == {"SN-CA-00000001", "SN-CA-00000002", "SN-CA-20250115"}
    assert serials["SN-CA-20250115"].isoformat() == "2025-01-16" and serials["SN-CA-00000002"] is None
    assert not KnownSerial.objects.filter(tenant=other_tenant, serial_number="SN-CA-00000001").exists()

    again = serials_import(tenant=tenant, stream=io.BytesIO(CSV.encode()), use_copy=use_copy)
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    assert KnownSerial.objects.filter(tenant=tenant).count() == 3


@pytest.mark.parametrize("use_copy", PATHS)
def test_import_without_header_and_repeated_serial_last_wins(tenant, use_copy):
    if use_copy and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path streams with psycopg 3")
    data = b"SN-CA-00000009,TP9-ELITE-SC,2025-01-01\nSN-CA-00000009,TP9-ELITE-SC,2025-03-03\n"
    result = serials_import(tenant=tenant, stream=io.BytesIO(data), use_copy=use_copy)
    assert result.rows_failed == 0 and result.rows_created == 1
    assert KnownSerial.objects.get(tenant=tenant, serial_number="SN-CA-00000009").manufactured_on.isoformat() == "2025-03-03"


def test_import_command(tenant, tmp_path):
    path = tmp_path / "serials.csv"
    path.write_text(CSV)
    out = io.StringIO()
    call_command("import_serials", "northpeak", str(path), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "7 rows" in text and "2 created, 1 updated" in text and "line 5:" in text
    assert KnownSerial.objects.filter(tenant=tenant).count() == 3
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("import_serials", "nobody", str(path), stdout=io.StringIO())


def test_import_endpoint_runs_the_job(tenant, make_staff, django_capture_on_commit_callbacks):
    admin = make_staff(tenant, Role.ADMIN)
    client = client_for(admin, tenant)
    upload = SimpleUploadedFile("serials.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/northpeak/admin/serials/import", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    job_id = response.json()["data"]["id"]
    assert job_id.startswith("imp_")
    job = client.get(f"/api/northpeak/admin/serials/import/{job_id}").json()["data"]
    assert job["status"] == "done" and job["percent"] == 100
    assert (job["rows_total"], job["rows_created"], job["rows_failed"]) == (7, 2, 4)
    assert [e["line"] for e in job["errors"]] == [4, 5, 6, 7]
    assert KnownSerial.objects.filter(tenant=tenant).count() == 3

    # Running the task again (django-q2 may) changes nothing.
    from warranty_api.tasks import serial_import_run

    assert serial_import_run(job_id) == "done"
    assert SerialImportJob.objects.get(id=job_id).rows_created == 2

    missing = client.post("/api/northpeak/admin/serials/import", {}, format="multipart")
    assert missing.status_code == 400


# The COPY path and the batched path must tell the same story about an awkward file.
TRICKY = (
    "\ufeffSerial_Number,sku,manufactured_on\r\n"
    "SN-CA-00000011,TP9-ELITE-SC,2025-02-28\r\n"
    "\"SN-CA-00000012\",\"TP9-ELITE-SC\",\"2025-03-01\"\r\n"
    "\"SN-CA-00000013, x\",TP9-ELITE-SC,\r\n"
    "SN-CA-00000014,TP9-ELITE-SC,2025-02-30\n"
    "SN-CA-00000015,TP9-ELITE-SC,0000-01-01\n"
    "SN-CA-00000016,TP9-ELITE-SC,2024-02-29,extra\n"
    "   \n"
    ",TP9-ELITE-SC\n"
    "\tsn-ca-00000017\t, TP9-ELITE-SC ,2025-13-01\n"
    "SN-CA-00000018,tp9-elite-sc\n"
    "SN-CA-00000011,TP9-ELITE-SC,2025-04-04\n"
    + "X" * 101 + ",TP9-ELITE-SC\n"
    + "SN-CA-00000019,TP9-ELITE-SC,2024-02-29"
)


def test_copy_path_reports_like_the_batched_path(tenant, make_tenant):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path streams with psycopg 3")
    outcomes = {}
    for use_copy in (False, True):
        KnownSerial.objects.filter(tenant=tenant).delete()
        result = serials_import(tenant=tenant, stream=io.BytesIO(TRICKY.encode()), use_copy=use_copy)
        rows = sorted(KnownSerial.objects.filter(tenant=tenant).values_list("serial_number", "manufactured_on"))
        outcomes[use_copy] = (
            result.rows_total, result.rows_created, result.rows_updated, result.rows_unchanged, result.rows_failed,
            result.errors, rows,
        )
    assert outcomes[True][5] == outcomes[False][5]
    assert outcomes[True] == outcomes[False]
    total, created, _updated, unchanged, failed, errors, rows = outcomes[True]
    assert (created, unchanged) == (3, 1)  # SN-CA-00000011 twice: created once, its first line unchanged
    assert [e["line"] for e in errors] == [4, 5, 6, 7, 9, 10, 11, 13]
    assert (total, failed) == (12, 8)
    assert [serial for serial, _ in rows] == ["SN-CA-00000011", "SN-CA-00000012", "SN-CA-00000019"]
    assert rows[0][1].isoformat() == "2025-04-04"  # the later line of a repeated serial wins


def test_import_job_reports_progress_while_the_rows_stream(tenant, make_staff, django_capture_on_commit_callbacks):
    # Long enough that the job writes its progress mid-file, while PostgreSQL's COPY holds the connection.
    from warranty_api.catalog.imports import services as serial_imports

    rows = serial_imports._PROGRESS_EVERY + 10
    lines = "".join(f"SN-CA-{i:08d},TP9-ELITE-SC,2025-01-01\n" for i in range(rows))
    admin = make_staff(tenant, Role.ADMIN)
    client = client_for(admin, tenant)
    upload = SimpleUploadedFile("big.csv", lines.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/northpeak/admin/serials/import", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    job = client.get(f"/api/northpeak/admin/serials/import/{response.json()['data']['id']}").json()["data"]
    assert job["status"] == "done", job
    assert (job["rows_total"], job["rows_created"], job["rows_failed"]) == (rows, rows, 0)


def test_a_known_serial_cannot_name_another_tenants_product(tenant, other_tenant):
    # PostgreSQL checks each written batch in one statement-level trigger instead of per-row foreign keys.
    if connection.vendor != "postgresql":
        pytest.skip("the reference check is a PostgreSQL trigger (migration 0011)")
    from django.db import IntegrityError, transaction

    own = tenant.products.get(sku="TP9-ELITE-SC")
    foreign = other_tenant.products.get(sku="TP9-ELITE-SC")
    with pytest.raises(IntegrityError), transaction.atomic():
        KnownSerial.objects.create(tenant=tenant, serial_number="SN-CA-77777777", product=foreign)
    with pytest.raises(IntegrityError), transaction.atomic():
        KnownSerial.objects.create(tenant=tenant, serial_number="SN-CA-77777777", product_id="prd_missing")
    stored = KnownSerial.objects.create(tenant=tenant, serial_number="SN-CA-77777777", product=own)
    with pytest.raises(IntegrityError), transaction.atomic():
        KnownSerial.objects.filter(pk=stored.pk).update(product=foreign)
    assert KnownSerial.objects.get(pk=stored.pk).product_id == own.id


def test_an_import_stopped_midway_leaves_nothing_behind(tenant):
    # Ctrl-C at the terminal arrives as an exception in the middle of the stream, after rows went out.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path is one transaction")
    from warranty_api.catalog.imports import services as serial_imports

    before = KnownSerial.objects.filter(tenant=tenant).count()
    data = "".join(f"SN-CA-{i:08d},TP9-ELITE-SC\n" for i in range(serial_imports._PROGRESS_EVERY + 10)).encode()

    class Interrupted(Exception):
        pass

    def stop(result):
        raise Interrupted

    with pytest.raises(Interrupted):
        serials_import(tenant=tenant, stream=io.BytesIO(data), use_copy=True, progress=stop)
    assert KnownSerial.objects.filter(tenant=tenant).count() == before
    again = serials_import(tenant=tenant, stream=io.BytesIO(data), use_copy=True)
    assert again.rows_created == serial_imports._PROGRESS_EVERY + 10


@pytest.mark.parametrize("use_copy", PATHS)
def test_a_stored_serial_named_twice_takes_the_later_line(tenant, use_copy):
    if use_copy and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path streams with psycopg 3")
    serials_import(tenant=tenant, stream=io.BytesIO(b"SN-CA-00000031,TP9-ELITE-SC,2025-01-01\n"), use_copy=use_copy)
    data = b"SN-CA-00000031,TP9-ELITE-SC,2025-02-02\nSN-CA-00000032,TP9-ELITE-SC\nSN-CA-00000031,TP9-ELITE-SC,2025-03-03\n"
    result = serials_import(tenant=tenant, stream=io.BytesIO(data), use_copy=use_copy)
    assert (result.rows_created, result.rows_updated, result.rows_unchanged, result.rows_failed) == (1, 1, 1, 0)
    stored = KnownSerial.objects.get(tenant=tenant, serial_number="SN-CA-00000031")
    assert stored.manufactured_on.isoformat() == "2025-03-03"


REPEATS = (
    "SN-CA-00000041,TP9-ELITE-SC,2025-01-01\n"
    "SN-CA-00000042,TP9-ELITE-SC\n"
    "SN-CA-00000041,TP9-ELITE-SC,2025-02-02\n"
    "SN-CA-00000043,TP9-ELITE-SC,2025-01-01\n"
    "SN-CA-00000041,TP9-ELITE-SC,2025-03-03\n"
    "SN-CA-00000042,TP9-ELITE-SC\n"
)


@pytest.mark.parametrize("first_load", [True, False], ids=["first-load", "tenant-has-serials"])
def test_first_load_and_later_loads_tell_the_same_story(tenant, first_load):
    # A brand's first load copies straight into the table; later files go through the stage. Same outcome.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path streams with psycopg 3")
    if first_load:
        KnownSerial.objects.filter(tenant=tenant).delete()
    else:
        assert KnownSerial.objects.filter(tenant=tenant).exists()
    result = serials_import(tenant=tenant, stream=io.BytesIO(REPEATS.encode()), use_copy=True)
    assert (result.rows_total, result.rows_created, result.rows_updated, result.rows_unchanged) == (6, 3, 0, 3)
    stored = dict(
        KnownSerial.objects.filter(tenant=tenant, serial_number__startswith="SN-CA-0000004").values_list(
            "serial_number", "manufactured_on"
        )
    )
    assert {k: v and v.isoformat() for k, v in stored.items()} == {
        "SN-CA-00000041": "2025-03-03", "SN-CA-00000042": None, "SN-CA-00000043": "2025-01-01",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_tenant_at_once_both_land(make_tenant):
    # Both may believe they are the brand's first load; imports of one tenant take turns, so neither fails.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real race to prove")
    import threading

    from django.db import connections

    tenant = make_tenant("northpeak")
    KnownSerial.objects.filter(tenant=tenant).delete()
    files = [
        "".join(f"SN-CA-{i:08d},TP9-ELITE-SC\n" for i in range(0, 3000)),
        "".join(f"SN-CA-{i:08d},TP9-ELITE-SC\n" for i in range(2000, 5000)),
    ]
    barrier = threading.Barrier(2)
    results, failures = [], []

    def run(data: str) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(serials_import(tenant=tenant, stream=io.BytesIO(data.encode()), use_copy=True))
        except Exception as exc:  # reported below: the assertion names it
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(data,)) for data in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert sum(r.rows_created for r in results) == 5000
    assert KnownSerial.objects.filter(tenant=tenant).count() == 5000


@pytest.mark.parametrize("use_copy", PATHS)
@pytest.mark.parametrize("serial", ["SN-\x00-1", "SN-\x01-1", "SN-\t-1", "SN-\n-1"], ids=["nul", "soh", "tab", "newline"])
def test_a_serial_with_a_control_character_is_a_bad_line(make_tenant, use_copy, serial):
    """A brand without serial formats takes any text; a control character is still refused (NUL cannot be stored)."""
    if use_copy and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the COPY path streams with psycopg 3")
    tenant = make_tenant("freeform", serial_formats=[])
    data = f'"{serial}",TP9-ELITE-SC\nSN-OK-1,TP9-ELITE-SC\n'.encode()
    result = serials_import(tenant=tenant, stream=io.BytesIO(data), use_copy=use_copy)
    assert (result.rows_created, result.rows_failed) == (1, 1)
    assert result.errors[0]["line"] == 1 + serial.count("\n")  # csv counts the lines a quoted field spans
    assert "control character" in result.errors[0]["message"]
    stored = set(KnownSerial.objects.filter(tenant=tenant).values_list("serial_number", flat=True))
    assert "SN-OK-1" in stored and all(value.isprintable() for value in stored)
