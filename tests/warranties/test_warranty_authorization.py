"""Authorization tables: every warranty endpoint against the seven callers, status and no change."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.conftest import client_for
from warranty_api.models import KnownSerial, SerialImportJob, Warranty, WarrantyEvent, WarrantyTransfer
from warranty_api.warranties.services import transfer_token, warranty_register

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]


def table(**statuses) -> list:
    assert set(statuses) == set(ACTORS)
    return [pytest.param(actor, statuses[actor], id=actor) for actor in ACTORS]


@pytest.fixture
def owned(tenant, actors):
    """A warranty of `customer` (owner@example.com), and the state that must not move."""
    customer = actors["customer"][0]
    data = {
        "serial_number": "SN-CA-20250115",
        "purchase_date": timezone.localdate() - datetime.timedelta(days=3),
        "customer": {"email": customer.email, "name": "Owner", "phone": "1", "address": {"city": "X"}},
    }
    return warranty_register(tenant=tenant, data=data, account=customer)


def snapshot():
    return (
        sorted(Warranty.objects.values_list("id", "status", "owner_id", "warranty_end", "notes")),
        WarrantyEvent.objects.count(),
        WarrantyTransfer.objects.count(),
        KnownSerial.objects.count(),
        SerialImportJob.objects.count(),
    )


def registration_body(email="buyer@example.com"):
    return {
        "serial_number": "SN-CA-20250115",
        "purchase_date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "customer": {"email": email, "name": "Buyer", "phone": "1", "address": {"city": "X"}},
    }


@pytest.mark.parametrize(
    ("actor", "status"),
    table(anonymous=201, customer=201, other_customer=201, other_tenant_customer=401, agent=201, admin=201,
          other_tenant_admin=401),
)
def test_public_registration(actors, actor, status):
    user, client = actors[actor]
    before = snapshot()
    response = client.post("/api/p/northpeak/warranties", registration_body(), format="json")
    assert response.status_code == status, response.content
    if status == 201:
        warranty = Warranty.objects.get()
        # Only a customer's own token makes them the owner; staff registering stay out of ownership.
        assert warranty.owner == (user if actor in ("customer", "other_customer") else None)
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "status"),
    table(anonymous=401, customer=200, other_customer=200, other_tenant_customer=401, agent=403, admin=403,
          other_tenant_admin=401),
)
def test_customer_list(actors, owned, actor, status):
    before = snapshot()
    response = actors[actor][1].get("/api/northpeak/warranties")
    assert response.status_code == status
    if status == 200:
        expected = [owned.id] if actor == "customer" else []
        assert [w["id"] for w in response.json()["data"]] == expected
    assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "status"),
    table(anonymous=401, customer=200, other_customer=404, other_tenant_customer=401, agent=403, admin=403,
          other_tenant_admin=401),
)
def test_customer_detail(actors, owned, actor, status):
    before = snapshot()
    response = actors[actor][1].get(f"/api/northpeak/warranties/{owned.id}")
    assert response.status_code == status
    assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "status"),
    table(anonymous=401, customer=201, other_customer=404, other_tenant_customer=401, agent=403, admin=403,
          other_tenant_admin=401),
)
def test_transfer_start(actors, owned, actor, status):
    before = snapshot()
    response = actors[actor][1].post(
        f"/api/northpeak/warranties/{owned.id}/transfer", {"email": "next@example.com"}, format="json"
    )
    assert response.status_code == status
    if status == 201:
        assert WarrantyTransfer.objects.get().to_email == "next@example.com"
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "status"),
    table(anonymous=401, customer=404, other_customer=201, other_tenant_customer=401, agent=403, admin=403,
          other_tenant_admin=401),
)
def test_transfer_accept(tenant, actors, owned, actor, status):
    invited = actors["other_customer"][0]
    transfer = WarrantyTransfer.objects.create(
        tenant=tenant, warranty=owned, from_user=actors["customer"][0], to_email=invited.email
    )
    before = snapshot()
    response = actors[actor][1].post(
        "/api/northpeak/warranties/transfers/accept", {"token": transfer_token(transfer)}, format="json"
    )
    assert response.status_code == status
    if status == 201:
        assert Warranty.objects.get(id=response.json()["data"]["id"]).owner == invited
    else:
        assert snapshot() == before


STAFF_READ = table(anonymous=401, customer=403, other_customer=403, other_tenant_customer=401, agent=200, admin=200,
                   other_tenant_admin=401)


@pytest.mark.parametrize(("actor", "status"), STAFF_READ)
def test_admin_list(actors, owned, actor, status):
    before = snapshot()
    response = actors[actor][1].get("/api/northpeak/admin/warranties")
    assert response.status_code == status
    if status == 200:
        assert [w["id"] for w in response.json()["data"]] == [owned.id]
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "status"), STAFF_READ)
def test_admin_detail(actors, owned, actor, status):
    before = snapshot()
    response = actors[actor][1].get(f"/api/northpeak/admin/warranties/{owned.id}")
    assert response.status_code == status
    assert snapshot() == before


@pytest.mark.parametrize(("actor", "status"), STAFF_READ)
def test_admin_patch(actors, owned, actor, status):
    before = snapshot()
    response = actors[actor][1].patch(
        f"/api/northpeak/admin/warranties/{owned.id}", {"notes": "checked"}, format="json"
    )
    assert response.status_code == status
    owned.refresh_from_db()
    if status == 200:
        assert owned.notes == "checked"
    else:
        assert owned.notes == "" and snapshot() == before


def test_other_tenants_staff_get_404_for_this_tenants_warranty_on_their_own_paths(make_staff, other_tenant, owned):
    from warranty_api.models import Role

    foreign_admin = make_staff(other_tenant, Role.ADMIN)
    client = client_for(foreign_admin, other_tenant)
    before = snapshot()
    assert client.get(f"/api/southwind/admin/warranties/{owned.id}").status_code == 404
    assert client.patch(f"/api/southwind/admin/warranties/{owned.id}", {"notes": "x"}, format="json").status_code == 404
    assert client.get("/api/southwind/admin/warranties").json()["data"] == []
    assert snapshot() == before


ADMIN_ONLY_WRITE = table(anonymous=401, customer=403, other_customer=403, other_tenant_customer=401, agent=403,
                         admin=201, other_tenant_admin=401)


@pytest.mark.parametrize(("actor", "status"), ADMIN_ONLY_WRITE)
def test_serial_import_start(actors, actor, status, django_capture_on_commit_callbacks):
    before = snapshot()
    upload = SimpleUploadedFile("s.csv", b"SN-CA-00000001,TP9-ELITE-SC\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = actors[actor][1].post("/api/northpeak/admin/serials/import", {"file": upload}, format="multipart")
    assert response.status_code == status
    if status == 201:
        assert KnownSerial.objects.filter(serial_number="SN-CA-00000001").exists()
    else:
        assert snapshot() == before


@pytest.mark.parametrize(
    ("actor", "status"),
    table(anonymous=401, customer=403, other_customer=403, other_tenant_customer=401, agent=403, admin=200,
          other_tenant_admin=401),
)
def test_serial_import_get(tenant, actors, actor, status):
    job = SerialImportJob.objects.create(tenant=tenant, file="imports/x.csv")
    before = snapshot()
    response = actors[actor][1].get(f"/api/northpeak/admin/serials/import/{job.id}")
    assert response.status_code == status
    assert snapshot() == before


def test_serial_import_job_of_another_tenant_is_404(tenant, other_tenant, make_staff):
    from warranty_api.models import Role

    job = SerialImportJob.objects.create(tenant=tenant, file="imports/x.csv")
    client = client_for(make_staff(other_tenant, Role.ADMIN), other_tenant)
    assert client.get(f"/api/southwind/admin/serials/import/{job.id}").status_code == 404
