"""JSON over real HTTP to a server a test started: (status, parsed body), errors included."""

from __future__ import annotations

import json
import urllib.error
import urllib.request


def json_call(base: str, method: str, path: str, token: str | None = None, body: dict | None = None,
              timeout: float = 60) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
