"""Outbound HTTP to a place a brand chose (its webhooks, its inventory system, its Shopify store): where we may
connect, and one request bounded as a whole.

Where: https to an address that reaches the public internet, judged by what the address reaches rather than by
Python's `is_global` (which calls `::127.0.0.1`, NAT64 `64:ff9b::/96` and 6to4 `2002::/16` forms of private
space global): an IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4) is judged by that IPv4 address,
other IPv6 must be global unicast (2000::/3) outside the special blocks, IPv4 outside every private, shared,
loopback, link-local, documentation and reserved block. Every address a name resolves to must pass, and the
connection is made to the very address that was checked, so a DNS answer that changes in between cannot
point us inside. Hosts on `OUTBOUND_HTTP_ALLOW_HOSTS` (tests and staging fakes; empty and refused in
production) may be called over plain http and skip the address rule. A refusal never says which address a
name resolved to: that would tell a brand about the network we run in.

How long: the timeout is for the whole call (connect, TLS, sending, every read; deadline.py), not per read.
No redirects are ever followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from dataclasses import dataclass

from django.conf import settings

from warranty_api.integrations.deadline import Deadline

_V4_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local (cloud metadata services live here)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
_V6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_V6_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        "2001::/23",  # IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")


class UnsafeDestination(Exception):
    """The URL may not be called from here: not https, not a public address, or unresolvable."""


def allowed_http_hosts() -> set[str]:
    return {host.lower() for host in getattr(settings, "AFTERSALE_OUTBOUND_HTTP_ALLOW_HOSTS", []) or []}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one reaches through a translation or tunnel the network may offer."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def reaches_public(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True when a connection to `address` ends up on the public internet, not inside a network of ours."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is None:
            return ip in _V6_GLOBAL_UNICAST and not any(ip in block for block in _V6_NOT_PUBLIC)
        ip = embedded
    return not any(ip in block for block in _V4_NOT_PUBLIC)


def _numeric_address(host: str) -> str | None:
    """The address a host written as a number means (`[::1]`, `127.1`, `2130706433`, `0x7f.1`), with no DNS."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        return None
    return infos[0][4][0] if infos else None


def url_problem(url: str, *, purpose: str = "Webhook") -> str | None:
    """Why `url` cannot be called (a sentence for the person who set it), or None. No DNS here: each call checks
    the addresses the name resolves to."""
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
        return f"A {purpose.lower()} URL has no #fragment."
    if port is not None and not 0 < port < 65536:
        return "The port is not valid."
    allowed = host in allowed_http_hosts()
    if parts.scheme != "https" and not allowed:
        return f"{purpose} URLs must use https."
    if allowed:
        return None
    name = host.rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return "The URL must point to a public address."
    literal = _numeric_address(host)
    if literal is not None and not reaches_public(literal):
        return "The URL must point to a public address."
    return None


def vetted_address(host: str, port: int) -> str:
    """An address of `host` that may be called; every address the name resolves to must reach the public
    internet (unless the host is on the allow-list)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeDestination(f"The host name {host} cannot be resolved.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeDestination(f"The host name {host} cannot be resolved.")
    if host.lower() not in allowed_http_hosts() and not all(reaches_public(a) for a in addresses):
        raise UnsafeDestination(f"The host name {host} resolves to an address that is not public.")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, under the call's deadline."""

    def __init__(self, host, port, *, address: str, deadline: Deadline):
        super().__init__(host, port, timeout=deadline.seconds)
        self._address, self._deadline = address, deadline

    def _open_socket(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self._deadline.remaining())
        self._deadline.watch(sock)
        return sock

    def connect(self):
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self):
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open_socket(), server_hostname=self.host)


@dataclass(frozen=True)
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def request(method: str, url: str, *, body: bytes, headers: dict[str, str], timeout: float, max_body: int) -> Response:
    """One request, no redirects, all of it within `timeout` seconds; at most `max_body` + 1 bytes of the answer
    are read. Raises UnsafeDestination, TimeoutError (DeadlineExceeded or a socket timeout), or OSError."""
    problem = url_problem(url)
    if problem:
        raise UnsafeDestination(problem)
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = vetted_address(parts.hostname, port)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    with Deadline(timeout) as deadline:
        cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = cls(parts.hostname, port, address=address, deadline=deadline)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(max_body + 1)
            return Response(status=response.status, headers=response.headers, body=data)
        except http.client.HTTPException as exc:
            raise OSError(f"The answer was not valid HTTP ({exc.__class__.__name__}).") from exc
        finally:
            connection.close()
