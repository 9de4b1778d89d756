"""Warranty registration: the term, serial resolution, POST /api/p/<tenant>/warranties and its refusals."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from tests.conftest import client_for
from warranty_api.media.selectors import media_upload_token
from warranty_api.models import Customer, KnownSerial, Media, Product, Role, Warranty, WarrantyEvent
from warranty_api.warranties.services import (
    add_months,
    serial_resolve,
    warranties_claim_for_account,
    warranty_register,
    warranty_term,
)

D = datetime.date
URL = "/api/p/northpeak/warranties"

# The brief's request example, exactly as written.
BRIEF_EXAMPLE = {
    "serial_number": "SN-CA-20250115",
    "purchase_date": "2026-01-15",
    "retailer": "Outdoor Pro Shop",
    "customer": {
        "email": "customer@example.com",
        "name": "John Smith",
        "phone": "+1-555-0123",
        "address": {"street": "123 Main St", "city": "Miami", "state": "FL", "zip": "33101"},
    },
}


def body(**overrides) -> dict:
    data = {
        **BRIEF_EXAMPLE,
        "customer": dict(BRIEF_EXAMPLE["customer"]),
        "purchase_date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
    }
    data.update(overrides)
    return data


def service_data(**overrides) -> dict:
    data = {
        "serial_number": "SN-CA-20250115",
        "purchase_date": D(2026, 1, 15),
        "retailer": "Outdoor Pro Shop",
        "customer": {"email": "customer@example.com", "name": "John Smith", "phone": "+1-555-0123",
                     "address": {"street": "123 Main St", "city": "Miami"}},
    }
    data.update(overrides)
    return data


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- the term -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 3, 31), 6, D(2024, 9, 30)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2026, 1, 15), 24, D(2028, 1, 15)),
        (D(2025, 12, 31), 12, D(2026, 12, 31)),
    ],
)
def test_calendar_months_clamp_to_month_end(start, months, end):
    assert add_months(start, months) == end


def term(registered_on, window=30, extended=24):
    return warranty_term(
        purchase_date=D(2026, 1, 15), registered_on=registered_on, standard_months=12,
        extended_months=extended, extension_window_days=window,
    )


def test_extension_window_edges():
    on_day_n = term(D(2026, 2, 14))  # 30 days after purchase: still inside the window
    assert on_day_n.extended and on_day_n.end == D(2028, 1, 15)
    day_after = term(D(2026, 2, 15))  # day 31
    assert not day_after.extended and day_after.end == D(2027, 1, 15)
    assert term(D(2026, 1, 15)).extended  # the same day
    assert term(D(2030, 1, 1), window=None).extended  # no window: any time
    assert not term(D(2026, 1, 16), extended=None).extended  # no extended term in the category
    assert term(D(2026, 1, 16), extended=None).end == D(2027, 1, 15)


# --- serial resolution ----------------------------------------------------------------------------------


def test_serial_resolve_known_list_first_then_single_pattern(make_tenant):
    tenant = make_tenant(
        "northpeak",
        products=[
            {"sku": "TP9-ELITE-SC", "name": "TP9 Elite SC", "category": "handguns", "serial_pattern": "SN-CA-[0-9]{8}"},
            {"sku": "OTHER", "name": "Other", "category": "handguns", "serial_pattern": "SN-ZZ-[0-9]{6}"},
        ],
        serials=[{"serial_number": "SN-ZZ-99999999", "sku": "TP9-ELITE-SC"}],
    )
    # Known list wins even though no pattern of TP9 matches this serial.
    assert serial_resolve(tenant, "SN-ZZ-99999999").product.sku == "TP9-ELITE-SC"
    resolved = serial_resolve(tenant, "  sn-zz-123456 ")
    assert resolved.product.sku == "OTHER" and resolved.serial_number == "SN-ZZ-123456" and resolved.known is None


@pytest.mark.parametrize(
    ("serial", "code"),
    [("XX-12", "serial_invalid_format"), ("SN-QQ-12345678", "serial_unknown"), ("SN-AB-123456", "serial_ambiguous")],
)
def test_serial_resolve_refusals(make_tenant, serial, code):
    from warranty_api.core.exceptions import Unprocessable

    tenant = make_tenant(
        "northpeak",
        products=[
            {"sku": "TP9-ELITE-SC", "name": "TP9", "category": "handguns", "serial_pattern": "SN-CA-[0-9]{8}"},
            {"sku": "A", "name": "A", "category": "handguns", "serial_pattern": "SN-A[A-Z]-[0-9]{6}"},
            {"sku": "B", "name": "B", "category": "handguns", "serial_pattern": "SN-[A-Z]B-[0-9]{6}"},
        ],
    )
    with pytest.raises(Unprocessable) as info:
        serial_resolve(tenant, serial)
    assert info.value.code == code


def test_require_known_serial_refuses_pattern_only_serials(make_tenant):
    from warranty_api.core.exceptions import Unprocessable

    tenant = make_tenant("northpeak", registration={**_registration(), "require_known_serial": True})
    assert serial_resolve(tenant, "SN-CA-20250115").known is not None
    with pytest.raises(Unprocessable) as info:
        serial_resolve(tenant, "SN-CA-20250116")
    assert info.value.code == "serial_unknown"


def _registration(**overrides):
    return {"required_fields": ["phone", "address"], "extension_window_days": 30, "require_known_serial": False,
            "verification": "off", **overrides}


# --- the service ----------------------------------------------------------------------------------------


def test_brief_example_with_today_inside_the_window(tenant):
    warranty = warranty_register(tenant=tenant, data=service_data(), today=D(2026, 2, 1))
    assert warranty.id.startswith("wty_")
    assert (warranty.warranty_start, warranty.warranty_end, warranty.extended) == (D(2026, 1, 15), D(2028, 1, 15), True)
    assert warranty.coverage == "full_replacement" and warranty.status == "active" and warranty.verification == "off"
    assert warranty.customer.email == "customer@example.com" and warranty.customer.name == "John Smith"
    assert warranty.owner is None
    assert WarrantyEvent.objects.filter(warranty=warranty, action="registered").count() == 1


def test_brief_example_registered_after_the_window_gets_the_standard_term(tenant):
    warranty = warranty_register(tenant=tenant, data=service_data(), today=D(2026, 2, 15))
    assert (warranty.warranty_end, warranty.extended) == (D(2027, 1, 15), False)


def test_a_registration_keeps_its_own_contact_and_never_changes_the_customer_record(make_tenant):
    tenant = make_tenant("northpeak", registration=_registration(required_fields=[]))
    existing = Customer.objects.create(tenant=tenant, email="customer@example.com", name="Old Name", phone="1",
                                       address={"city": "Old"})
    warranty = warranty_register(tenant=tenant, data=service_data(), today=D(2026, 2, 1))
    assert warranty.customer_id == existing.id and Customer.objects.count() == 1
    customer = Customer.objects.get(tenant=tenant, email="customer@example.com")
    assert (customer.name, customer.phone, customer.address) == ("Old Name", "1", {"city": "Old"})
    stored = Warranty.objects.get(id=warranty.id)
    assert (stored.contact_name, stored.contact_phone, stored.contact_address) == (
        "John Smith", "+1-555-0123", {"street": "123 Main St", "city": "Miami"})
    data = service_data(serial_number="SN-CA-20250116")
    data["customer"] = {"email": "customer@example.com", "name": "J. Smith"}
    second = warranty_register(tenant=tenant, data=data, today=D(2026, 2, 1))
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.address) == ("Old Name", "1", {"city": "Old"})
    second = Warranty.objects.get(id=second.id)
    assert (second.contact_name, second.contact_phone, second.contact_address) == ("J. Smith", "", {})
    # A new email gets its record from its first registration.
    fresh = warranty_register(tenant=tenant, data=service_data(
        serial_number="SN-CA-20250117", customer={"email": "new@example.com", "name": "N", "address": {"city": "Z"}}),
        today=D(2026, 2, 1))
    assert Customer.objects.get(id=fresh.customer_id).address == {"city": "Z"}


@pytest.mark.parametrize("plain_lane", [True, False])
def test_an_anonymous_registration_cannot_overwrite_a_verified_customers_contact(api, tenant, make_customer, make_staff,
                                                                                monkeypatch, plain_lane):
    from warranty_api.warranties import views as views

    owner = make_customer(tenant, "customer@example.com")
    record = Customer.objects.create(tenant=tenant, email="customer@example.com", account=owner, name="John Smith",
                                     phone="+1-555-0123", address={"street": "123 Main St", "city": "Miami"})
    before = Customer.objects.filter(id=record.id).values().get()
    monkeypatch.setattr(views, "PLAIN_LANE", plain_lane)
    forged = body(serial_number="SN-CA-20250131", customer={
        "email": "Customer@Example.com", "name": "Mallory", "phone": "+1-555-0666",
        "address": {"street": "9 Drop St", "city": "Elsewhere"}})
    response = api.post(URL, forged, format="json")
    assert response.status_code == 201, response.content
    assert Customer.objects.filter(id=record.id).values().get() == before
    warranty = Warranty.objects.get(id=response.json()["data"]["id"])
    assert warranty.customer_id == record.id
    assert (warranty.contact_name, warranty.contact_phone, warranty.contact_address) == (
        "Mallory", "+1-555-0666", {"street": "9 Drop St", "city": "Elsewhere"})
    # Staff see both: the brand's record of the email, and where this warranty's customer is.
    staff = client_for(make_staff(tenant, Role.AGENT), tenant)
    shown = staff.get(f"/api/northpeak/admin/warranties/{warranty.id}").json()["data"]
    assert (shown["customer"]["name"], shown["customer"]["address"]["street"]) == ("John Smith", "123 Main St")
    assert shown["contact"] == {"email": "customer@example.com", "name": "Mallory", "phone": "+1-555-0666",
                                "address": {"street": "9 Drop St", "city": "Elsewhere"}}


def test_owner_is_the_verified_account_only(tenant, make_customer):
    unverified = make_customer(tenant, "customer@example.com", verified=False)
    w1 = warranty_register(tenant=tenant, data=service_data(), today=D(2026, 2, 1))
    assert w1.owner is None
    unverified.email_verified_at = timezone.now()
    unverified.save()
    w2 = warranty_register(tenant=tenant, data=service_data(serial_number="SN-CA-20250116"), today=D(2026, 2, 1))
    assert w2.owner == unverified


def test_claim_for_account_attaches_unowned_warranties_of_that_email(tenant, other_tenant, make_customer):
    w1 = warranty_register(tenant=tenant, data=service_data(), today=D(2026, 2, 1))
    other = warranty_register(
        tenant=tenant,
        data=service_data(serial_number="SN-CA-20250117", customer={"email": "x@example.com", "name": "X", "phone": "1",
                                                                      "address": {"city": "Y"}}),
        today=D(2026, 2, 1),
    )
    user = make_customer(tenant, "Customer@Example.com")
    foreign = make_customer(other_tenant, "customer@example.com")
    assert warranties_claim_for_account(tenant=tenant, user=foreign) == 0
    assert warranties_claim_for_account(tenant=tenant, user=user) == 1
    w1.refresh_from_db()
    other.refresh_from_db()
    assert w1.owner == user and other.owner is None
    assert warranties_claim_for_account(tenant=tenant, user=user) == 0
    assert WarrantyEvent.objects.filter(warranty=w1, action="owner_attached").count() == 1


@pytest.mark.parametrize(("mode", "status", "verification"),
                         [("off", "active", "off"), ("advisory", "active", "pending"),
                          ("required", "pending_verification", "pending")])
def test_verification_modes(make_tenant, mode, status, verification):
    tenant = make_tenant("northpeak", registration=_registration(verification=mode))
    warranty = warranty_register(tenant=tenant, data=service_data(), today=D(2026, 2, 1))
    assert (warranty.status, warranty.verification) == (status, verification)


# --- HTTP -----------------------------------------------------------------------------------------------


def test_brief_example_over_http(api, tenant):
    response = api.post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    start = D.fromisoformat(data["purchase_date"])
    assert data["id"].startswith("wty_")
    assert data["serial_number"] == "SN-CA-20250115"
    assert data["product"]["name"] == "TP9 Elite SC" and data["product"]["category"] == "Handguns"
    assert data["product"]["sku"] == "TP9-ELITE-SC" and data["product"]["category_slug"] == "handguns"
    assert data["warranty_start"] == start.isoformat()
    assert data["warranty_end"] == add_months(start, 24).isoformat()
    assert data["coverage"] == "full_replacement" and data["status"] == "active"
    assert data["transferable"] is True and data["extended"] is True and data["verification"] == "off"
    assert data["retailer"] == "Outdoor Pro Shop" and data["registered_at"].endswith("Z")


def test_brief_example_literal_over_http_follows_todays_date(api, tenant):
    response = api.post(URL, BRIEF_EXAMPLE, format="json")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    in_window = (timezone.localdate() - D(2026, 1, 15)).days <= 30
    assert data["warranty_end"] == ("2028-01-15" if in_window else "2027-01-15")
    assert data["extended"] is in_window


@pytest.mark.parametrize("variant", ["sn-ca-20250115", "  SN-CA-20250115  ", "Sn-Ca-20250115\t"])
def test_case_and_white_space_variants_are_one_serial(api, tenant, variant):
    assert api.post(URL, body(), format="json").status_code == 201
    again = api.post(URL, body(serial_number=variant, customer={**body()["customer"], "email": "b@example.com"}), format="json")
    assert again.status_code == 409 and error_code(again) == "serial_already_registered"
    assert Warranty.objects.filter(tenant=tenant).count() == 1


def test_variant_registers_normalised(api, tenant):
    response = api.post(URL, body(serial_number=" sn-ca-20250115 "), format="json")
    assert response.status_code == 201
    assert response.json()["data"]["serial_number"] == "SN-CA-20250115"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"serial_number": "BAD"}, 422, "serial_invalid_format"),
        ({"serial_number": "SN-QQ-123456"}, 422, "serial_unknown"),
        ({"serial_number": ""}, 400, "validation_error"),
        ({"purchase_date": "15/01/2026"}, 400, "validation_error"),
    ],
)
def test_refusal_codes(api, tenant, overrides, status, code):
    response = api.post(URL, body(**overrides), format="json")
    assert response.status_code == status, response.content
    assert error_code(response) == code
    assert not Warranty.objects.exists() and not Customer.objects.exists()


def test_serial_ambiguous_over_http(api, make_tenant):
    make_tenant("northpeak", products=[
        {"sku": "A", "name": "A", "category": "handguns", "serial_pattern": "SN-A[A-Z]-[0-9]{6}"},
        {"sku": "B", "name": "B", "category": "handguns", "serial_pattern": "SN-[A-Z]B-[0-9]{6}"},
    ], serials=[])
    response = api.post(URL, body(serial_number="SN-AB-123456"), format="json")
    assert response.status_code == 422 and error_code(response) == "serial_ambiguous"


def test_purchase_date_in_future_and_before_manufacture(api, tenant):
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = api.post(URL, body(purchase_date=future), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["purchase_date"][0]["code"] == "in_future"
    response = api.post(URL, body(purchase_date="2025-01-14"), format="json")  # made on 2025-01-15
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["purchase_date"][0]["code"] == "before_manufacture"
    assert not Warranty.objects.exists()


def test_required_fields_of_the_tenant(api, make_tenant):
    make_tenant("northpeak", registration=_registration(required_fields=["phone", "address", "retailer", "proof_of_purchase"]))
    data = body(retailer="")
    data["customer"] = {"email": "a@example.com", "name": "A"}
    response = api.post(URL, data, format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert set(response.json()["error"]["fields"]) == {"customer.phone", "customer.address", "retailer", "proof_of_purchase"}
    missing = api.post(URL, {"serial_number": "SN-CA-20250115"}, format="json")
    assert set(missing.json()["error"]["fields"]) >= {"purchase_date", "customer"}


def _media(tenant, attached=False) -> Media:
    media = Media(tenant=tenant, kind="pdf", content_type="application/pdf", size=4, sha256="0" * 64,
                  attached_at=timezone.now() if attached else None)
    media.file.save("receipt.pdf", ContentFile(b"%PDF"), save=False)
    media.save()
    return media


def test_proof_of_purchase_is_taken_once(api, tenant, other_tenant):
    receipt = _media(tenant)
    response = api.post(URL, body(proof_of_purchase=receipt.id, proof_of_purchase_token=media_upload_token(receipt)),
                        format="json")
    assert response.status_code == 201
    assert response.json()["data"]["proof_of_purchase"] == receipt.id
    receipt.refresh_from_db()
    assert receipt.attached_at is not None
    for media in (receipt, _media(other_tenant), _media(tenant, attached=True), Media(id="media_nope", tenant=tenant)):
        again = api.post(URL, body(serial_number="SN-CA-20250199", proof_of_purchase=media.id,
                                   proof_of_purchase_token=media_upload_token(media)), format="json")
        assert again.status_code == 400
        assert again.json()["error"]["fields"]["proof_of_purchase"][0]["code"] == "not_found"
    assert Warranty.objects.count() == 1


def test_signed_in_customer_owns_it_at_once_and_bad_token_is_401(api, tenant, other_tenant, make_customer):
    user = make_customer(tenant, "someone@example.com", verified=False)
    response = client_for(user, tenant).post(URL, body(), format="json")
    assert response.status_code == 201
    assert Warranty.objects.get(id=response.json()["data"]["id"]).owner == user
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    bad = api.post(URL, body(serial_number="SN-CA-20250120"), format="json")
    assert bad.status_code == 401
    foreign = make_customer(other_tenant, "someone@example.com")
    assert client_for(foreign, other_tenant).post(URL, body(serial_number="SN-CA-20250120"), format="json").status_code == 401
    assert Warranty.objects.count() == 1


def test_registration_does_not_reveal_other_warranties(api, tenant):
    first = api.post(URL, body(), format="json").json()["data"]
    second = api.post(URL, body(serial_number="SN-CA-20250121"), format="json").json()
    assert first["id"] not in str(second)
    assert set(second) == {"data"} and "customer" not in second["data"]


# --- Idempotency-Key ------------------------------------------------------------------------------------


def test_idempotency_key_replays_and_refuses_other_body(api, tenant):
    first = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    replay = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Warranty.objects.count() == 1
    other = api.post(URL, body(serial_number="SN-CA-20250122"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"
    assert Warranty.objects.count() == 1
    # The key is the caller's: another client address using the same key is a different request.
    elsewhere = api.post(URL, body(serial_number="SN-CA-20250122"), format="json",
                         HTTP_IDEMPOTENCY_KEY="k-1", REMOTE_ADDR="10.9.9.9")
    assert elsewhere.status_code == 201


def test_idempotency_key_in_flight_is_409(api, tenant):
    from warranty_api.models import IdempotencyRecord

    # A first request with this body under another key gives us its fingerprint; then we leave a record
    # for key "busy" exactly as a first request still running would (no status yet).
    assert api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="probe").status_code == 201
    fingerprint = IdempotencyRecord.objects.get(key="probe").request_hash
    IdempotencyRecord.objects.create(tenant=tenant, caller="ip:127.0.0.1", key="busy", request_hash=fingerprint)
    in_use = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert in_use.status_code == 409 and error_code(in_use) == "idempotency_key_in_use"
    assert Warranty.objects.count() == 1


def test_idempotency_records_expire_after_a_day(api, tenant):
    from warranty_api.models import IdempotencyRecord

    assert api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    again = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 409 and error_code(again) == "serial_already_registered"


# --- concurrency ----------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_the_same_instant_give_one_201_and_one_409(make_tenant):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real race to prove")
    from rest_framework.test import APIClient

    make_tenant("northpeak")
    barrier = threading.Barrier(4)
    results: list[int] = []

    def register(i: int) -> None:
        from django.db import connections

        try:
            data = body(customer={**body()["customer"], "email": f"racer{i}@example.com"})
            barrier.wait(timeout=10)
            results.append(APIClient().post(URL, data, format="json").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [201, 409, 409, 409]
    assert Warranty.objects.filter(serial_number="SN-CA-20250115").count() == 1


def test_products_list_carries_the_terms(api, tenant):
    product = api.get("/api/northpeak/products").json()["data"][0]
    assert product["warranty"]["extended_months"] == 24
    assert Product.objects.filter(tenant=tenant).count() == 1 and KnownSerial.objects.filter(tenant=tenant).count() == 1


def test_registration_sends_the_confirmation_email(api, tenant, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, body(), format="json")
    assert response.status_code == 201
    data = response.json()["data"]
    [message] = [m for m in mail.outbox if m.to == ["customer@example.com"]]
    assert "TP9 Elite SC" in message.subject and data["warranty_end"] in message.body


def test_idempotency_keys_of_anonymous_callers_are_scoped_by_the_client_behind_the_load_balancer(api, tenant, settings):
    from warranty_api.models import IdempotencyRecord

    # Behind one trusted load balancer every request arrives from its address; the client is the address the
    # balancer saw (the last X-Forwarded-For entry), as the rate limits count it.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    balancer = {"REMOTE_ADDR": "10.0.0.2", "HTTP_IDEMPOTENCY_KEY": "checkout-1"}
    first = api.post(URL, body(), format="json", HTTP_X_FORWARDED_FOR="203.0.113.7", **balancer)
    assert first.status_code == 201, first.content
    # Another client choosing the same key is another request, not a reuse of the first client's key.
    other = api.post(URL, body(serial_number="SN-CA-20250123", customer={**BRIEF_EXAMPLE["customer"], "email": "b@example.com"}),
                     format="json", HTTP_X_FORWARDED_FOR="203.0.113.8", **balancer)
    assert other.status_code == 201, other.content
    # The first client's retry, with a spoofed entry in front, still replays its own answer.
    replay = api.post(URL, body(), format="json", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **balancer)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert sorted(IdempotencyRecord.objects.values_list("caller", flat=True)) == ["ip:203.0.113.7", "ip:203.0.113.8"]
    assert Warranty.objects.count() == 2


def test_an_idempotency_scope_of_any_forwarded_text_fits_its_column(api, tenant, settings):
    from warranty_api.models import IdempotencyRecord

    # Two trusted proxies configured, one in front: the entry taken is whatever the client sent.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    response = api.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k", REMOTE_ADDR="10.0.0.2",
                        HTTP_X_FORWARDED_FOR="x" * 300 + ", 10.0.0.2")
    assert response.status_code == 201, response.content
    caller = IdempotencyRecord.objects.get().caller
    assert caller.startswith("ip:") and len(caller) <= IdempotencyRecord._meta.get_field("caller").max_length
