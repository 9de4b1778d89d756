"""The known-serials screens in the admin: lookup, CSV upload through the import service, progress, history."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import client_for
from tests.support.admin_matrix import OPEN_TO_STAFF, check_matrix, db_state
from tests.support.claims_helpers import make_warranty
from warranty_api.models import KnownSerial, Product, Role, SerialImportJob

CSV = (
    "serial_number,sku,manufactured_on\n"
    "SN-KS-00000001,TP9-ELITE-SC,2025-02-01\n"
    "SN-KS-00000002,NO-SUCH-SKU,2025-02-01\n"
    "SN-KS-00000003,TP9-ELITE-SC,01/02/2025\n"
    "SN-KS-00000004,TP9-ELITE-SC,\n"
)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(name="serials.csv"):
    return SimpleUploadedFile(name, CSV.encode(), content_type="text/csv")


def state():
    return db_state(SerialImportJob, KnownSerial)


def test_a_serial_looked_up_says_known_and_registered_by_whom(tenant, other_tenant, agent, make_customer):
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    KnownSerial.objects.create(tenant=tenant, serial_number="SN-KS-12340001", product=product,
                               manufactured_on="2025-01-15")
    owner = make_customer(tenant, "ann@example.com")
    warranty = make_warranty(tenant, owner, serial="SN-KS-12340001")
    body = _signed_in(agent).get("/admin/serials/?serial=%20sn-ks-12340001%20").content.decode()
    assert 'data-known="yes"' in body and "15 Jan 2025" in body and "TP9-ELITE-SC" in body
    assert f'href="/admin/warranties/{warranty.id}/"' in body and "ann@example.com" in body


def test_a_serial_of_another_brand_is_unknown_here(tenant, other_tenant, agent, make_customer):
    product = Product.objects.get(tenant=other_tenant, sku="TP9-ELITE-SC")
    KnownSerial.objects.create(tenant=other_tenant, serial_number="SN-KS-99990001", product=product)
    make_warranty(other_tenant, make_customer(other_tenant, "x@example.com"), serial="SN-KS-99990001")
    body = _signed_in(agent).get("/admin/serials/?serial=SN-KS-99990001").content.decode()
    assert 'data-known="no"' in body and 'data-registered="0"' in body and "x@example.com" not in body


def test_an_upload_imports_and_the_job_shows_bad_lines_and_history(tenant, agent, django_capture_on_commit_callbacks):
    client = _signed_in(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/serials/", {"file": _csv()})
    job = SerialImportJob.objects.get(tenant=tenant)
    assert response.status_code == 302 and response["Location"] == f"/admin/serials/imports/{job.id}/"
    assert job.created_by == agent and job.status == "done"
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in page and 'http-equiv="refresh"' not in page
    assert 'data-bad-line="3"' in page and 'data-bad-line="4"' in page and "NO-SUCH-SKU" in page
    history = client.get("/admin/serials/").content.decode()
    assert f'href="/admin/serials/imports/{job.id}/"' in history and "serials.csv" in history
    assert set(KnownSerial.objects.filter(tenant=tenant, serial_number__startswith="SN-KS-")
               .values_list("serial_number", flat=True)) == {"SN-KS-00000001", "SN-KS-00000004"}


def test_a_job_still_running_refreshes_itself(tenant, agent):
    client = _signed_in(agent)
    client.post("/admin/serials/", {"file": _csv()})  # its task waits for the commit the test never makes
    job = SerialImportJob.objects.get(tenant=tenant)
    assert job.status == "queued"
    page = client.get(f"/admin/serials/imports/{job.id}/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "data-refreshing" in page


def test_the_screen_and_the_api_create_the_same_job(tenant, agent, make_staff, django_capture_on_commit_callbacks):
    admin = make_staff(tenant, Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        _signed_in(agent).post("/admin/serials/", {"file": _csv("screen.csv")})
    with django_capture_on_commit_callbacks(execute=True):
        api = client_for(admin, tenant).post("/api/northpeak/admin/serials/import", {"file": _csv("api.csv")},
                                             format="multipart")
    assert api.status_code == 201
    screen_job, api_job = (SerialImportJob.objects.get(tenant=tenant, original_name=name)
                           for name in ("screen.csv", "api.csv"))
    fields = ("status", "size", "rows_total", "rows_created", "rows_updated", "rows_unchanged", "rows_failed",
              "errors", "failure")
    assert {f: getattr(screen_job, f) for f in fields} == {
        **{f: getattr(api_job, f) for f in fields}, "rows_created": 2, "rows_unchanged": 0}
    assert (api_job.rows_created, api_job.rows_unchanged) == (0, 2)  # the second file found them known
    assert screen_job.file.read() == api_job.file.read() == CSV.encode()


def test_an_upload_without_a_file_says_so(tenant, agent):
    before = state()
    response = _signed_in(agent).post("/admin/serials/", {})
    assert response.status_code == 400 and "data-error" in response.content.decode()
    assert state() == before


def test_another_brands_job_is_not_there(tenant, other_tenant, agent, make_staff):
    other = make_staff(other_tenant, Role.ADMIN)
    _signed_in(other).post("/admin/serials/", {"file": _csv()})
    job = SerialImportJob.objects.get(tenant=other_tenant)
    assert _signed_in(agent).get(f"/admin/serials/imports/{job.id}/").status_code == 404


def test_the_serial_screens_authorization(admin_callers, tenant):
    check_matrix(admin_callers, OPEN_TO_STAFF, act=lambda client, ctx: client.get("/admin/serials/?serial=SN-1"),
                 state=lambda ctx: state())
    job = SerialImportJob.objects.create(tenant=tenant, original_name="x.csv")
    check_matrix(admin_callers, {**OPEN_TO_STAFF, "other_admin": "not_found"},
                 act=lambda client, ctx: client.get(f"/admin/serials/imports/{job.id}/"),
                 state=lambda ctx: state())


def test_the_upload_authorization(admin_callers, tenant):
    check_matrix(
        admin_callers,
        {"anonymous": "login", "customer": "login", "agent": "done", "admin": "done", "other_admin": "done",
         "superuser": "done"},
        act=lambda client, ctx: client.post("/admin/serials/", {"file": _csv()}),
        state=lambda ctx: state(),
        writes_on={"done"},
    )
    # The other brand's admin uploaded into their own brand, never into this one.
    assert SerialImportJob.objects.filter(tenant=tenant).count() == 3
