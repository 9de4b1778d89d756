"""A real SMTP server on 127.0.0.1 (aiosmtpd) whose behaviour a test can steer."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SteerableHandler:
    """Accepts mail, but can refuse the next N messages (451) or hold one in DATA until released."""

    refuse_next: int = 0
    hold_next: bool = False
    delivered: list = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        if self.hold_next:
            self.hold_next = False
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Requested action aborted: held message released"
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 Try again later"
        self.delivered.append(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.handler = SteerableHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.handler.release.set()
        self.controller.stop()
