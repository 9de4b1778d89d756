"""A fake Shopify Admin API: a real HTTP server on 127.0.0.1 answering the GraphQL path from fixture orders."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "shpat_0123456789abcdef0123456789abWXYZ"
_PATH_RE = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
_TERM_RE = re.compile(r'(\w+):"((?:[^"\\]|\\.)*)"')


def order(name: str, email: str, date: str, *skus: str, number: int | None = None) -> dict:
    """An order node as the Admin API returns it."""
    return {
        "id": f"gid://shopify/Order/{number or abs(hash(name)) % 10**9}",
        "name": name,
        "email": email,
        "processedAt": f"{date}T15:04:05Z",
        "createdAt": f"{date}T15:04:05Z",
        "lineItems": {"nodes": [{"sku": sku} for sku in skus]},
    }


class FakeShopify:
    """Orders in `orders`; `script` holds the next answers to give instead of the normal one, in order:
    ("status", code, headers), ("hang", seconds), ("redirect", location), ("raw", body bytes) with 200,
    ("trickle", seconds): the normal answer sent one byte at a time, `seconds` apart (each read is quick, the
    whole answer is not), and ("hold",): wait until `release` is set, with `holding` set meanwhile."""

    def __init__(self):
        self.orders: list[dict] = []
        self.script: deque = deque()
        self.down = False  # every request answers 503 while set
        self.requests: list[dict] = []
        self.shop_name = "Northpeak Outdoor Store"
        self.holding = threading.Event()
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeShopify:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def answer(self, variables: dict, query: str) -> dict:
        if "shop {" in query or "shop{" in query:
            return {"data": {"shop": {"name": self.shop_name, "myshopifyDomain": "northpeak.myshopify.com"}}}
        terms = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _TERM_RE.findall(variables["query"])}
        found = []
        for o in self.orders:
            if "email" in terms and o["email"].lower() != terms["email"].lower():
                continue
            if "name" in terms and o["name"].lstrip("#") != terms["name"].lstrip("#"):
                continue
            found.append(o)
        return {"data": {"orders": {"nodes": found[: variables.get("first", 50)]}}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict | None = None, headers: dict | None = None):
                raw = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _trickle(self, interval: float, body: dict):
                raw = json.dumps(body).encode()
                answer = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(raw)}\r\n"
                    "Connection: close\r\n\r\n"
                ).encode() + raw
                self.close_connection = True
                try:
                    for index in range(len(answer)):
                        self.wfile.write(answer[index : index + 1])
                        time.sleep(interval)
                except OSError:  # the client gave up on us
                    return None

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(
                    {"path": self.path, "token": self.headers.get("X-Shopify-Access-Token"), "payload": payload}
                )
                if not _PATH_RE.match(self.path):
                    return self._send(404, {"errors": "Not Found"})
                if fake.script:
                    step = fake.script.popleft()
                    if step[0] == "status":
                        return self._send(step[1], {"errors": "scripted"}, step[2] if len(step) > 2 else None)
                    if step[0] == "hang":
                        time.sleep(step[1])
                    if step[0] == "redirect":
                        return self._send(302, {}, {"Location": step[1]})
                    if step[0] == "trickle":
                        return self._trickle(step[1], fake.answer(payload.get("variables") or {}, payload.get("query", "")))
                    if step[0] == "hold":
                        fake.holding.set()
                        fake.release.wait(60)
                    if step[0] == "raw":
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(step[1])))
                        self.end_headers()
                        return self.wfile.write(step[1])
                if fake.down:
                    return self._send(503, {"errors": "Service Unavailable"})
                if self.headers.get("X-Shopify-Access-Token") != TOKEN:
                    return self._send(401, {"errors": "[API] Invalid API key or access token"})
                try:
                    return self._send(200, fake.answer(payload.get("variables") or {}, payload.get("query", "")))
                except (BrokenPipeError, ConnectionResetError):
                    return None

        return Handler
