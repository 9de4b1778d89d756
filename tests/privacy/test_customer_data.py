"""Customer data requests: the export of everything held about an email, and its erasure, table by table."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, models
from django.utils import timezone
from PIL import Image

from tests.conftest import PASSWORD, client_for
from tests.support.claims_helpers import make_warranty
from tests.support.webhook_receiver import INVENTORY_SECRET, Receiver
from warranty_api.models import (
    Claim,
    ClaimEvent,
    ClaimMessage,
    Customer,
    CustomerErasure,
    Fulfillment,
    IdempotencyRecord,
    Media,
    Notification,
    Role,
    User,
    Warranty,
    WarrantyEvent,
    WarrantyTransfer,
    WebhookDelivery,
)
from warranty_api.privacy import services as customer_data
from warranty_api.privacy.services import customer_erase
from warranty_api.webhooks.services import inventory_integration_save, webhook_endpoint_create

EXPORT = "/api/northpeak/admin/customers/export"
ERASE = "/api/northpeak/admin/customers/erase"
EMAIL = "jane.markerson@example.com"
# Every piece of personal data the world below stores somewhere; none may be left anywhere after the erasure.
MARKERS = {
    "email": EMAIL,
    "name": "Jane Q Markerson",
    "phone": "+1 555 0199 321",
    "street": "12 Markerlane Road",
    "order": "ORD-MARK-7731",
    "description": "Markerfault: the slide sticks",
    "message": "Markermessage from Jane",
    "staff_message": "Markerreply to Jane",
    "admin_note": "Markeradmin internal note",
    "warranty_note": "Markerwarranty note",
    "override_note": "Markeroverride note",
}


pytestmark = pytest.mark.usefixtures("media_root")


@pytest.fixture
def app_receiver():
    server = Receiver().start()
    yield server
    server.stop()


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "Jane Markerson receipt.png"
    return buffer


def _ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json()["data"]


@pytest.fixture
def world(tenant, other_tenant, make_customer, make_staff, receiver, app_receiver, django_capture_on_commit_callbacks,
          api):
    """Jane, through the real endpoints: an account, two registrations (one anonymous, with a receipt), a claim
    with a photo, messages both ways, an approval with fulfillments for the inventory system, a transfer she
    offered and one offered to her, a password reset, staff notes, webhooks queued about all of it; and the
    same email at another brand, which must not change."""
    _, app_receiver.secret = webhook_endpoint_create(tenant=tenant, url=app_receiver.url, events=["*"])
    inventory_integration_save(tenant=tenant, url=receiver.url, secret=INVENTORY_SECRET)
    admin = make_staff(tenant, Role.ADMIN)
    jane = make_customer(tenant, EMAIL)
    foreign_jane = make_customer(other_tenant, EMAIL)
    foreign_warranty = make_warranty(other_tenant, foreign_jane)
    giver = make_customer(tenant, "giver@example.com")
    gift = make_warranty(tenant, giver)
    address = {"street": MARKERS["street"], "city": "Springfield", "zip": "12345", "country": "US"}

    jane_client, admin_client = client_for(jane, tenant), client_for(admin, tenant)
    refresh = client_for(None).post("/api/northpeak/auth/login", {"email": EMAIL, "password": PASSWORD}, format="json")
    tokens = _ok(refresh)
    with django_capture_on_commit_callbacks(execute=True):
        _ok(jane_client.patch("/api/northpeak/auth/me", {"name": MARKERS["name"], "phone": MARKERS["phone"],
                                                          "address": address}, format="json"))
        receipt = _ok(api.post("/api/p/northpeak/upload", {"file": _png(), "purpose": "proof_of_purchase"},
                               format="multipart"), 201)
        registration = {
            "serial_number": "SN-CA-77770001", "purchase_date": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
            "customer": {"email": EMAIL.upper(), "name": MARKERS["name"], "phone": MARKERS["phone"], "address": address},
            "order_number": MARKERS["order"], "retailer": "Outdoor Depot", "proof_of_purchase": receipt["id"],
            "proof_of_purchase_token": receipt["upload_token"],
        }
        first = _ok(api.post("/api/p/northpeak/warranties", registration, format="json",
                             HTTP_IDEMPOTENCY_KEY="reg-1"), 201)
        second = _ok(jane_client.post("/api/p/northpeak/warranties",
                                      {**registration, "serial_number": "SN-CA-77770002", "proof_of_purchase": None,
                                       "proof_of_purchase_token": None},
                                      format="json", HTTP_IDEMPOTENCY_KEY="reg-2"), 201)
        photo = _ok(jane_client.post("/api/northpeak/upload", {"file": _png(), "purpose": "claim_photo"},
                                     format="multipart"), 201)
        claim = _ok(jane_client.post("/api/northpeak/claims", {
            "warranty_id": first["id"], "issue_type": "malfunction", "description": MARKERS["description"],
            "photos": [photo["id"]], "preferred_resolution": "repair"}, format="json", HTTP_IDEMPOTENCY_KEY="clm-1"), 201)
        _ok(jane_client.post(f"/api/northpeak/claims/{claim['id']}/messages", {"body": MARKERS["message"]},
                             format="json", HTTP_IDEMPOTENCY_KEY="msg-1"), 201)
        _ok(admin_client.patch(f"/api/northpeak/admin/claims/{claim['id']}", {
            "admin_notes": MARKERS["admin_note"], "message_to_customer": MARKERS["staff_message"],
            "notify_customer": True}, format="json"))
        _ok(admin_client.patch(f"/api/northpeak/admin/claims/{claim['id']}", {
            "status": "approved", "resolution": "repair", "notify_customer": True}, format="json"))
        _ok(admin_client.patch(f"/api/northpeak/admin/warranties/{second['id']}", {"notes": MARKERS["warranty_note"]},
                               format="json"))
        _ok(jane_client.post(f"/api/northpeak/warranties/{second['id']}/transfer", {"email": "friend@example.com"},
                             format="json"), 201)
        _ok(client_for(giver, tenant).post(f"/api/northpeak/warranties/{gift.id}/transfer", {"email": EMAIL},
                                           format="json"), 201)
        client_for(None).post("/api/northpeak/auth/forgot-password", {"email": EMAIL}, format="json")
    Warranty.objects.filter(id=first["id"]).update(verification_detail={
        "order_name": MARKERS["order"], "override": {"note": MARKERS["override_note"], "decision": "verified"}})
    files = [name for pair in Media.objects.filter(tenant=tenant).values_list("file", "thumbnail") for name in pair if name]
    assert files and all(default_storage.exists(name) for name in files)
    return {
        "admin": admin, "admin_client": admin_client, "jane": jane, "jane_client": jane_client, "tokens": tokens,
        "warranties": [first["id"], second["id"]], "claim": claim["id"], "files": files, "gift": gift,
        "foreign_jane": foreign_jane, "foreign_warranty": foreign_warranty, "receipt": receipt["id"],
    }


def _text(row: models.Model) -> str:
    values = []
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        values.append(json.dumps(value, default=str) if not isinstance(value, str) else value)
    return " ".join(values).lower()


def _personal_data_left(*, except_tenant_id: int) -> list[str]:
    """Every row of every table (ours, simplejwt's, django-q's, Wagtail's, sessions) that still holds a marker."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for row in model._default_manager.all():
            if getattr(row, "tenant_id", None) == except_tenant_id:
                continue
            text = _text(row)
            for key, marker in MARKERS.items():
                if marker.lower() in text:
                    found.append(f"{model._meta.label} {row.pk}: {key}")
    return found


# --- the erasure, table by table -----------------------------------------------------------------------------


def test_erasure_leaves_no_personal_data_in_any_table_and_keeps_the_brands_record(
    world, tenant, other_tenant, django_capture_on_commit_callbacks
):
    claim_before = Claim.objects.get(id=world["claim"])
    warranties_before = list(Warranty.objects.filter(id__in=world["warranties"]).order_by("id").values(
        "id", "serial_number", "product_id", "purchase_date", "warranty_start", "warranty_end", "status", "coverage"))
    fulfillments_before = list(Fulfillment.objects.filter(claim=claim_before).values_list("id", "kind", "status",
                                                                                         "rma_number"))
    events_before = ClaimEvent.objects.filter(claim=claim_before).count()
    foreign_before = (_text(world["foreign_jane"]), _text(world["foreign_warranty"]),
                      _text(Customer.objects.get(tenant=other_tenant, email=EMAIL)))
    # Everything the world stored holds the markers somewhere before (the scan can see them).
    left_before = _personal_data_left(except_tenant_id=other_tenant.id)
    for table in ("warranty_api.User", "warranty_api.Customer", "warranty_api.Warranty", "warranty_api.WarrantyEvent",
                  "warranty_api.WarrantyTransfer", "warranty_api.Claim", "warranty_api.ClaimEvent",
                  "warranty_api.ClaimMessage", "warranty_api.Notification",
                  "warranty_api.WebhookDelivery", "warranty_api.IdempotencyRecord", "django_q.Task"):
        assert any(line.startswith(table + " ") for line in left_before), table

    with django_capture_on_commit_callbacks(execute=True):
        data = _ok(world["admin_client"].post(ERASE, {"email": EMAIL.title()}, format="json"))

    assert _personal_data_left(except_tenant_id=other_tenant.id) == []
    assert all(not default_storage.exists(name) for name in world["files"])
    assert not Media.objects.filter(tenant=tenant).exists()
    assert not Notification.objects.filter(tenant=tenant, to_email__iexact=EMAIL).exists()

    # What the brand keeps: the warranties, the serials, the dates, the claim's outcome, the fulfillments.
    assert list(Warranty.objects.filter(id__in=world["warranties"]).order_by("id").values(
        "id", "serial_number", "product_id", "purchase_date", "warranty_start", "warranty_end", "status",
        "coverage")) == warranties_before
    claim = Claim.objects.get(id=world["claim"])
    assert (claim.status, claim.resolution, claim.issue_type) == ("approved", "repair", "malfunction")
    assert claim.description == "[erased]" and claim.admin_notes == "[erased]"
    assert list(Fulfillment.objects.filter(claim=claim).values_list("id", "kind", "status", "rma_number")) == \
        fulfillments_before
    assert ClaimEvent.objects.filter(claim=claim).count() == events_before
    assert set(ClaimMessage.objects.filter(claim=claim).values_list("body", flat=True)) == {"[erased]"}
    # The person is a tombstone: the same rows, nobody in them.
    customer = Customer.objects.get(id=data["customers"][0])
    assert customer.email == f"erased+{customer.id}@erased.invalid" and customer.name == "Erased customer"
    assert (customer.phone, customer.address) == ("", {})
    assert set(Warranty.objects.filter(id__in=world["warranties"]).values_list("customer_id", flat=True)) == {customer.id}
    jane = User.objects.get(pk=world["jane"].pk)
    assert data["account"] == jane.public_id
    assert not jane.is_active and not jane.has_usable_password() and jane.email.endswith("@erased.invalid")
    # The transfer she offered is the brand's record; the one offered to her can no longer be taken.
    offered = WarrantyTransfer.objects.get(warranty=world["gift"])
    assert (offered.status, offered.to_email) == ("cancelled", "erased@erased.invalid")
    # Webhook bodies are still JSON, their contact cards tombstones.
    for delivery in WebhookDelivery.objects.filter(tenant=tenant):
        body = json.loads(delivery.body)
        card = body["data"].get("customer") or body["data"].get("warranty", {}).get("customer")
        if card:
            assert card["email"] == "erased@erased.invalid"
    # Audited: who and when, and the warranties' own trail says so.
    erasure = CustomerErasure.objects.get(id=data["id"])
    assert erasure.erased_by == world["admin"] and erasure.via == "api"
    assert data["erased_by"] == world["admin"].public_id and data["counts"]["media"] == 2
    assert WarrantyEvent.objects.filter(warranty_id__in=world["warranties"], action="customer_erased",
                                        actor=world["admin"]).count() == 2
    # The same email at another brand is another brand's customer: untouched.
    assert (_text(User.objects.get(pk=world["foreign_jane"].pk)), _text(Warranty.objects.get(pk=world["foreign_warranty"].pk)),
            _text(Customer.objects.get(tenant=other_tenant, email=EMAIL))) == foreign_before


def test_erased_account_is_signed_out_everywhere(world, api):
    access, refresh = world["tokens"]["access"], world["tokens"]["refresh"]
    assert api.get("/api/northpeak/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200
    _ok(world["admin_client"].post(ERASE, {"email": EMAIL}, format="json"))
    assert api.get("/api/northpeak/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
    assert world["jane_client"].get("/api/northpeak/warranties").status_code == 401
    assert api.post("/api/northpeak/auth/refresh", {"refresh": refresh}, format="json").status_code == 401
    login = api.post("/api/northpeak/auth/login", {"email": EMAIL, "password": PASSWORD}, format="json")
    assert login.status_code == 401


def test_no_email_is_queued_to_an_erased_customer(world, tenant, django_capture_on_commit_callbacks):
    _ok(world["admin_client"].post(ERASE, {"email": EMAIL}, format="json"))
    count = Notification.objects.filter(tenant=tenant).count()
    with django_capture_on_commit_callbacks(execute=True):
        _ok(world["admin_client"].patch(f"/api/northpeak/admin/claims/{world['claim']}", {
            "message_to_customer": "Your repair is on its way", "notify_customer": True}, format="json"))
    assert Notification.objects.filter(tenant=tenant).count() == count
    assert not Notification.objects.filter(to_email__endswith="@erased.invalid").exists()


def test_a_second_erasure_answers_the_same(world, tenant):
    first = world["admin_client"].post(ERASE, {"email": EMAIL}, format="json")
    assert first.status_code == 200
    rows = CustomerErasure.objects.count()
    again = world["admin_client"].post(ERASE, {"email": EMAIL.upper()}, format="json")
    assert (again.status_code, again.json()) == (200, first.json())
    assert CustomerErasure.objects.count() == rows == 1
    # The audit row names nobody.
    assert EMAIL not in _text(CustomerErasure.objects.get())


def test_erasure_is_all_or_nothing(world, tenant, other_tenant):
    """A failure late in the erasure (the account's tombstone name is taken) leaves every row and file as it was."""
    jane = world["jane"]
    tombstone = f"erased+{jane.public_id}@erased.invalid"
    User.objects.create(username=User.customer_username(tenant.id, tombstone), email="x@example.com",
                        tenant=other_tenant)
    before = _personal_data_left(except_tenant_id=other_tenant.id)
    counts = {m: m.objects.count() for m in (Media, Notification, IdempotencyRecord, CustomerErasure, WarrantyEvent)}
    with pytest.raises(IntegrityError):
        customer_erase(tenant=tenant, email=EMAIL, actor=world["admin"], via="api")
    assert _personal_data_left(except_tenant_id=other_tenant.id) == before
    assert {m: m.objects.count() for m in counts} == counts
    assert all(default_storage.exists(name) for name in world["files"])


# --- the export ------------------------------------------------------------------------------------------------


def test_export_holds_everything_and_changes_nothing(world, tenant):
    before = _personal_data_left(except_tenant_id=0)
    records = IdempotencyRecord.objects.count()
    data = _ok(world["admin_client"].post(EXPORT, {"email": EMAIL.upper()}, format="json",
                                          HTTP_IDEMPOTENCY_KEY="export-1"))
    text = json.dumps(data).lower()
    for key, marker in MARKERS.items():
        assert marker.lower() in text, key
    assert data["account"]["public_id"] == world["jane"].public_id
    assert "password" not in data["account"] and "email_code_hash" not in data["account"]
    assert sorted(w["id"] for w in data["warranties"]) == sorted(world["warranties"])
    assert {m["id"] for m in data["media"]} == set(Media.objects.filter(tenant=tenant).values_list("id", flat=True))
    assert all(m["download"] == f"/api/northpeak/media/{m['id']}" for m in data["media"])
    assert data["claims"][0]["id"] == world["claim"] and data["claim_messages"]
    assert data["notifications"] and data["webhook_deliveries"] and data["sessions"]
    assert any(t["func"] == "warranty_api.tasks.password_reset_send" for t in data["background_tasks"])
    # The other brand's Jane is not in this brand's export.
    assert world["foreign_warranty"].id not in text
    # Nothing changed, and the answer (personal data) was not stored for a replay.
    assert _personal_data_left(except_tenant_id=0) == before
    assert IdempotencyRecord.objects.count() == records


def test_requests_about_nobody_are_404_and_bad_bodies_400(tenant, make_staff):
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)
    for path in (EXPORT, ERASE):
        response = admin.post(path, {"email": "nobody@example.com"}, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
        for body in ({}, {"email": "not an email"}, {"email": EMAIL, "extra": 1}, ["x"]):
            response = admin.post(path, body, format="json")
            assert (response.status_code, response.json()["error"]["code"]) == (400, "validation_error"), body
    assert not CustomerErasure.objects.exists()


# --- who may ask --------------------------------------------------------------------------------------------------

ACTORS = ["anonymous", "customer", "other_customer", "other_tenant_customer", "agent", "admin", "other_tenant_admin"]
# Tokens of another brand are refused at authentication, before anything is looked up.
EXPECTED = {"anonymous": 401, "customer": 403, "other_customer": 403, "other_tenant_customer": 401, "agent": 403,
            "admin": 200, "other_tenant_admin": 401}


def _everything():
    return [
        list(model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields
                                                        if f.name not in ("last_login",)]))
        for model in (User, Customer, Warranty, WarrantyEvent, Media, Notification, CustomerErasure, IdempotencyRecord)
    ]


@pytest.mark.parametrize("path", [EXPORT, ERASE], ids=["export", "erase"])
@pytest.mark.parametrize("actor", ACTORS)
def test_authorization(actor, path, actors, tenant):
    owner = actors["customer"][0]
    make_warranty(tenant, owner)
    before = _everything()
    response = actors[actor][1].post(path, {"email": owner.email}, format="json")
    assert response.status_code == EXPECTED[actor], response.content
    if response.status_code != 200:
        assert set(response.json()) == {"error"}
        assert _everything() == before
    elif path == EXPORT:
        assert response.json()["data"]["email"] == owner.email
        assert _everything() == before
    else:
        assert Customer.objects.get(tenant=tenant, warranties__owner=owner).email.endswith("@erased.invalid")


# --- the commands ---------------------------------------------------------------------------------------------------


def test_commands_export_then_erase_then_erase_again(world, tenant, tmp_path):
    out = io.StringIO()
    call_command("customer_export", "northpeak", EMAIL, stdout=out)
    assert json.loads(out.getvalue())["account"]["public_id"] == world["jane"].public_id
    call_command("customer_export", "northpeak", EMAIL, "--output", str(tmp_path / "jane.json"))
    assert MARKERS["message"] in (tmp_path / "jane.json").read_text()

    first, second = io.StringIO(), io.StringIO()
    call_command("customer_erase", "northpeak", EMAIL, "--no-input", stdout=first)
    record = json.loads(first.getvalue())
    assert record["via"] == "command" and record["erased_by"] is None and record["account"] == world["jane"].public_id
    assert _personal_data_left(except_tenant_id=world["foreign_jane"].tenant_id) == []
    call_command("customer_erase", "northpeak", EMAIL, "--no-input", stdout=second)
    assert json.loads(second.getvalue()) == record
    with pytest.raises(CommandError, match="Nothing is held"):
        call_command("customer_export", "northpeak", EMAIL)
    with pytest.raises(CommandError, match="no tenant"):
        call_command("customer_erase", "nosuchbrand", EMAIL, "--no-input")


# --- the field inventory ----------------------------------------------------------------------------------------------


def test_every_model_and_field_has_an_erasure_policy():
    """A field added to a model must say what the erasure does with it (FIELD_POLICY), or this fails."""
    policy, deleted, neutral = customer_data.FIELD_POLICY, customer_data.DELETED_MODELS, customer_data.NOT_PERSONAL_MODELS
    for model in apps.get_app_config("warranty_api").get_models():
        assert (model in policy) + (model in deleted) + (model in neutral) == 1, model
        if model in policy:
            fields = {f.name for f in model._meta.concrete_fields}
            assert set(policy[model]) == fields, (model, fields ^ set(policy[model]))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_erasures_at_once_erase_once_and_answer_the_same(tenant, make_customer, make_staff):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks (select_for_update is a no-op there)")
    jane = make_customer(tenant, EMAIL)
    make_warranty(tenant, jane)
    admins = [make_staff(tenant, Role.ADMIN), make_staff(tenant, Role.ADMIN)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def erase(index: int) -> None:
        try:
            client = client_for(admins[index], tenant)
            barrier.wait()
            results[index] = client.post(ERASE, {"email": EMAIL}, format="json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=erase, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200, 200], [r.content for r in results]
    assert results[0].json() == results[1].json()
    assert CustomerErasure.objects.count() == 1
    assert WarrantyEvent.objects.filter(action="customer_erased").count() == 1


def test_no_one_can_take_a_tombstones_address(tenant, api):
    """A registration or sign-up with an erased.invalid address would hand the tombstone new personal data."""
    address = {"street": "1 Main St", "city": "Springfield", "zip": "12345", "country": "US"}
    registration = {
        "serial_number": "SN-CA-77770009", "purchase_date": timezone.localdate().isoformat(),
        "customer": {"email": "erased+cus_abc@Erased.Invalid", "name": "Someone", "phone": "+1 555 0100",
                     "address": address},
    }
    response = api.post("/api/p/northpeak/warranties", registration, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["customer.email"][0]["code"] == "invalid"
    signup = api.post("/api/northpeak/auth/register", {"email": "erased+usr_abc@erased.invalid",
                                                        "password": PASSWORD, "name": "Someone"}, format="json")
    assert signup.status_code == 400, signup.content
    assert signup.json()["error"]["fields"]["email"][0]["code"] == "invalid"
    assert not Customer.objects.exists() and not User.objects.filter(email__endswith="erased.invalid").exists()
    assert not Warranty.objects.exists()
