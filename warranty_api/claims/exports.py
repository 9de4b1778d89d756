"""The staff claim queue as CSV rows (the same filters and order as the JSON queue), service levels and risk included."""

from __future__ import annotations

from collections.abc import Iterator

from warranty_api.claims.sla import sla_state

CHUNK = 2000
CLAIM_HEADER = ["id", "reference", "status", "issue_type", "preferred_resolution", "resolution", "warranty_id",
                "serial_number", "sku", "customer_email", "assignee", "photo_count", "created_at", "first_responded_at",
                "decided_at", "resolved_at", "first_response_due_at", "resolution_due_at", "sla_state", "risk_level",
                "risk_score", "risk_reasons"]


def claim_rows(qs) -> Iterator[list]:
    qs = qs.select_related("warranty__product", "warranty__customer", "assignee")
    for c in qs.iterator(chunk_size=CHUNK):
        yield [c.id, c.reference, c.status, c.issue_type, c.preferred_resolution, c.resolution, c.warranty_id,
               c.warranty.serial_number, c.warranty.product.sku, c.warranty.customer.email,
               c.assignee.email if c.assignee else "", c.photo_count, c.created_at, c.first_responded_at,
               c.decided_at, c.resolved_at, c.first_response_due_at, c.resolution_due_at, sla_state(c),
               c.risk_level, c.risk_score, ",".join(r["code"] for r in c.risk_reasons or [])]
