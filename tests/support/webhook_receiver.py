"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that checks signatures and records bodies.

It can be down: `mode = "503"` answers 503, `stop()` closes the port (connection refused) and `start()` opens
the same port again; `mode = "trickle"` sends a 200 one byte every `trickle_seconds` (each read is quick, the
whole answer is not). `accepted` holds the bodies it answered 2xx to in full, in arrival order.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The shared secret of the inventory system the tests connect a brand to.
INVENTORY_SECRET = "inv_0123456789abcdefghijklmnopqrstuv"


class Receiver:
    def __init__(self, secret: str = ""):
        self.secret = secret
        self.mode = "ok"  # ok | 503 | trickle
        self.trickle_seconds = 0.05
        self.requests: list[dict] = []  # every request that reached us, answered or not
        self.accepted: list[dict] = []  # bodies answered 2xx
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        if self._server is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def signature_ok(self, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        expected = hmac.new(self.secret.encode(), f"{parts.get('t')}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", ""))

    def event_ids(self) -> list[str]:
        return [b["id"] for b in self.accepted]

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _trickle(self):
                answer = b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n" + b"o" * 40
                self.close_connection = True
                try:
                    for index in range(len(answer)):
                        self.wfile.write(answer[index : index + 1])
                        time.sleep(receiver.trickle_seconds)
                except OSError:  # the sender gave up on us
                    return None

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                signed = receiver.signature_ok(self.headers.get("Aftersale-Signature", ""), raw)
                record = {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": json.loads(raw),
                    "raw": raw,
                    "signed": signed,
                }
                with receiver._lock:
                    receiver.requests.append(record)
                    trickle = receiver.mode == "trickle"
                    status = 503 if receiver.mode == "503" else (200 if signed else 400)
                    if status == 200 and not trickle:
                        receiver.accepted.append(record["body"])
                if trickle:
                    return self._trickle()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"no")

        return Handler
