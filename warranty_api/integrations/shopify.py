"""A small typed client for a store's Shopify Admin GraphQL API, built on the ShopifyAPI package.

Why not `shopify.GraphQL().execute()` itself: it calls `urlopen` with no timeout (a stalled store would hold a
worker for ever), follows redirects carrying the access token, prints error bodies to stdout, and reads the
session from class-level state shared by every thread. So the package is used for what it is good at - turning
(shop, version, token) into the endpoint URL and headers - under a lock, with the session activated and cleared
around that alone; the request itself is ours (outbound.py): a timeout for the whole call, the store's address
checked as every brand-set destination is, no redirects, bounded reads, errors mapped to a few exception types
the caller can act on.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field

import shopify
from django.conf import settings

from warranty_api.core.exceptions import ApiError
from warranty_api.core.parsers import json_loads_checked
from warranty_api.integrations import outbound
from warranty_api.integrations.error_codes import ShopifyErrorCode

SHOP_DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$")
API_VERSION_RE = re.compile(r"^(\d{4}-\d{2}|unstable)$")
_MAX_BODY = 4 * 1024 * 1024
_session_lock = threading.Lock()


class ShopifyError(Exception):
    """A call to Shopify failed. `code` is stable (it reaches the API as an error code); the text never holds
    the access token."""

    code = ShopifyErrorCode.SHOPIFY_ERROR
    retryable = True


class ShopifyUnavailable(ShopifyError):
    """Network failure, a timeout, a 5xx or an unreadable answer: try again later."""

    code = ShopifyErrorCode.SHOPIFY_UNAVAILABLE


class ShopifyTimeout(ShopifyUnavailable):
    code = ShopifyErrorCode.SHOPIFY_TIMEOUT


class ShopifyThrottled(ShopifyError):
    """HTTP 429 or a GraphQL THROTTLED error; `retry_after` is in seconds."""

    code = ShopifyErrorCode.SHOPIFY_THROTTLED

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class ShopifyAuthFailed(ShopifyError):
    """401/403: the token is wrong, revoked or lacks the read_orders scope."""

    code = ShopifyErrorCode.SHOPIFY_AUTH_FAILED


class ShopifyBadConfig(ShopifyError):
    """The connection's settings cannot be used (bad domain, version, or a base URL not allowed here)."""

    code = ShopifyErrorCode.SHOPIFY_BAD_CONFIG
    retryable = False


@dataclass(frozen=True)
class ShopifyCredentials:
    shop_domain: str
    access_token: str = field(repr=False)
    api_version: str
    api_base_url: str = ""


@dataclass(frozen=True)
class ShopifyOrder:
    id: str
    name: str
    email: str
    processed_at: datetime.datetime | None
    skus: tuple[str, ...]

    @property
    def date(self) -> datetime.date | None:
        return self.processed_at.date() if self.processed_at else None


def base_url_allowed(url: str) -> bool:
    """An api_base_url override is only for hosts on OUTBOUND_HTTP_ALLOW_HOSTS (a test's or staging's fake)."""
    parts = urllib.parse.urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and (parts.hostname or "").lower() in outbound.allowed_http_hosts()
        and not parts.username
        and parts.path in ("", "/")
        and not parts.query
    )


def _retry_after_seconds(value: str | None, default: float = 2.0) -> float:
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max((when - datetime.datetime.now(datetime.UTC)).total_seconds(), 0.0)


