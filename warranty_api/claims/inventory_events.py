"""Inbound inventory events: the brand's inventory system reports progress on a fulfillment, signed.

Each accepted event id is kept (`InboundEvent`) so a replay is refused; the fulfillment moves only through the
claims service, so an event is held to the same transitions as a staff member's update.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from warranty_api.claims.error_codes import ClaimErrorCode
from warranty_api.claims.models import Fulfillment
from warranty_api.claims.services import fulfillment_update
from warranty_api.core import crypto
from warranty_api.core.exceptions import ApiError, Conflict, NotFound, ValidationFailed
from warranty_api.core.parsers import json_loads_checked
from warranty_api.integrations import webhooks as http
from warranty_api.tenancy.models import Tenant
from warranty_api.webhooks.models import InboundEvent
from warranty_api.webhooks.services import inventory_endpoint


class SignatureInvalid(ApiError):
    status_code = 401
    code = ClaimErrorCode.SIGNATURE_INVALID
    message = (
        "The Aftersale-Signature header is missing, does not match the body with this brand's inventory secret, "
        "or its timestamp is outside the replay window."
    )


# Inbound event type -> (the fulfillment kind it applies to, the statuses it walks the fulfillment through).
# A repair reported done while still "requested" passes through "received": the unit must have arrived.
INBOUND_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "return.received": (Fulfillment.Kind.RETURN_AUTHORIZATION, (Fulfillment.Status.RECEIVED,)),
    "replacement.shipped": (Fulfillment.Kind.REPLACEMENT, (Fulfillment.Status.SHIPPED,)),
    "repair.received": (Fulfillment.Kind.REPAIR, (Fulfillment.Status.RECEIVED,)),
    "repair.completed": (Fulfillment.Kind.REPAIR, (Fulfillment.Status.RECEIVED, Fulfillment.Status.REPAIRED)),
    "repair.shipped": (Fulfillment.Kind.REPAIR, (Fulfillment.Status.SHIPPED,)),
    "refund.completed": (Fulfillment.Kind.REFUND, (Fulfillment.Status.REFUNDED,)),
}


def _inbound_fields(event) -> tuple[str, str, dict]:
    errors: dict = {}
    if not isinstance(event, dict):
        raise ValidationFailed.field("non_field_errors", "invalid", "Send one JSON object.")
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    if not isinstance(event_id, str) or not 1 <= len(event_id.strip()) <= 100:
        errors["id"] = [{"code": "required", "message": "Give the event a unique id (at most 100 characters)."}]
    if event_type not in INBOUND_EVENTS:
        errors["type"] = [{"code": "invalid_choice", "message": f"Choose one of: {', '.join(INBOUND_EVENTS)}."}]
    if not isinstance(data, dict):
        errors["data"] = [{"code": "required", "message": "Give the event's data object."}]
    else:
        if not isinstance(data.get("fulfillment_id"), str) or not data["fulfillment_id"]:
            errors["data.fulfillment_id"] = [{"code": "required", "message": "Say which fulfillment (ful_...)."}]
        serial = data.get("replacement_serial")
        if event_type == "replacement.shipped" and (not isinstance(serial, str) or not serial.strip()):
            errors["data.replacement_serial"] = [{"code": "required", "message": "Give the new unit's serial."}]
        elif serial is not None and event_type != "replacement.shipped":
            errors["data.replacement_serial"] = [{"code": "not_allowed", "message": "Only a replacement has one."}]
        if "note" in data and not isinstance(data["note"], str):
            errors["data.note"] = [{"code": "invalid", "message": "A note is text."}]
    if errors:
        raise ValidationFailed(fields=errors)
    return event_id.strip(), event_type, data


def inventory_event_receive(*, tenant: Tenant, body: bytes, signature: str) -> tuple[InboundEvent, Fulfillment]:
    """Check the signature, refuse replays, and move the fulfillment through the claims service.

    Order of refusals, each of which changes nothing: 401 `signature_invalid` (no enabled inventory
    integration, a bad or missing signature, a timestamp outside the window), 400 `invalid_json` /
    `validation_error`, 409 `event_replayed` (this event id was already accepted), 404 `not_found` (no such
    fulfillment of this brand), 422 `event_kind_mismatch`, then the claims service's own refusals (409
    `invalid_transition`, `serial_already_registered`...), which also leave the event id unused.
    """
    endpoint = inventory_endpoint(tenant)
    try:
        secret = endpoint.secret() if endpoint is not None and endpoint.enabled else ""
    except crypto.SecretUnreadable:
        secret = ""
    if not http.signature_valid(secret, body, signature, tolerance=settings.AFTERSALE_WEBHOOK_REPLAY_WINDOW_SECONDS):
        raise SignatureInvalid()
    event = json_loads_checked(body)
    event_id, event_type, data = _inbound_fields(event)
    kind, steps = INBOUND_EVENTS[event_type]
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundEvent.objects.create(
                    tenant=tenant, event_id=event_id, event_type=event_type, fulfillment_id=data["fulfillment_id"][:32]
                )
        except IntegrityError:
            raise Conflict(
                "This event id was already received; it is not applied twice.", code=ClaimErrorCode.EVENT_REPLAYED,
            ) from None
        fulfillment = Fulfillment.objects.filter(tenant=tenant, id=data["fulfillment_id"]).first()
        if fulfillment is None:
            raise NotFound("There is no fulfillment with this id.")
        if fulfillment.kind != kind:
            raise ApiError(
                f"{event_type} applies to a {kind}; {fulfillment.id} is a {fulfillment.kind}.",
                code=ClaimErrorCode.EVENT_KIND_MISMATCH, status=422,
            )
        note = (data.get("note") or "").strip()[:2000]
        todo = list(steps[steps.index(fulfillment.status) + 1:]) if fulfillment.status in steps else list(steps)
        if not todo:
            raise Conflict(f"The {kind} is already {fulfillment.status}.", code=ClaimErrorCode.INVALID_TRANSITION)
        for index, status in enumerate(todo):
            last = index == len(todo) - 1
            fulfillment = fulfillment_update(
                tenant=tenant,
                fulfillment_id=fulfillment.id,
                actor=None,
                status=status,
                replacement_serial=data.get("replacement_serial") if event_type == "replacement.shipped" else None,
                note=f"Inventory system ({event_id}): {note}" if last and note else "",
            )
    return record, fulfillment
