"""One claim reviewed through the admin and its twin through the API leave the same events, emails and webhooks."""

from __future__ import annotations

import json
import re

from django.test import Client

from tests.conftest import client_for
from tests.support.claims_helpers import make_warranty
from tests.webhooks.test_webhooks import INVENTORY_SECRET, post_event
from warranty_api.models import ClaimEvent, Fulfillment, Notification, Role, WebhookDelivery
from warranty_api.webhooks.services import inventory_integration_save, webhook_endpoint_create


def _admin_act(client: Client, claim_id: str, action: str, **data):
    page = client.get(f"/admin/claims/{claim_id}/").content.decode()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/claims/{claim_id}/", {"action": action, "version": version, **data})
    assert response.status_code == 302, (action, response.content.decode()[-2000:])


def _api_patch(api, claim_id: str, body: dict):
    response = api.patch(f"/api/northpeak/admin/claims/{claim_id}", body, format="json")
    assert response.status_code == 200, response.content


def _inventory_reports_the_repair(api, claim_id: str, prefix: str):
    repair = Fulfillment.objects.get(claim_id=claim_id, kind=Fulfillment.Kind.REPAIR)
    for n, event_type in enumerate(("repair.received", "repair.completed")):
        response = post_event(api, {"id": f"{prefix}-{n}", "type": event_type, "data": {"fulfillment_id": repair.id}})
        assert response.status_code == 200, response.content


def _trail(claim_id: str) -> dict:
    return {
        "events": list(ClaimEvent.objects.filter(claim_id=claim_id).order_by("created_at", "id").values_list(
            "kind", "from_status", "to_status", "visibility", "note", "actor__email")),
        "emails": list(Notification.objects.filter(subject_ref=claim_id).order_by("created_at").values_list(
            "kind", "to_email")),
        "webhooks": [(d.event_type, d.endpoint.purpose, _shape(json.loads(d.body)["data"]))
                     for d in WebhookDelivery.objects.filter(ordering_key=claim_id).select_related("endpoint").order_by("id")],
        "fulfillments": list(Fulfillment.objects.filter(claim_id=claim_id).order_by("created_at", "id").values_list(
            "kind", "status")),
    }


def _shape(data: dict) -> dict:
    """A webhook's data with the claim's own ids and times left out: what must match is everything else."""
    def clean(value, key=""):
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if key in ("id", "claim_id", "warranty_id", "serial_number", "rma_number", "created_at", "updated_at",
                   "status_changed_at", "resolved_at", "reference"):
            return "<own>"
        return value
    return clean(data)


def test_the_admin_and_the_api_leave_the_same_trail(tenant, make_staff, make_customer, api, receiver):
    inventory_integration_save(tenant=tenant, url=receiver.url, secret=INVENTORY_SECRET)
    webhook_endpoint_create(tenant=tenant, url=receiver.url, events=["*"])
    agent = make_staff(tenant, Role.AGENT)
    customer = make_customer(tenant, "owner@example.com")
    customer_api = client_for(customer, tenant)
    claims = []
    for _ in range(2):
        warranty = make_warranty(tenant, customer)
        response = customer_api.post("/api/northpeak/claims", {"warranty_id": warranty.id, "issue_type": "malfunction",
                                                               "description": "Slide release is stiff"}, format="json")
        assert response.status_code == 201, response.content
        claims.append(response.json()["data"]["id"])
    by_admin, by_api = claims

    admin = Client()
    admin.force_login(agent)
    _admin_act(admin, by_admin, "take")
    _admin_act(admin, by_admin, "start_review")
    _admin_act(admin, by_admin, "request_info", message="Please send a photo of the slide.")
    assert customer_api.post(f"/api/northpeak/claims/{by_admin}/messages", {"body": "Here it is."},
                             format="json").status_code == 201
    _admin_act(admin, by_admin, "approve", resolution="repair", notify_customer="on")
    _inventory_reports_the_repair(api, by_admin, "adm")
    _admin_act(admin, by_admin, "resolve")

    agent_api = client_for(agent, tenant)
    _api_patch(agent_api, by_api, {"assignee": agent.public_id})
    _api_patch(agent_api, by_api, {"status": "under_review"})
    _api_patch(agent_api, by_api, {"status": "info_requested", "message_to_customer": "Please send a photo of the slide.",
                                   "notify_customer": True})
    assert customer_api.post(f"/api/northpeak/claims/{by_api}/messages", {"body": "Here it is."},
                             format="json").status_code == 201
    _api_patch(agent_api, by_api, {"status": "approved", "resolution": "repair", "notify_customer": True})
    _inventory_reports_the_repair(api, by_api, "api")
    _api_patch(agent_api, by_api, {"status": "resolved"})

    through_admin, through_api = _trail(by_admin), _trail(by_api)
    assert through_admin == through_api
    # And the trail is the whole review, not two empty lists that happen to agree.
    assert [e[2] for e in through_admin["events"] if e[0] == "status_changed"] == [
        "under_review", "info_requested", "under_review", "approved", "resolved"]
    assert {kind for kind, *_ in through_admin["emails"]} >= {"claim_received", "claim_info_requested",
                                                               "claim_approved", "claim_resolved"}
    types = [t for t, *_ in through_admin["webhooks"]]
    assert "fulfillment.requested" in types and types.count("claim.status_changed") == 5
