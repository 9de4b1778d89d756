"""Waiting on another process (a worker, a replica, a server): poll a predicate until it holds or time runs out."""

from __future__ import annotations

import time


def wait_until(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
