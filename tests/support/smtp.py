"""Real SMTP servers on 127.0.0.1 for the tests: one (aiosmtpd) whose behaviour a test can steer, one that trickles."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
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


class TricklingSmtpServer:
    """An SMTP server on 127.0.0.1 that answers every command correctly, one byte every `interval` seconds:
    each read of the client is quick, the conversation as a whole is not. `delivered` counts whole messages."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.delivered = 0
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> TricklingSmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._converse, args=(client,), daemon=True).start()

    def _say(self, client: socket.socket, line: str) -> None:
        for byte in (line + "\r\n").encode():
            client.sendall(bytes([byte]))
            time.sleep(self.interval)

    def _converse(self, client: socket.socket) -> None:
        try:
            with client, client.makefile("rb") as lines:
                self._say(client, "220 trickle.example ESMTP")
                while line := lines.readline():
                    command = line.decode(errors="replace").strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self._say(client, "250 trickle.example")
                    elif command == "DATA":
                        self._say(client, "354 End data with <CR><LF>.<CR><LF>")
                        while (body := lines.readline()) and body not in (b".\r\n", b".\n"):
                            pass
                        self.delivered += 1
                        self._say(client, "250 Queued")
                    elif command == "QUIT":
                        self._say(client, "221 Bye")
                        return
                    else:
                        self._say(client, "250 OK")
        except OSError:  # the client gave up on us
            return
