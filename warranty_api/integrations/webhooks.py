"""Signed webhook HTTP: the signature scheme, and one POST to where a brand asked (outbound.py's rules).

Signature (both directions): `Aftersale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC keyed with
the endpoint's secret over the bytes `"<t>." + body`, as Stripe signs. A receiver recomputes it, compares in
constant time, and refuses a `t` outside its replay window. Several `v1=` may appear (one per secret being
rotated); one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from warranty_api.integrations import outbound
from warranty_api.integrations.outbound import UnsafeDestination as UnsafeDestination
from warranty_api.integrations.outbound import url_problem as url_problem

SIGNATURE_HEADER = "Aftersale-Signature"
EVENT_ID_HEADER = "Aftersale-Event-Id"
EVENT_TYPE_HEADER = "Aftersale-Event-Type"
DELIVERY_ID_HEADER = "Aftersale-Delivery-Id"
USER_AGENT = "Aftersale-Webhooks/1.0"
_MAX_RESPONSE = 2048


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body` signed now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def parse_signature(header: str) -> tuple[int | None, list[str]]:
    """(timestamp, [v1 digests]) from a header value; (None, []) when it is not in the expected form."""
    timestamp, digests = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and timestamp is None:
            timestamp = int(value)
        elif key == "v1" and value:
            digests.append(value)
    return timestamp, digests


def signature_valid(secret: str, body: bytes, header: str, *, tolerance: int, now: float | None = None) -> bool:
    """True when one v1 digest matches (constant-time compare) and `t` is within `tolerance` seconds of now."""
    timestamp, digests = parse_signature(header)
    if timestamp is None or not digests or not secret:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    matched = False
    for digest in digests:  # every candidate is compared, so the time taken says nothing about which matched
        matched |= hmac.compare_digest(expected, digest)
    current = time.time() if now is None else now
    return matched and abs(current - timestamp) <= tolerance


@dataclass(frozen=True)
class PostResult:
    status: int
    body_excerpt: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> PostResult:
    """POST once, no redirects, all of it within `timeout` seconds; raises UnsafeDestination or OSError
    (refused, timed out, TLS) on failure."""
    response = outbound.request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        timeout=timeout,
        max_body=_MAX_RESPONSE,
    )
    excerpt = response.body[:_MAX_RESPONSE].decode("utf-8", "replace")
    return PostResult(status=response.status, body_excerpt=excerpt)
