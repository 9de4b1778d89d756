"""Webhook payloads of claim and fulfillment events, and the fulfillment request the inventory system gets."""

from __future__ import annotations

from warranty_api.claims.models import Claim, Fulfillment
from warranty_api.core.timestamps import iso_z
from warranty_api.warranties.payloads import warranty_payload
from warranty_api.warranties.selectors import warranty_contact


def claim_payload(claim: Claim) -> dict:
    # admin_notes stay out: they are internal even from the brand's own systems' logs.
    return {
        "id": claim.id,
        "warranty_id": claim.warranty_id,
        "status": claim.status,
        "issue_type": claim.issue_type,
        "description": claim.description,
        "preferred_resolution": claim.preferred_resolution or None,
        "resolution": claim.resolution or None,
        "created_at": iso_z(claim.created_at),
        "status_changed_at": iso_z(claim.status_changed_at),
        "resolved_at": iso_z(claim.resolved_at),
    }


def fulfillment_payload(fulfillment: Fulfillment) -> dict:
    return {
        "id": fulfillment.id,
        "claim_id": fulfillment.claim_id,
        "kind": fulfillment.kind,
        "status": fulfillment.status,
        "rma_number": fulfillment.rma_number or None,
        "replacement_serial": fulfillment.replacement_serial or None,
        "replacement_warranty_id": fulfillment.replacement_warranty_id,
        "created_at": iso_z(fulfillment.created_at),
        "updated_at": iso_z(fulfillment.updated_at),
    }


def fulfillment_request_payload(fulfillment: Fulfillment) -> dict:
    """What the inventory system needs to act: the work, the claim, the unit, and where the customer is (the
    warranty's registration, or its verified owner's newer details: `warranty_api.warranties.selectors.warranty_contact`)."""
    claim = fulfillment.claim
    warranty = claim.warranty
    customer = warranty_contact(warranty)
    return {
        "fulfillment": fulfillment_payload(fulfillment),
        "claim": claim_payload(claim),
        "warranty": warranty_payload(warranty),
        "customer": {
            "name": customer["name"],
            "email": customer["email"],
            "phone": customer["phone"] or None,
            "address": customer["address"] or None,
        },
    }
