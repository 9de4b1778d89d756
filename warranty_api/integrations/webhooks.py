"""Signed webhook HTTP: the signature scheme, the rules for where we may send, and one POST with a timeout.

Signature (both directions): `Aftersale-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC keyed with
the endpoint's secret over the bytes `"<t>." + body`, as Stripe signs. A receiver recomputes it, compares in
constant time, and refuses a `t` outside its replay window. Several `v1=` may appear (one per secret being
rotated); one matching is enough.

Why http.client and not urllib: the destination is checked (https, a public address) and the connection is
then made to the very address that was checked, so a DNS answer that changes between the check and the
connect cannot point us at an internal service; urllib would also follow redirects, which we never do.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

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


# ------------------------------------------------------------------------------------------- destinations


class UnsafeDestination(Exception):
    """The URL may not be called from here: not https, a private or loopback address, or unresolvable."""


def _allowed_http_hosts() -> set[str]:
    return set(getattr(settings, "AFTERSALE_WEBHOOK_ALLOW_HTTP_HOSTS", []) or [])


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook endpoint (a sentence), or None. No DNS here; sending checks the address."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return "Give a full URL, like https://example.com/hooks."
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "Give a full URL, like https://example.com/hooks."
    if parts.username or parts.password:
        return "Put no user name or password in the URL; the signature authenticates us."
    if parts.fragment:
        return "A webhook URL has no #fragment."
    if port is not None and not 0 < port < 65536:
        return "The port is not valid."
    allowed = host in _allowed_http_hosts()
    if parts.scheme != "https" and not allowed:
        return "Webhook URLs must use https."
    if allowed:
        return None
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return "The URL must point to a public address."
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return None if _public(str(literal)) else "The URL must point to a public address."


def _vetted_address(host: str, port: int) -> str:
    """An address of `host` that may be called; every address the name resolves to must be public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeDestination(f"cannot resolve {host}: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeDestination(f"cannot resolve {host}")
    if host not in _allowed_http_hosts():
        bad = [a for a in addresses if not _public(a)]
        if bad:
            raise UnsafeDestination(f"{host} resolves to a non-public address ({bad[0]})")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    status: int
    body_excerpt: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> PostResult:
    """POST once, no redirects; raises UnsafeDestination or OSError (refused, timeout, TLS) on failure."""
    problem = url_problem(url)
    if problem:
        raise UnsafeDestination(problem)
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _vetted_address(parts.hostname, port)
    cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = cls(parts.hostname, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = connection.getresponse()
        excerpt = response.read(_MAX_RESPONSE).decode("utf-8", "replace")
        return PostResult(status=response.status, body_excerpt=excerpt)
    except http.client.HTTPException as exc:
        raise OSError(f"bad HTTP answer: {exc.__class__.__name__}") from exc
    finally:
        connection.close()
