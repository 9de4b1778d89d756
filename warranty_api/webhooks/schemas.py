"""The webhook contract: a JSON Schema and an example of every event we send and every inventory event we accept.

Served at `GET /api/webhooks/schemas` (views/system.py) and summarised in the README; the tests validate every
event the services emit against these schemas, so the code cannot drift from what receivers are told. An
event type added to services/webhooks.py needs its entry here (a test fails until it has one).
"""

from __future__ import annotations

import copy

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_TIMESTAMP = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _id(prefix: str) -> dict:
    return {"type": "string", "pattern": f"^{prefix}[A-Za-z0-9]+$"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict, **extra) -> dict:
    """An object with exactly these keys, all present (a value may still be null where its schema says so)."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False,
            **extra}


_TEXT = {"type": "string"}
_WARRANTY_STATUSES = ["active", "pending_verification", "void", "transferred"]
_VERIFICATIONS = ["off", "pending", "verified", "not_found", "mismatch", "error", "overridden"]
_CLAIM_STATUSES = ["submitted", "under_review", "info_requested", "approved", "denied", "resolved"]
_FULFILLMENT_KINDS = ["return_authorization", "replacement", "repair", "refund"]
_FULFILLMENT_STATUSES = ["requested", "shipped", "received", "repaired", "refunded", "completed", "cancelled"]

WARRANTY = _object(
    {
        "id": _id("wty_"),
        "serial_number": _TEXT,
        "status": {"enum": _WARRANTY_STATUSES},
        "product": _object({"sku": _TEXT, "name": _TEXT}),
        "purchase_date": _DATE,
        "warranty_start": _DATE,
        "warranty_end": _DATE,
        "coverage": {"enum": ["full_replacement", "repair", "limited"]},
        "verification": {"enum": _VERIFICATIONS},
        "replaces": _nullable(_id("wty_")),
        "customer": _object({"email": _TEXT, "name": _TEXT}),
    },
    description="A registered product. `status` is stored, so `expired` never appears: compare `warranty_end`.",
)
CLAIM = _object(
    {
        "id": _id("clm_"),
        "warranty_id": _id("wty_"),
        "status": {"enum": _CLAIM_STATUSES},
        "issue_type": _TEXT,
        "description": _TEXT,
        "preferred_resolution": _nullable(_TEXT),
        "resolution": _nullable(_TEXT),
        "created_at": _TIMESTAMP,
        "status_changed_at": _nullable(_TIMESTAMP),
        "resolved_at": _nullable(_TIMESTAMP),
    },
    description="A claim; staff's internal notes are never included.",
)
FULFILLMENT = _object(
    {
        "id": _id("ful_"),
        "claim_id": _id("clm_"),
        "kind": {"enum": _FULFILLMENT_KINDS},
        "status": {"enum": _FULFILLMENT_STATUSES},
        "rma_number": _nullable(_TEXT),
        "replacement_serial": _nullable(_TEXT),
        "replacement_warranty_id": _nullable(_id("wty_")),
        "created_at": _TIMESTAMP,
        "updated_at": _TIMESTAMP,
    },
    description="Work an approved claim needs: a return authorization, a replacement, a repair or a refund.",
)
FULFILLMENT_REQUEST = _object(
    {
        "fulfillment": FULFILLMENT,
        "claim": CLAIM,
        "warranty": WARRANTY,
        "customer": _object(
            {
                "name": _TEXT,
                "email": _TEXT,
                "phone": _nullable(_TEXT),
                "address": _nullable({"type": "object", "additionalProperties": {"type": "string"}}),
            }
        ),
    }
)

_EXAMPLE_WARRANTY = {
    "id": "wty_8fK2mQ4rT7vX1zB3nC5d",
    "serial_number": "SN-CA-20250115",
    "status": "active",
    "product": {"sku": "TP9-ELITE-SC", "name": "TP9 Elite SC"},
    "purchase_date": "2026-10-02",
    "warranty_start": "2026-10-02",
    "warranty_end": "2028-10-02",
    "coverage": "full_replacement",
    "verification": "verified",
    "replaces": None,
    "customer": {"email": "owner@example.com", "name": "Ann Owner"},
}
_EXAMPLE_CLAIM = {
    "id": "clm_3hJ9kL2mN4pQ6rS8tV0w",
    "warranty_id": "wty_8fK2mQ4rT7vX1zB3nC5d",
    "status": "approved",
    "issue_type": "malfunction",
    "description": "The slide release is stiff.",
    "preferred_resolution": "replacement",
    "resolution": "replacement",
    "created_at": "2026-11-02T09:14:03.512204Z",
    "status_changed_at": "2026-11-03T15:40:11.094310Z",
    "resolved_at": None,
}
_EXAMPLE_FULFILLMENT = {
    "id": "ful_6yT1uI3oP5aS7dF9gH2j",
    "claim_id": "clm_3hJ9kL2mN4pQ6rS8tV0w",
    "kind": "replacement",
    "status": "requested",
    "rma_number": None,
    "replacement_serial": None,
    "replacement_warranty_id": None,
    "created_at": "2026-11-03T15:40:11.101442Z",
    "updated_at": "2026-11-03T15:40:11.101442Z",
}

# type -> (who receives it, when, the schema of `data`, an example `data`).
OUTBOUND: dict[str, tuple[str, str, dict, dict]] = {
    "warranty.registered": (
        "apps",
        "A product was registered (by a customer, anonymously, or as a claim's replacement unit).",
        _object({"warranty": WARRANTY}),
        {"warranty": _EXAMPLE_WARRANTY},
    ),
    "warranty.updated": (
        "apps",
        "A warranty changed: its status, its verification, its owner (a transfer).",
        _object({"warranty": WARRANTY}),
        {"warranty": {**_EXAMPLE_WARRANTY, "status": "transferred"}},
    ),
    "claim.created": (
        "apps",
        "A customer filed a claim.",
        _object({"claim": CLAIM}),
        {"claim": {**_EXAMPLE_CLAIM, "status": "submitted", "resolution": None, "status_changed_at": None}},
    ),
    "claim.status_changed": (
        "apps",
        "A claim moved to another status (from_status -> to_status); the claim as it is after the change.",
        _object({"claim": CLAIM, "from_status": {"enum": _CLAIM_STATUSES}, "to_status": {"enum": _CLAIM_STATUSES}}),
        {"claim": _EXAMPLE_CLAIM, "from_status": "under_review", "to_status": "approved"},
    ),
    "fulfillment.updated": (
        "apps",
        "A fulfillment moved to another status (staff, or the inventory system's report).",
        _object({"fulfillment": FULFILLMENT}),
        {"fulfillment": {**_EXAMPLE_FULFILLMENT, "status": "shipped", "replacement_serial": "SN-CA-77770001"}},
    ),
    "customer.consent_changed": (
        "apps",
        "A customer answered the brand's marketing opt-in (registration, sign-up or their account): granted or "
        "withdrawn, with the wording they saw. `email_confirmed` is false while the email was not yet confirmed "
        "by its owner (a brand that needs double opt-in waits for a confirmed answer).",
        _object({
            "id": _id("cns_"),
            "customer": _object({"id": _id("cus_"), "email": _TEXT, "name": _TEXT}),
            "granted": {"type": "boolean"},
            "text": _TEXT,
            "text_version": {"type": "string", "pattern": "^[0-9a-f]{12}$"},
            "language": _TEXT,
            "source": {"enum": ["registration", "sign_up", "account"]},
            "email_confirmed": {"type": "boolean"},
            "at": _TIMESTAMP,
        }),
        {"id": "cns_9kLm2nB4vC6xZ8qW0eR2", "customer": {"id": "cus_1aS3dF5gH7jK9lQ2wE4r",
                                                       "email": "owner@example.com", "name": "Ann Owner"},
         "granted": True, "text": "Email me Ridgeline's news, service notices and offers.",
         "text_version": "3f2a9c1b7e40", "language": "en", "source": "sign_up", "email_confirmed": False,
         "at": "2026-11-03T15:40:11.230518Z"},
    ),
    "fulfillment.requested": (
        "the inventory system",
        "An approved claim needs this work done; report progress with the inbound events.",
        FULFILLMENT_REQUEST,
        {
            "fulfillment": _EXAMPLE_FULFILLMENT,
            "claim": _EXAMPLE_CLAIM,
            "warranty": _EXAMPLE_WARRANTY,
            "customer": {
                "name": "Ann Owner",
                "email": "owner@example.com",
                "phone": "+1 555 0100",
                "address": {"street": "1 Ridge Road", "city": "Boulder", "zip": "80302", "country": "US"},
            },
        },
    ),
    "fulfillment.cancelled": (
        "the inventory system",
        "Work requested earlier is no longer wanted (the fulfillment as it was requested).",
        FULFILLMENT_REQUEST,
        {
            "fulfillment": {**_EXAMPLE_FULFILLMENT, "status": "cancelled"},
            "claim": _EXAMPLE_CLAIM,
            "warranty": _EXAMPLE_WARRANTY,
            "customer": {"name": "Ann Owner", "email": "owner@example.com", "phone": None, "address": None},
        },
    ),
}

_FULFILLMENT_ID = {"type": "string", "minLength": 1, "description": "The ful_... id of the fulfillment request."}
_NOTE = {"type": "string", "description": "Free text added to the claim's history (at most 2,000 characters kept)."}

# type -> (what it reports, the fulfillment kind it applies to, the schema of `data`, an example `data`).
INBOUND: dict[str, tuple[str, str, dict, dict]] = {
    "return.received": (
        "The faulty unit arrived back.", "return_authorization",
        {"type": "object", "properties": {"fulfillment_id": _FULFILLMENT_ID, "note": _NOTE},
         "required": ["fulfillment_id"], "not": {"required": ["replacement_serial"]}},
        {"fulfillment_id": "ful_2qW4eR6tY8uI0oP1aS3d", "note": "Box intact."},
    ),
    "replacement.shipped": (
        "The replacement unit left; its serial becomes the customer's new warranty.", "replacement",
        {"type": "object",
         "properties": {"fulfillment_id": _FULFILLMENT_ID, "replacement_serial": {"type": "string", "pattern": r"\S"},
                        "note": _NOTE},
         "required": ["fulfillment_id", "replacement_serial"]},
        {"fulfillment_id": "ful_6yT1uI3oP5aS7dF9gH2j", "replacement_serial": "SN-CA-77770001",
         "note": "UPS 1Z999AA10123456784"},
    ),
    "repair.received": (
        "The unit to repair arrived.", "repair",
        {"type": "object", "properties": {"fulfillment_id": _FULFILLMENT_ID, "note": _NOTE},
         "required": ["fulfillment_id"], "not": {"required": ["replacement_serial"]}},
        {"fulfillment_id": "ful_9kL1jH3gF5dS7aP9oI2u"},
    ),
    "repair.completed": (
        "The repair is done (a repair still `requested` passes through `received`).", "repair",
        {"type": "object", "properties": {"fulfillment_id": _FULFILLMENT_ID, "note": _NOTE},
         "required": ["fulfillment_id"], "not": {"required": ["replacement_serial"]}},
        {"fulfillment_id": "ful_9kL1jH3gF5dS7aP9oI2u", "note": "Replaced the slide spring."},
    ),
    "repair.shipped": (
        "The repaired unit left for the customer.", "repair",
        {"type": "object", "properties": {"fulfillment_id": _FULFILLMENT_ID, "note": _NOTE},
         "required": ["fulfillment_id"], "not": {"required": ["replacement_serial"]}},
        {"fulfillment_id": "ful_9kL1jH3gF5dS7aP9oI2u"},
    ),
    "refund.completed": (
        "The refund was paid.", "refund",
        {"type": "object", "properties": {"fulfillment_id": _FULFILLMENT_ID, "note": _NOTE},
         "required": ["fulfillment_id"], "not": {"required": ["replacement_serial"]}},
        {"fulfillment_id": "ful_5zX7cV9bN1mQ3wE5rT7y"},
    ),
}


def outbound_event_schema(event_type: str) -> dict:
    """The schema of a whole outbound request body of `event_type` (the envelope with its `data`)."""
    _to, _when, data, _example = OUTBOUND[event_type]
    return {
        "$schema": SCHEMA_DIALECT,
        "title": event_type,
        **_object(
            {
                "id": {**_id("evt_"), "description": "The same on every retry: de-duplicate on it."},
                "type": {"const": event_type},
                "created_at": _TIMESTAMP,
                "tenant": {"type": "string", "description": "The brand's slug."},
                "data": copy.deepcopy(data),
            }
        ),
    }


def inbound_event_schema(event_type: str) -> dict:
    """The schema of an inventory event body of `event_type` that `POST .../integrations/inventory/events` takes."""
    _what, _kind, data, _example = INBOUND[event_type]
    return {
        "$schema": SCHEMA_DIALECT,
        "title": event_type,
        "type": "object",
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S",
                   "description": "Your unique id of the event; a second event with the same id is refused."},
            "type": {"const": event_type},
            "data": copy.deepcopy(data),
        },
        "required": ["id", "type", "data"],
    }


def outbound_example(event_type: str) -> dict:
    return {
        "id": "evt_4rT6yU8iO0pA2sD4fG6h",
        "type": event_type,
        "created_at": "2026-11-03T15:40:11.230518Z",
        "tenant": "ridgeline",
        "data": copy.deepcopy(OUTBOUND[event_type][3]),
    }


def inbound_example(event_type: str) -> dict:
    return {"id": f"inv-{event_type.replace('.', '-')}-1001", "type": event_type,
            "data": copy.deepcopy(INBOUND[event_type][3])}


def webhook_schemas_document() -> dict:
    """Everything a receiver or an inventory system needs, as `GET /api/webhooks/schemas` serves it."""
    return {
        "signature": {
            "header": "Aftersale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.' + raw body)>",
            "replay_window_seconds": 300,
            "other_headers": ["Aftersale-Event-Id", "Aftersale-Event-Type", "Aftersale-Delivery-Id"],
        },
        "outbound": {
            event_type: {
                "sent_to": sent_to,
                "when": when,
                "schema": outbound_event_schema(event_type),
                "example": outbound_example(event_type),
            }
            for event_type, (sent_to, when, _data, _example) in OUTBOUND.items()
        },
        "inbound": {
            event_type: {
                "reports": what,
                "applies_to": kind,
                "schema": inbound_event_schema(event_type),
                "example": inbound_example(event_type),
            }
            for event_type, (what, kind, _data, _example) in INBOUND.items()
        },
    }