def _parse_time(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


class ShopifyClient:
    """One store's Admin GraphQL API. Every call has `timeout` seconds in all (connect, TLS, sending and every
    read together: outbound.request)."""

    def __init__(self, credentials: ShopifyCredentials, *, timeout: float | None = None):
        self.credentials = credentials
        self.timeout = timeout if timeout is not None else settings.AFTERSALE_SHOPIFY_TIMEOUT

    def _target(self) -> tuple[str, dict[str, str]]:
        """The GraphQL endpoint and headers, as the package builds them, with its global session left clear."""
        creds = self.credentials
        if not SHOP_DOMAIN_RE.match(creds.shop_domain or ""):
            raise ShopifyBadConfig("The shop domain is not a *.myshopify.com domain.")
        if not API_VERSION_RE.match(creds.api_version or ""):
            raise ShopifyBadConfig("The API version is not of the form YYYY-MM.")
        if not creds.access_token:
            raise ShopifyBadConfig("No access token is set.")
        if creds.api_base_url and not base_url_allowed(creds.api_base_url):
            raise ShopifyBadConfig("The API base URL override is not allowed on this installation.")
        session = shopify.Session(creds.shop_domain, creds.api_version, creds.access_token)
        with _session_lock:
            shopify.ShopifyResource.activate_session(session)
            try:
                graphql = shopify.GraphQL()
                endpoint, headers = graphql.endpoint, dict(graphql.headers)
            finally:
                shopify.ShopifyResource.clear_session()
        if creds.api_base_url:
            path = urllib.parse.urlsplit(endpoint).path
            endpoint = creds.api_base_url.rstrip("/") + path
        headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        return endpoint, headers

    def execute(self, query: str, variables: dict | None = None) -> dict:
        """Run one GraphQL operation and answer its `data`; raise a ShopifyError subclass on any failure."""
        endpoint, headers = self._target()
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        try:
            response = outbound.request(
                "POST", endpoint, body=body, headers=headers, timeout=self.timeout, max_body=_MAX_BODY
            )
        except outbound.UnsafeDestination as exc:
            raise ShopifyBadConfig(f"The store cannot be called from here: {exc}") from exc
        except TimeoutError as exc:
            raise ShopifyTimeout(f"Shopify did not answer within {self.timeout:g} s.") from exc
        except OSError as exc:
            raise ShopifyUnavailable(f"Shopify could not be reached: {exc.__class__.__name__}.") from exc
        if response.status != 200:
            self._raise_for_status(response.status, response.headers)
        if len(response.body) > _MAX_BODY:
            raise ShopifyUnavailable("Shopify's answer was too large.")
        try:
            payload = json_loads_checked(response.body)
        except ApiError as exc:  # not JSON, nested past our depth limit, or text we could not store
            raise ShopifyUnavailable("Shopify's answer was not JSON we can read.") from exc
        if not isinstance(payload, dict):
            raise ShopifyUnavailable("Shopify's answer held no data.")
        self._raise_for_graphql_errors(payload)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise ShopifyUnavailable("Shopify's answer held no data.")
        return data

    def _raise_for_status(self, status: int, headers) -> None:
        if status == 429:
            retry_after = _retry_after_seconds(headers.get("Retry-After"))
            raise ShopifyThrottled(f"Shopify throttled the request (retry after {retry_after:g} s).", retry_after)
        if status in (401, 403):
            raise ShopifyAuthFailed(f"Shopify refused the access token (HTTP {status}).")
        if status >= 500:
            raise ShopifyUnavailable(f"Shopify answered HTTP {status}.")
        if status in (301, 302, 303, 307, 308):
            raise ShopifyBadConfig(f"Shopify redirected the request (HTTP {status}); check the shop domain.")
        if status == 404:
            raise ShopifyBadConfig("Shopify answered 404: check the shop domain and API version.")
        if 200 <= status < 400:
            raise ShopifyUnavailable(f"Shopify answered HTTP {status}.")
        raise ShopifyError(f"Shopify refused the request (HTTP {status}).")

    @staticmethod
    def _raise_for_graphql_errors(payload: dict) -> None:
        errors = payload.get("errors")
        if not errors:
            return
        if isinstance(errors, str):  # REST-style {"errors": "..."} on auth failures
            raise ShopifyAuthFailed("Shopify refused the access token.")
        codes = {str((e.get("extensions") or {}).get("code", "")) for e in errors if isinstance(e, dict)}
        if "THROTTLED" in codes:
            # The cost-based limit: wait until enough points are restored for a query like this one.
            throttle = ((payload.get("extensions") or {}).get("cost") or {}).get("throttleStatus") or {}
            rate = float(throttle.get("restoreRate") or 50) or 50.0
            needed = float(((payload.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost") or rate)
            available = float(throttle.get("currentlyAvailable") or 0)
            raise ShopifyThrottled("Shopify throttled the query.", max((needed - available) / rate, 1.0))
        if codes & {"ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN"}:
            raise ShopifyAuthFailed("Shopify refused access (check the token's read_orders scope).")
        first = errors[0].get("message", "") if isinstance(errors[0], dict) else str(errors[0])
        raise ShopifyError(f"Shopify refused the query: {str(first)[:200]}")

    # The operations the product needs.

    SHOP_QUERY = "query AftersaleConnectionTest { shop { name myshopifyDomain } }"

    ORDERS_QUERY = """
query AftersaleOrders($query: String!, $first: Int!) {
  orders(first: $first, query: $query, sortKey: PROCESSED_AT, reverse: true) {
    nodes {
      id
      name
      email
      processedAt
      createdAt
      lineItems(first: 100) { nodes { sku } }
    }
  }
}
"""

    def shop_name(self) -> str:
        shop = self.execute(self.SHOP_QUERY).get("shop") or {}
        return str(shop.get("name") or "")

    def orders(self, *, email: str | None = None, name: str | None = None, first: int = 50) -> list[ShopifyOrder]:
        """Orders matching an email and/or an order name (newest first), from Shopify's search syntax."""
        terms = []
        if email:
            terms.append(f"email:{_quote(email)}")
        if name:
            terms.append(f"name:{_quote(name)}")
        data = self.execute(self.ORDERS_QUERY, {"query": " ".join(terms), "first": first})
        nodes = ((data.get("orders") or {}).get("nodes")) or []
        out = []
        for node in nodes:
            items = ((node.get("lineItems") or {}).get("nodes")) or []
            out.append(
                ShopifyOrder(
                    id=str(node.get("id") or ""),
                    name=str(node.get("name") or ""),
                    email=str(node.get("email") or ""),
                    processed_at=_parse_time(node.get("processedAt") or node.get("createdAt")),
                    skus=tuple(str(i.get("sku") or "") for i in items if isinstance(i, dict)),
                )
            )
        return out


def _quote(value: str) -> str:
    """A search value in double quotes, so spaces and colons in it cannot add terms to the query."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
