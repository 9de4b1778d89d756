"""CSV exports: the admin warranty and claim lists and the analytics tables as CSV (same filters, header row,
streamed, tenant-scoped), export jobs with a download, and who may use them."""

from __future__ import annotations

import csv
import datetime
import io
import os
import tracemalloc

import pytest
from django.utils import timezone

from tests.conftest import client_for
from tests.support.claims_helpers import make_claim, make_warranty
from warranty_api.analytics.models import ExportJob
from warranty_api.models import Customer, Product, Role, Warranty


def _csv(response) -> list[dict]:
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response["Content-Type"].startswith("text/csv") and response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def _all_ids(client, path, **params) -> list[str]:
    ids, cursor = [], None
    while True:
        body = client.get(path, {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        ids += [row["id"] for row in body["data"]]
        if not body["meta"]["has_more"]:
            return ids
        cursor = body["meta"]["next_cursor"]


def test_warranties_as_csv_follow_the_list_s_filters_and_order(tenant, other_tenant, agent_client, owner, make_customer):
    old = [make_warranty(tenant, owner) for _ in range(3)]
    Warranty.objects.filter(pk__in=[w.pk for w in old]).update(purchase_date=datetime.date(2024, 1, 5))
    recent = [make_warranty(tenant, owner) for _ in range(4)]
    make_warranty(other_tenant, make_customer(other_tenant, "x@example.com"))
    path = "/api/northpeak/admin/warranties"
    rows = _csv(agent_client.get(path, {"format": "csv", "sort": "-created_at"}))
    assert [r["id"] for r in rows] == _all_ids(agent_client, path, sort="-created_at")
    assert len(rows) == 7 and {r["customer_email"] for r in rows} == {"owner@example.com"}
    filtered = _csv(agent_client.get(path, {"purchased_to": "2024-12-31"}, HTTP_ACCEPT="text/csv"))
    assert sorted(r["id"] for r in filtered) == sorted(w.id for w in old)
    assert filtered[0]["sku"] == "TP9-ELITE-SC" and filtered[0]["purchase_date"] == "2024-01-05"
    assert set(rows[0]) >= {"id", "serial_number", "status", "warranty_end", "customer_email"}
    assert len(recent) == 4


def test_claims_as_csv_carry_service_levels_and_risk(tenant, agent_client, owner):
    from warranty_api.claims.services import claim_submit

    submitted = claim_submit(tenant=tenant, user=owner, warranty_id=make_warranty(tenant, owner).id,
                             issue_type="malfunction", description="x")
    make_claim(tenant, owner, status="denied")
    rows = _csv(agent_client.get("/api/northpeak/admin/claims", {"format": "csv", "status": "submitted"}))
    assert [r["id"] for r in rows] == [submitted.id]
    assert rows[0]["sla_state"] == "on_track" and rows[0]["risk_level"] in ("low", "medium", "high")
    assert "early_claim" in rows[0]["risk_reasons"].split(",")
    everything = _csv(agent_client.get("/api/northpeak/admin/claims", {"format": "csv"}))
    assert len(everything) == 2


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(tenant, agent_client, owner):
    warranty = make_warranty(tenant, owner)
    Warranty.objects.filter(pk=warranty.pk).update(retailer='=HYPERLINK("https://evil.example","x")')
    (row,) = _csv(agent_client.get("/api/northpeak/admin/warranties", {"format": "csv"}))
    assert row["retailer"].startswith("'=")


def test_an_export_streams_without_holding_the_rows(tenant, agent_client):
    customer = Customer.objects.create(tenant=tenant, email="bulk@example.com")
    product = Product.objects.get(tenant=tenant, sku="TP9-ELITE-SC")
    today = timezone.localdate()

    def add(count: int, start: int) -> None:
        Warranty.objects.bulk_create([
            Warranty(tenant=tenant, serial_number=f"SN-CA-{start + i:08d}", product=product, customer=customer,
                     purchase_date=today, warranty_start=today, warranty_end=today, coverage="full_replacement")
            for i in range(count)
        ])

    def peak() -> tuple[int, int]:
        response = agent_client.get("/api/northpeak/admin/warranties", {"format": "csv"})
        tracemalloc.start()
        lines = sum(1 for _ in response.streaming_content)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return lines, top

    add(2_500, 0)
    small_lines, small = peak()
    add(12_500, 10_000)
    big_lines, big = peak()
    assert (small_lines, big_lines) == (2_501, 15_001)
    # Six times the rows, nowhere near six times the memory: only one chunk of rows is held at a time.
    assert big < small * 2


def test_a_big_export_runs_as_a_job_with_a_download(tenant, agent_client, owner, django_capture_on_commit_callbacks):
    for _ in range(3):
        make_warranty(tenant, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post("/api/northpeak/admin/exports",
                              {"table": "warranties", "params": {"sort": "-created_at"}}, format="json")
    assert response.status_code == 202, response.content
    job = response.json()["data"]
    assert job["status"] == "queued" and job["download_url"] is None
    done = agent_client.get(f"/api/northpeak/admin/exports/{job['id']}").json()["data"]
    assert done["status"] == "done" and done["rows"] == 3
    assert done["download_url"] == f"/api/northpeak/admin/exports/{job['id']}/download"
    download = agent_client.get(done["download_url"])
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    stored = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    streamed = _csv(agent_client.get("/api/northpeak/admin/warranties", {"format": "csv", "sort": "-created_at"}))
    assert stored == streamed


@pytest.mark.parametrize("table", ["claims", "failure_rates", "claim_cycle_times"])
def test_every_table_can_be_a_job(tenant, agent_client, owner, table, django_capture_on_commit_callbacks):
    make_claim(tenant, owner)
    with django_capture_on_commit_callbacks(execute=True):
        job = agent_client.post("/api/northpeak/admin/exports", {"table": table}, format="json").json()["data"]
    assert ExportJob.objects.get(id=job["id"]).status == "done"
    assert agent_client.get(f"/api/northpeak/admin/exports/{job['id']}/download").status_code == 200


@pytest.mark.parametrize("body, field", [
    ({"table": "customers"}, "table"),
    ({"table": "claims", "params": {"status": "lost"}}, "status"),
    ({"table": "warranties", "params": {"purchased_from": "2025-02-30"}}, "purchased_from"),
    ({"table": "warranties", "extra": True}, "extra"),
])
def test_a_job_with_bad_filters_is_refused_at_once(agent_client, body, field):
    response = agent_client.post("/api/northpeak/admin/exports", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert ExportJob.objects.count() == 0


def test_an_unfinished_or_foreign_job_has_no_download(tenant, other_tenant, agent_client, make_staff):
    """An unfinished job exists, so its download is a conflict with its state (409), never the 404 of a job that
    does not; another brand's job is 404."""
    job = ExportJob.objects.create(tenant=tenant, table="warranties")
    response = agent_client.get(f"/api/northpeak/admin/exports/{job.id}/download")
    assert response.status_code == 409 and response.json()["error"]["code"] == "export_not_finished"
    foreign = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    assert foreign.get(f"/api/southwind/admin/exports/{job.id}").status_code == 404
    assert foreign.get(f"/api/southwind/admin/exports/{job.id}/download").status_code == 404


# --- authorization ---------------------------------------------------------------------------------------------

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
_OTHER = {"anonymous": 401, "other_tenant_customer": 401, "other_tenant_admin": 401}
STAFF = {**_OTHER, "customer": 403, "other_customer": 403, "agent": 200, "admin": 200}
STAFF_CREATE = {**STAFF, "agent": 202, "admin": 202}


def _snapshot():
    return list(ExportJob.objects.values_list("id", "status"))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("path", [
    "/api/northpeak/admin/analytics/failure-rates", "/api/northpeak/admin/analytics/failure-rates?format=csv",
    "/api/northpeak/admin/analytics/claims", "/api/northpeak/admin/analytics/claims?format=csv",
    "/api/northpeak/admin/warranties?format=csv", "/api/northpeak/admin/claims?format=csv",
])
def test_who_may_read_analytics_and_csv(actor, actors, path):
    before = _snapshot()
    response = actors[actor][1].get(path)
    assert response.status_code == STAFF[actor]
    if response.status_code != 200:
        # A refused CSV request is still answered with the JSON error envelope.
        assert response["Content-Type"].startswith("application/json") and "error" in response.json()
    assert _snapshot() == before


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_start_an_export(actor, actors):
    response = actors[actor][1].post("/api/northpeak/admin/exports", {"table": "warranties"}, format="json")
    assert response.status_code == STAFF_CREATE[actor]
    assert ExportJob.objects.count() == (1 if response.status_code == 202 else 0)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("suffix", ["", "/download"])
def test_who_may_read_an_export(actor, actors, tenant, suffix):
    from warranty_api.analytics.services import export_job_run

    job = ExportJob.objects.create(tenant=tenant, table="warranties")
    export_job_run(job.id)
    before = _snapshot()
    response = actors[actor][1].get(f"/api/northpeak/admin/exports/{job.id}{suffix}")
    assert response.status_code == STAFF[actor]
    assert _snapshot() == before


# --- lost and dead jobs, and forgetting old ones -----------------------------------------------------------


def test_the_sweep_runs_again_an_export_whose_task_was_lost_or_whose_worker_died(
    tenant, agent_client, owner, django_capture_on_commit_callbacks
):
    from warranty_api import tasks

    make_warranty(tenant, owner)
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    lost = ExportJob.objects.create(tenant=tenant, table="warranties")
    ExportJob.objects.filter(id=lost.id).update(created_at=long_ago)
    dead = ExportJob.objects.create(tenant=tenant, table="warranties", status="running", started_at=long_ago)
    fresh = ExportJob.objects.create(tenant=tenant, table="warranties")  # its task may still be on its way
    working = ExportJob.objects.create(tenant=tenant, table="warranties", status="running", started_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.export_jobs_sweep() == 2
    statuses = dict(ExportJob.objects.values_list("id", "status"))
    assert statuses[lost.id] == "done" and statuses[dead.id] == "done"
    assert statuses[fresh.id] == "queued" and statuses[working.id] == "running"
    assert agent_client.get(f"/api/northpeak/admin/exports/{dead.id}/download").status_code == 200


def test_exports_are_forgotten_after_a_week_with_their_files(tenant, settings, tmp_path):
    from django.core.files.base import ContentFile

    from warranty_api import tasks

    settings.MEDIA_ROOT = tmp_path
    old = ExportJob.objects.create(tenant=tenant, table="warranties", status="done")
    old.file.save("old.csv", ContentFile(b"id\n"), save=True)
    path = old.file.path
    ExportJob.objects.filter(id=old.id).update(created_at=timezone.now() - datetime.timedelta(days=8))
    recent = ExportJob.objects.create(tenant=tenant, table="warranties", status="done")
    assert tasks.export_jobs_purge() == 1
    assert list(ExportJob.objects.values_list("id", flat=True)) == [recent.id]
    assert not os.path.exists(path)


@pytest.mark.parametrize(("table", "name"), [("warranties", "stauts"), ("claims", "limit"), ("failure_rates", "format")])
def test_an_export_takes_its_list_s_filters_only(tenant, agent_client, table, name):
    """A misspelt filter would export the whole table; pages and format do not apply to a file of every row."""
    response = agent_client.post("/api/northpeak/admin/exports", {"table": table, "params": {name: "x"}}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][f"params.{name}"][0]["code"] == "unknown_parameter"
    assert not ExportJob.objects.exists()
