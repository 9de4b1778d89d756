"""A fulfillment request the queue lost (a broker outage after the approval committed) is sent again by the sweep."""

from __future__ import annotations

import datetime

from tests.support.claims_helpers import make_claim, make_fulfillment
from warranty_api.claims.services import FULFILLMENT_REQUEST_GRACE, fulfillment_requests_sweep
from warranty_api.models import Claim, Fulfillment


def _lost_request(tenant, customer, *, age: datetime.timedelta, **status) -> Fulfillment:
    claim = make_claim(tenant, customer, status=Claim.Status.APPROVED, resolution="repair")
    fulfillment = make_fulfillment(claim, Fulfillment.Kind.REPAIR, **status)
    Fulfillment.objects.filter(pk=fulfillment.pk).update(created_at=fulfillment.created_at - age)
    return fulfillment


def test_the_sweep_hands_a_lost_request_to_the_inventory_backend_once(tenant, customer, django_capture_on_commit_callbacks):
    lost = _lost_request(tenant, customer, age=FULFILLMENT_REQUEST_GRACE * 2)

    with django_capture_on_commit_callbacks(execute=True):  # the task runs inline once the sweep "commits"
        assert fulfillment_requests_sweep() == 1

    lost.refresh_from_db()
    assert lost.external_ref == f"local:{lost.id}"
    with django_capture_on_commit_callbacks(execute=True):
        assert fulfillment_requests_sweep() == 0


def test_the_sweep_leaves_fresh_taken_and_moved_requests_alone(tenant, customer):
    fresh = _lost_request(tenant, customer, age=datetime.timedelta(0))
    moved = _lost_request(tenant, customer, age=FULFILLMENT_REQUEST_GRACE * 2, status=Fulfillment.Status.RECEIVED)
    taken = _lost_request(tenant, customer, age=FULFILLMENT_REQUEST_GRACE * 2)
    Fulfillment.objects.filter(pk=taken.pk).update(external_ref="inv-42")

    assert fulfillment_requests_sweep() == 0

    for fulfillment, ref in ((fresh, ""), (moved, ""), (taken, "inv-42")):
        fulfillment.refresh_from_db()
        assert fulfillment.external_ref == ref
