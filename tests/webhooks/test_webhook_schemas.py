"""The webhook contract: every event we send and every inventory event we accept has a served JSON Schema and an
example, and what the services really emit matches it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone
from jsonschema import Draft202012Validator

from tests.conftest import client_for
from tests.support.claims_helpers import make_warranty
from tests.support.webhook_receiver import Receiver
from tests.webhooks.test_webhooks import INVENTORY_SECRET, post_event
from warranty_api.claims.inventory_events import INBOUND_EVENTS
from warranty_api.claims.services import claim_submit, claim_transition, fulfillment_update
from warranty_api.models import Fulfillment, Role, WebhookDelivery
from warranty_api.webhooks.schemas import webhook_schemas_document
from warranty_api.webhooks.services import (
    EVENT_TYPES,
    INVENTORY_EVENT_TYPES,
    inventory_integration_save,
    webhook_endpoint_create,
)

SCHEMAS_URL = "/api/webhooks/schemas"


@pytest.fixture
def document(api):
    response = api.get(SCHEMAS_URL)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _validator(schema: dict) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_the_contract_is_served_without_a_tenant_or_a_token(document):
    assert document == json.loads(json.dumps(webhook_schemas_document()))
    assert set(document["outbound"]) == set(EVENT_TYPES) | set(INVENTORY_EVENT_TYPES)
    assert set(document["inbound"]) == set(INBOUND_EVENTS)


def test_every_example_is_valid_under_its_own_schema(document):
    for direction in ("outbound", "inbound"):
        for event_type, entry in document[direction].items():
            _validator(entry["schema"]).validate(entry["example"])
            assert entry["example"]["type"] == event_type


def test_a_schema_refuses_what_it_does_not_promise(document):
    entry = document["outbound"]["claim.status_changed"]
    wrong = json.loads(json.dumps(entry["example"]))
    wrong["data"]["to_status"] = "archived"
    assert not _validator(entry["schema"]).is_valid(wrong)
    wrong = json.loads(json.dumps(entry["example"]))
    wrong["data"]["claim"]["admin_notes"] = "internal"
    assert not _validator(entry["schema"]).is_valid(wrong)


@pytest.fixture
def everything_emitted(tenant, make_customer, make_staff, api, django_capture_on_commit_callbacks):
    """A brand with an app subscribed to everything and an inventory system, taken through every event type."""
    app, inventory = Receiver().start(), Receiver(INVENTORY_SECRET).start()
    admin = make_staff(tenant, Role.ADMIN)
    customer = make_customer(tenant, "owner@example.com")

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    try:
        _, app.secret = webhook_endpoint_create(tenant=tenant, url=app.url, events=["*"])
        inventory_integration_save(tenant=tenant, url=inventory.url, secret=INVENTORY_SECRET)
        purchase = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
        registration = {
            "serial_number": "SN-CA-20250115", "purchase_date": purchase,
            "customer": {"email": "buyer@example.com", "name": "Buyer", "phone": "+1-555-0100",
                         "address": {"street": "1 Main St", "city": "Miami", "state": "FL", "zip": "33101"}},
        }
        with django_capture_on_commit_callbacks(execute=True):
            assert api.post("/api/p/northpeak/warranties", registration, format="json").status_code == 201
        warranty = make_warranty(tenant, customer)
        claim = run(claim_submit, tenant=tenant, user=customer, warranty_id=warranty.id, issue_type="malfunction",
                    description="Stiff slide")
        run(claim_transition, claim_id=claim.id, tenant=tenant, actor=admin, to_status="under_review")
        run(claim_transition, claim_id=claim.id, tenant=tenant, actor=admin, to_status="approved",
            resolution="replacement")
        replacement = Fulfillment.objects.get(claim=claim, kind="replacement")
        run(fulfillment_update, tenant=tenant, fulfillment_id=replacement.id, actor=admin, status="shipped",
            replacement_serial="SN-CA-77770001")
        rma = Fulfillment.objects.get(claim=claim, kind="return_authorization")
        run(fulfillment_update, tenant=tenant, fulfillment_id=rma.id, actor=admin, status="cancelled")
        with django_capture_on_commit_callbacks(execute=True):
            assert client_for(customer, tenant).patch("/api/northpeak/auth/me", {"marketing_consent": True},
                                                      format="json").status_code == 200
    finally:
        app.stop()
        inventory.stop()
    return app, inventory


def test_every_emitted_event_matches_the_schema_of_its_type(document, everything_emitted):
    app, inventory = everything_emitted
    sent = [json.loads(body) for body in WebhookDelivery.objects.order_by("id").values_list("body", flat=True)]
    assert {event["type"] for event in sent} == set(document["outbound"])  # every type, once at least
    for event in sent:
        errors = [e.message for e in _validator(document["outbound"][event["type"]]["schema"]).iter_errors(event)]
        assert errors == [], (event["type"], errors)
    # What the receivers got is what was checked.
    assert sorted(e["id"] for e in app.accepted + inventory.accepted) == sorted(e["id"] for e in sent)


def test_the_inventory_system_may_send_every_documented_event(document, api, tenant, make_customer, make_staff,
                                                             django_capture_on_commit_callbacks):
    from tests.support.claims_helpers import make_claim

    receiver = Receiver(INVENTORY_SECRET).start()
    try:
        inventory_integration_save(tenant=tenant, url=receiver.url, secret=INVENTORY_SECRET)
        admin, customer = make_staff(tenant, Role.ADMIN), make_customer(tenant, "owner@example.com")
        fulfillments = {}
        for resolution in ("replacement", "repair", "refund"):
            claim = make_claim(tenant, customer, status="under_review")
            with django_capture_on_commit_callbacks(execute=True):
                claim_transition(claim_id=claim.id, tenant=tenant, actor=admin, to_status="approved",
                                 resolution=resolution)
            for fulfillment in Fulfillment.objects.filter(claim=claim):
                fulfillments.setdefault(fulfillment.kind, fulfillment.id)
    finally:
        receiver.stop()
    for event_type, entry in document["inbound"].items():
        event = json.loads(json.dumps(entry["example"]))
        event["data"]["fulfillment_id"] = fulfillments[entry["applies_to"]]
        _validator(entry["schema"]).validate(event)
        response = post_event(api, event)
        assert response.status_code == 200, (event_type, response.content)
