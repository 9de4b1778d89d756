"""Whole-call time limits for outbound connections: a call ends by its deadline however slowly the peer answers.

A socket timeout bounds each read and write on its own, so a peer that sends a byte every 0.2 s keeps a call
going for as long as it likes. A `Deadline` shuts the call's sockets down when the call's time is up, which
wakes whatever connect, read or write is blocked on them (TLS included), and the call then fails with
`DeadlineExceeded`. It watches a duplicate of each socket's descriptor: the duplicate stays valid (and cannot be
reused by another connection) until the call is over, and `shutdown` acts on the connection behind every
descriptor of it, whichever object - a plain socket, its TLS wrapper - the call is reading through.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time


class DeadlineExceeded(TimeoutError):
    """The whole call took longer than its time limit."""


class Deadline:
    """`with Deadline(seconds) as deadline:` around one call; give its sockets to `watch` as they are made."""

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self._expires = time.monotonic() + self.seconds
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._finished = False
        self.expired = False
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        """Seconds left for the call; raises DeadlineExceeded when none are (use it as a connect timeout)."""
        left = self._expires - time.monotonic()
        if left <= 0 or self.expired:
            raise DeadlineExceeded(self.message())
        return left

    def message(self) -> str:
        return f"did not finish within {self.seconds:g} s"

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock`'s connection down when the time is up (at once if it already is)."""
        duplicate = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
        with self._lock:
            self._watched.append(duplicate)
            if self.expired:
                self._shutdown(duplicate)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed by the peer: nothing left to wake
            sock.shutdown(socket.SHUT_RDWR)

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
            for sock in self._watched:
                self._shutdown(sock)

    def __enter__(self) -> Deadline:
        self._timer = threading.Timer(max(self._expires - time.monotonic(), 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        with self._lock:
            self._finished = True
        if self._timer is not None:
            self._timer.cancel()
        for sock in self._watched:
            sock.close()
        self._watched.clear()
        if self.expired and not isinstance(exc, DeadlineExceeded) and (exc is None or isinstance(exc, Exception)):
            # Whatever the woken read or write reported (an error, or an early end of data a lenient reader
            # took for the whole answer), the call ran out of time: it failed.
            raise DeadlineExceeded(self.message()) from exc
        return False
