"""Webhook deliveries against a real receiver on 127.0.0.1, and the inventory system's signed inbound events."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time

import pytest
from django.utils import timezone

from tests.conftest import client_for
from tests.support.claims_helpers import make_claim, make_warranty
from tests.support.webhook_receiver import INVENTORY_SECRET, Receiver
from warranty_api import tasks
from warranty_api.claims.services import claim_submit, claim_transition, fulfillment_update
from warranty_api.core.exceptions import Unprocessable
from warranty_api.models import (
    Claim,
    ClaimEvent,
    Fulfillment,
    InboundEvent,
    Warranty,
    WebhookDelivery,
    WebhookEndpoint,
)
from warranty_api.webhooks.services import inventory_integration_save, webhook_endpoint_create

OTHER_SECRET = "inv_zyxwvutsrqponmlkjihgfedcba987654"
EVENTS_URL = "/api/northpeak/integrations/inventory/events"


@pytest.fixture
def inventory(tenant, receiver):
    return inventory_integration_save(tenant=tenant, url=receiver.url, secret=INVENTORY_SECRET)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run `fn` and then what it queued for after commit (the tasks run inline in tests)."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def make_due() -> None:
    WebhookDelivery.objects.filter(status="queued").update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def approve(run, tenant, admin, claim, resolution):
    return run(claim_transition, claim_id=claim.id, tenant=tenant, actor=admin, to_status="approved",
               resolution=resolution)


def per_claim(bodies: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for body in bodies:
        out.setdefault(body["data"]["claim"]["id"], []).append(body["id"])
    return out


# ------------------------------------------------------------------------------------------- outbound: inventory


def test_fulfillment_requests_are_signed_webhooks_with_the_documented_shape(tenant, customer, admin, inventory,
                                                                           receiver, run):
    claim = make_claim(tenant, customer)
    approve(run, tenant, admin, claim, "replacement")
    assert len(receiver.accepted) == 2
    first = receiver.requests[0]
    headers, body = first["headers"], first["body"]
    assert first["signed"] and first["path"] == "/hooks"
    t, v1 = (part.split("=", 1)[1] for part in headers["Aftersale-Signature"].split(","))
    assert v1 == hmac.new(INVENTORY_SECRET.encode(), f"{t}.".encode() + first["raw"], hashlib.sha256).hexdigest()
    assert headers["Aftersale-Event-Id"] == body["id"] and body["id"].startswith("evt_")
    assert headers["Aftersale-Event-Type"] == body["type"] == "fulfillment.requested"
    assert headers["Aftersale-Delivery-Id"].startswith("whd_")
    assert headers["Content-Type"] == "application/json"
    assert set(body) == {"id", "type", "created_at", "tenant", "data"} and body["tenant"] == "northpeak"
    assert set(body["data"]) == {"fulfillment", "claim", "warranty", "customer"}
    kinds = [r["body"]["data"]["fulfillment"]["kind"] for r in receiver.requests]
    assert kinds == ["return_authorization", "replacement"]
    ra = Fulfillment.objects.get(claim=claim, kind="return_authorization")
    assert body["data"]["fulfillment"]["rma_number"] == ra.rma_number and ra.backend == "webhook"
    assert ra.external_ref == f"webhook:{body['id']}"
    assert body["data"]["customer"]["email"] == "owner@example.com"
    assert "admin_notes" not in json.dumps(body)
    assert INVENTORY_SECRET not in json.dumps([r["headers"] for r in receiver.requests])
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_receiver_down_for_a_while_gets_everything_later_once_and_in_order_per_claim(
    tenant, customer, admin, make_customer, inventory, receiver, run
):
    receiver.stop()  # connection refused
    first = make_claim(tenant, customer)
    second = make_claim(tenant, make_customer(tenant))
    approve(run, tenant, admin, first, "replacement")
    approve(run, tenant, admin, second, "refund")
    refund = Fulfillment.objects.get(claim=second, kind="refund")
    run(fulfillment_update, tenant=tenant, fulfillment_id=refund.id, actor=admin, status="cancelled")
    rows = list(WebhookDelivery.objects.order_by("id"))
    assert [r.event_type for r in rows] == ["fulfillment.requested"] * 4 + ["fulfillment.cancelled"]
    # Each claim's first request was tried once and refused; the rest wait behind it, untried.
    assert [(r.status, r.attempts) for r in rows] == [("queued", 1), ("queued", 0), ("queued", 1), ("queued", 0),
                                                      ("queued", 0)]
    assert "refused" in rows[0].last_error.lower() or "Errno" in rows[0].last_error
    assert rows[0].next_attempt_at > timezone.now()
    assert run(tasks.webhook_deliveries_sweep) == 0  # nothing due yet: back-off

    receiver.start()
    receiver.mode = "503"
    make_due()
    assert run(tasks.webhook_deliveries_sweep) == 2  # only each claim's head may go
    assert [r["body"]["id"] for r in receiver.requests] == [rows[0].event_id, rows[2].event_id]
    assert WebhookDelivery.objects.get(pk=rows[0].pk).response_code == 503
    assert receiver.accepted == []

    receiver.mode = "ok"
    make_due()
    run(tasks.webhook_deliveries_sweep)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    ids = receiver.event_ids()
    assert len(ids) == len(set(ids)) == 5  # each event accepted once
    by_claim = {c: [r.event_id for r in rows if json.loads(r.body)["data"]["claim"]["id"] == c] for c in (first.id, second.id)}
    assert per_claim(receiver.accepted) == by_claim  # in order per claim
    # A retry carries the same event id (the receiver could de-duplicate on it).
    assert [r["headers"]["Aftersale-Event-Id"] for r in receiver.requests].count(rows[0].event_id) == 2

    # Running the sweep or a task again sends nothing more.
    make_due()
    assert run(tasks.webhook_deliveries_sweep) == 0
    assert tasks.webhook_deliver(rows[0].pk) == "skipped"
    assert len(receiver.accepted) == 5


def test_a_delivery_that_failed_for_good_holds_its_claims_later_ones_until_retried(
    tenant, customer, admin, inventory, receiver, run, settings, django_capture_on_commit_callbacks
):
    settings.AFTERSALE_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.mode = "503"
    claim = make_claim(tenant, customer)
    approve(run, tenant, admin, claim, "repair")
    head, follower = WebhookDelivery.objects.order_by("id")
    assert (head.status, head.attempts, head.response_code) == ("failed", 1, 503)
    assert (follower.status, follower.attempts) == ("queued", 0)
    receiver.mode = "ok"
    make_due()
    assert run(tasks.webhook_deliveries_sweep) == 0  # the follower waits for the failed head

    staff = client_for(admin, tenant)
    log = staff.get(f"/api/northpeak/admin/webhooks/{inventory.pk}/deliveries").json()["data"]
    assert [(d["id"], d["status"], d["waiting_for_earlier"]) for d in log] == [
        (follower.public_id, "queued", True), (head.public_id, "failed", False)]
    assert log[1]["response_code"] == 503 and "HTTP 503" in log[1]["last_error"]

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/northpeak/admin/webhooks/{inventory.pk}/deliveries/{head.public_id}/retry")
    assert response.status_code == 202, response.content
    assert [b["data"]["fulfillment"]["kind"] for b in receiver.accepted] == ["return_authorization", "repair"]
    again = staff.post(f"/api/northpeak/admin/webhooks/{inventory.pk}/deliveries/{head.public_id}/retry")
    assert again.status_code == 409 and again.json()["error"]["code"] == "delivery_already_delivered"


def test_a_destination_that_became_private_is_not_called(tenant, customer, admin, inventory, receiver, run, settings):
    settings.AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS = []
    approve(run, tenant, admin, make_claim(tenant, customer), "refund")
    head = WebhookDelivery.objects.order_by("id").first()
    assert head.status == "queued" and "Refused destination" in head.last_error
    assert receiver.requests == []


def test_a_receiver_that_does_not_answer_times_out_and_is_retried(tenant, customer, admin, inventory, run, settings):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections, never answers
    try:
        inventory.url = f"http://127.0.0.1:{silent.getsockname()[1]}/hooks"
        inventory.save(update_fields=["url"])
        settings.AFTERSALE_WEBHOOK_TIMEOUT = 0.3
        approve(run, tenant, admin, make_claim(tenant, customer), "refund")
    finally:
        silent.close()
    head = WebhookDelivery.objects.order_by("id").first()
    assert (head.status, head.attempts) == ("queued", 1) and "Timed out" in head.last_error


def test_an_inventory_system_that_trickles_its_answer_times_out_as_a_whole(tenant, customer, admin, inventory,
                                                                          receiver, run):
    receiver.mode = "trickle"  # each byte well within WEBHOOK_TIMEOUT, the answer far beyond it
    approve(run, tenant, admin, make_claim(tenant, customer), "refund")
    head = WebhookDelivery.objects.order_by("id").first()
    assert (head.status, head.attempts) == ("queued", 1) and "Timed out" in head.last_error
    assert len(receiver.requests) == 1 and receiver.accepted == []


def test_a_delivery_error_never_tells_the_address_a_refused_destination_reached(tenant, customer, admin, inventory,
                                                                               run):
    # A URL saved before the guard knew its form: a number that the resolver reads as 127.0.0.1.
    WebhookEndpoint.objects.filter(pk=inventory.pk).update(url="https://2130706433/hooks")
    approve(run, tenant, admin, make_claim(tenant, customer), "refund")
    head = WebhookDelivery.objects.order_by("id").first()
    assert head.status == "queued" and "Refused destination" in head.last_error
    assert "127.0.0.1" not in head.last_error


# ------------------------------------------------------------------------------------------- outbound: apps


def test_an_app_that_trickles_its_answer_times_out_as_a_whole(tenant, customer, run):
    app = Receiver().start()
    try:
        _, app.secret = webhook_endpoint_create(tenant=tenant, url=app.url, events=["claim.created"])
        app.mode = "trickle"
        warranty = make_warranty(tenant, customer)
        run(claim_submit, tenant=tenant, user=customer, warranty_id=warranty.id, issue_type="malfunction",
            description="Stiff slide")
    finally:
        app.stop()
    delivery = WebhookDelivery.objects.get(event_type="claim.created")
    assert (delivery.status, delivery.attempts) == ("queued", 1) and "Timed out" in delivery.last_error
    assert len(app.requests) == 1 and app.accepted == []



def test_app_webhooks_follow_a_claim_in_order_and_only_what_they_subscribe_to(tenant, customer, admin, run):
    all_events = Receiver()
    status_only = Receiver()
    other = Receiver()
    for server in (all_events, status_only, other):
        server.start()
    try:
        _, all_events.secret = webhook_endpoint_create(tenant=tenant, url=all_events.url, events=["*"])
        _, status_only.secret = webhook_endpoint_create(tenant=tenant, url=status_only.url,
                                                        events=["claim.status_changed"])
        _, other.secret = webhook_endpoint_create(tenant=tenant, url=other.url, events=["warranty.registered"])
        webhook_endpoint_create(tenant=tenant, url=other.url, events=["*"], enabled=False)
        warranty = make_warranty(tenant, customer)
        claim = run(claim_submit, tenant=tenant, user=customer, warranty_id=warranty.id, issue_type="malfunction",
                    description="Stiff slide")
        for status in ("under_review", "approved"):
            run(claim_transition, claim_id=claim.id, tenant=tenant, actor=admin, to_status=status,
                resolution="replacement" if status == "approved" else "")
        replacement = Fulfillment.objects.get(claim=claim, kind="replacement")
        run(fulfillment_update, tenant=tenant, fulfillment_id=replacement.id, actor=admin, status="shipped",
            replacement_serial="SN-CA-77770001")
    finally:
        for server in (all_events, status_only, other):
            server.stop()
    assert all(r["signed"] for s in (all_events, status_only, other) for r in s.requests)
    got = [(b["type"], b["data"].get("to_status")) for b in all_events.accepted]
    assert got[:3] == [("claim.created", None), ("claim.status_changed", "under_review"),
                       ("claim.status_changed", "approved")]
    assert sorted(t for t, _ in got[3:]) == ["fulfillment.updated", "warranty.registered", "warranty.updated"]
    assert [b["data"]["to_status"] for b in status_only.accepted] == ["under_review", "approved"]
    new = Warranty.objects.get(serial_number="SN-CA-77770001")
    assert [b["data"]["warranty"]["id"] for b in other.accepted] == [new.id]
    status_body = all_events.accepted[1]
    assert status_body["data"]["claim"]["id"] == claim.id and status_body["data"]["from_status"] == "submitted"
    # The same event goes to every endpoint under one event id.
    assert status_only.accepted[0]["id"] == status_body["id"]


def test_nothing_is_sent_for_a_change_that_rolled_back(tenant, customer, admin, receiver, run):
    _, receiver.secret = webhook_endpoint_create(tenant=tenant, url=receiver.url, events=["*"])
    claim = make_claim(tenant, customer)
    with pytest.raises(Unprocessable):
        run(claim_transition, claim_id=claim.id, tenant=tenant, actor=admin, to_status="approved",
            resolution="not-a-resolution")
    assert not WebhookDelivery.objects.exists() and receiver.requests == []


# ------------------------------------------------------------------------------------------- inbound


def signed(body: bytes, secret: str = INVENTORY_SECRET, t: int | None = None) -> str:
    t = int(time.time()) if t is None else t
    return f"t={t},v1=" + hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def post_event(api, event: dict | bytes, *, signature: str | None = None, secret: str = INVENTORY_SECRET,
               t: int | None = None, url: str = EVENTS_URL):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    header = signed(body, secret, t) if signature is None else signature
    return api.post(url, body, content_type="application/json", HTTP_AFTERSALE_SIGNATURE=header)


@pytest.fixture
def approved(tenant, customer, admin, inventory, run):
    claim = make_claim(tenant, customer)
    approve(run, tenant, admin, claim, "replacement")
    return {f.kind: f for f in Fulfillment.objects.filter(claim=claim)}


def snapshot():
    return (
        list(Fulfillment.objects.order_by("id").values_list("id", "status", "replacement_serial")),
        InboundEvent.objects.count(),
        ClaimEvent.objects.count(),
        Warranty.objects.count(),
        list(Claim.objects.values_list("id", "status")),
    )


def test_valid_events_move_the_fulfillments_through_the_claims_service(api, tenant, approved):
    ra, replacement = approved["return_authorization"], approved["replacement"]
    response = post_event(api, {"id": "inv-1", "type": "return.received", "data": {"fulfillment_id": ra.id}})
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"event_id": "inv-1", "fulfillment_id": ra.id, "fulfillment_status": "received"}
    shipped = post_event(api, {"id": "inv-2", "type": "replacement.shipped",
                               "data": {"fulfillment_id": replacement.id, "replacement_serial": "sn-ca-55550001",
                                        "note": "UPS 1Z"}})
    assert shipped.status_code == 200, shipped.content
    replacement.refresh_from_db()
    assert replacement.status == "shipped" and replacement.replacement_serial == "SN-CA-55550001"
    new = replacement.replacement_warranty
    assert new.status == "active" and new.replaces_id == replacement.claim.warranty_id
    old = Warranty.objects.get(id=replacement.claim.warranty_id)
    assert old.status == "void"
    notes = list(ClaimEvent.objects.filter(claim=replacement.claim, kind="fulfillment_updated").values_list("note", flat=True))
    assert "Replacement: shipped" in notes and any("inv-2" in n and "UPS 1Z" in n for n in notes)
    # The follow-up is done, so staff can now resolve the claim.
    claim_transition(claim_id=replacement.claim_id, tenant=tenant, actor=None, to_status="resolved")


def test_repair_done_walks_through_received(api, tenant, customer, admin, inventory, run):
    claim = make_claim(tenant, customer)
    approve(run, tenant, admin, claim, "repair")
    repair = Fulfillment.objects.get(claim=claim, kind="repair")
    response = post_event(api, {"id": "r-1", "type": "repair.completed", "data": {"fulfillment_id": repair.id}})
    assert response.status_code == 200, response.content
    repair.refresh_from_db()
    assert repair.status == "repaired"


def _refusal_cases(approved, other_tenant_fulfillment):
    ra = approved["return_authorization"].id
    good = {"id": "evt-x", "type": "return.received", "data": {"fulfillment_id": ra}}
    raw = json.dumps(good).encode()
    stale = int(time.time()) - 301
    return {
        "forged-signature": (dict(event=good, signature=f"t={int(time.time())},v1={'0' * 64}"), 401, "signature_invalid"),
        "body-changed-after-signing": (dict(event=raw.replace(b"evt-x", b"evt-y"), signature=signed(raw)), 401,
                                       "signature_invalid"),
        "no-signature": (dict(event=good, signature=""), 401, "signature_invalid"),
        "stale-timestamp": (dict(event=good, t=stale), 401, "signature_invalid"),
        # Well past the window: the case is built before the request, and a busy machine may take seconds between.
        "future-timestamp": (dict(event=good, t=int(time.time()) + 900), 401, "signature_invalid"),
        "other-tenants-secret": (dict(event=good, secret=OTHER_SECRET), 401, "signature_invalid"),
        "malformed-json": (dict(event=b'{"id": "evt-x", "type": '), 400, "invalid_json"),
        "missing-fields": (dict(event={"type": "return.received"}), 400, "validation_error"),
        "unknown-type": (dict(event={**good, "type": "return.lost"}), 400, "validation_error"),
        "wrong-kind": (dict(event={**good, "type": "refund.completed"}), 422, "event_kind_mismatch"),
        "unknown-fulfillment": (dict(event={**good, "data": {"fulfillment_id": "ful_nope"}}), 404, "not_found"),
        "other-tenants-fulfillment": (dict(event={**good, "data": {"fulfillment_id": other_tenant_fulfillment}}), 404,
                                      "not_found"),
        "other-tenants-path": (dict(event=good, url="/api/southwind/integrations/inventory/events"), 401,
                               "signature_invalid"),
        # Signed bodies that the JSON parser's limits refuse, as on every other endpoint.
        "nested-past-the-recursion-limit": (dict(event=b'{"a": ' * 10_000 + b"1" + b"}" * 10_000), 400,
                                            "invalid_json"),
        "nested-past-the-depth-limit": (dict(event={**good, "data": {**good["data"], "x": nest(40)}}), 400,
                                        "invalid_json"),
        "nul-in-the-note": (dict(event={**good, "data": {**good["data"], "note": "a\u0000b"}}), 400,
                            "validation_error"),
        "lone-surrogate-in-the-note": (dict(event=raw.replace(b'"return.received"', b'"return.received", "n": "\\ud800"')),
                                       400, "invalid_json"),
        "not-a-number": (dict(event=raw.replace(b'"return.received"', b'"return.received", "n": NaN')), 400,
                         "invalid_json"),
    }


def nest(levels: int):
    value: object = 1
    for _ in range(levels):
        value = {"a": value}
    return value


CASES = [
    "forged-signature", "body-changed-after-signing", "no-signature", "stale-timestamp", "future-timestamp",
    "other-tenants-secret", "malformed-json", "missing-fields", "unknown-type", "wrong-kind", "unknown-fulfillment",
    "other-tenants-fulfillment", "other-tenants-path", "nested-past-the-recursion-limit", "nested-past-the-depth-limit",
    "nul-in-the-note", "lone-surrogate-in-the-note", "not-a-number",
]


@pytest.mark.parametrize("case", CASES)
def test_refused_inbound_events_change_nothing(api, case, approved, other_tenant, make_customer, receiver):
    inventory_integration_save(tenant=other_tenant, url=receiver.url, secret=OTHER_SECRET)
    foreign = make_claim(other_tenant, make_customer(other_tenant))
    foreign_ful = Fulfillment.objects.create(tenant=other_tenant, claim=foreign, kind="return_authorization")
    kwargs, status, code = _refusal_cases(approved, foreign_ful.id)[case]
    before = snapshot()
    response = post_event(api, **kwargs)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert snapshot() == before


def test_a_replayed_event_is_refused_even_inside_the_window(api, approved):
    ra = approved["return_authorization"]
    body = json.dumps({"id": "inv-7", "type": "return.received", "data": {"fulfillment_id": ra.id}}).encode()
    header = signed(body)
    assert post_event(api, body, signature=header).status_code == 200
    before = snapshot()
    replay = post_event(api, body, signature=header)
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "event_replayed"
    # The same id freshly signed is a replay too.
    assert post_event(api, body).json()["error"]["code"] == "event_replayed"
    assert snapshot() == before


def test_a_refused_event_leaves_its_id_unused_and_a_disabled_integration_accepts_nothing(api, tenant, approved,
                                                                                       receiver):
    ra = approved["return_authorization"]
    wrong = post_event(api, {"id": "inv-9", "type": "refund.completed", "data": {"fulfillment_id": ra.id}})
    assert wrong.status_code == 422
    inventory_integration_save(tenant=tenant, url=receiver.url, enabled=False)
    good = {"id": "inv-9", "type": "return.received", "data": {"fulfillment_id": ra.id}}
    assert post_event(api, good).status_code == 401
    inventory_integration_save(tenant=tenant, url=receiver.url, enabled=True)
    assert post_event(api, good).status_code == 200
    ra.refresh_from_db()
    assert ra.status == "received"


def test_a_bearer_token_is_neither_needed_nor_enough(tenant, admin, approved):
    ra = approved["return_authorization"]
    admin_client = client_for(admin, tenant)
    body = json.dumps({"id": "inv-11", "type": "return.received", "data": {"fulfillment_id": ra.id}}).encode()
    response = admin_client.post(EVENTS_URL, body, content_type="application/json")
    assert response.status_code == 401 and response.json()["error"]["code"] == "signature_invalid"
    ra.refresh_from_db()
    assert ra.status == "requested"


def test_old_inbound_event_ids_are_forgotten_by_the_sweep(tenant, run):
    InboundEvent.objects.create(tenant=tenant, event_id="old", event_type="return.received")
    InboundEvent.objects.filter(event_id="old").update(received_at=timezone.now() - datetime.timedelta(days=2))
    InboundEvent.objects.create(tenant=tenant, event_id="new", event_type="return.received")
    run(tasks.webhook_deliveries_sweep)
    assert list(InboundEvent.objects.values_list("event_id", flat=True)) == ["new"]


def test_the_sweep_is_scheduled_every_minute(db):
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("schedules_sync")
    schedule = Schedule.objects.get(name="webhook_deliveries_sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "warranty_api.tasks.webhook_deliveries_sweep", Schedule.MINUTES, 1)


def test_every_sweep_runs_at_the_configured_interval(db, settings):
    from django.core.management import call_command
    from django_q.models import Schedule

    settings.AFTERSALE_OUTBOX_SWEEP_MINUTES = 3
    call_command("schedules_sync")
    sweeps = {"notifications_sweep", "purchase_verifications_sweep", "webhook_deliveries_sweep"}
    assert dict(Schedule.objects.filter(name__in=sweeps).values_list("name", "minutes")) == dict.fromkeys(sweeps, 3)


def test_a_public_registration_reaches_the_brands_app_webhook(tenant, api, django_capture_on_commit_callbacks):
    from warranty_api.webhooks.services import webhook_endpoint_create

    app = Receiver().start()
    try:
        _endpoint, secret = webhook_endpoint_create(tenant=tenant, url=app.url, events=["warranty.registered"])
        app.secret = secret
        purchase = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
        body = {
            "serial_number": "SN-CA-20250115",
            "purchase_date": purchase,
            "customer": {"email": "buyer@example.com", "name": "Buyer", "phone": "+1-555-0100",
                         "address": {"street": "1 Main St", "city": "Miami", "state": "FL", "zip": "33101"}},
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/p/northpeak/warranties", body, format="json")
        assert response.status_code == 201, response.content
        assert [event["type"] for event in app.accepted] == ["warranty.registered"]
        assert app.accepted[0]["data"]["warranty"]["id"] == response.json()["data"]["id"]
    finally:
        app.stop()


# ------------------------------------------------------------------------------------------- where a fulfillment ships


def _register(api, serial: str, name: str, phone: str, address: dict) -> Warranty:
    purchase = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    body = {"serial_number": serial, "purchase_date": purchase,
            "customer": {"email": "owner@example.com", "name": name, "phone": phone, "address": address}}
    response = api.post("/api/p/northpeak/warranties", body, format="json")
    assert response.status_code == 201, response.content
    return Warranty.objects.get(id=response.json()["data"]["id"])


def test_a_fulfillment_ships_to_its_warrantys_registration_unless_the_verified_owner_moved_since(
        api, tenant, customer, admin, inventory, receiver, run):
    home = {"street": "1 Owner Way", "city": "Miami"}
    first = _register(api, "SN-CA-00900001", "Olive Owner", "+1-555-0001", home)
    second = _register(api, "SN-CA-00900002", "Olive Owner", "+1-555-0001", home)
    assert first.owner == second.owner == customer  # a verified email: theirs at once
    # Anyone may register a fresh serial with the owner's email: it changes nothing of the owner's.
    _register(api, "SN-CA-00900003", "Mallory", "+1-555-0666", {"street": "9 Drop St", "city": "Elsewhere"})

    approve(run, tenant, admin, make_claim(tenant, customer, warranty=first), "replacement")
    shipped = receiver.requests[-1]["body"]["data"]
    assert shipped["customer"] == {"name": "Olive Owner", "email": "owner@example.com", "phone": "+1-555-0001",
                                   "address": home}
    assert shipped["warranty"]["customer"] == {"email": "owner@example.com", "name": "Olive Owner"}

    # The verified owner moves, through their account: that now comes first for what they registered before
    # (a field the account leaves empty, here the phone, is still the registration's).
    moved = {"street": "2 New Rd", "city": "Tampa"}
    response = client_for(customer, tenant).patch("/api/northpeak/auth/me", {"name": "Olive O.", "address": moved},
                                                 format="json")
    assert response.status_code == 200, response.content
    approve(run, tenant, admin, make_claim(tenant, customer, warranty=second), "replacement")
    assert receiver.requests[-1]["body"]["data"]["customer"] == {
        "name": "Olive O.", "email": "owner@example.com", "phone": "+1-555-0001", "address": moved}
