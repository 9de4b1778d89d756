"""Email over SMTP with the whole of a send bounded by EMAIL_TIMEOUT: Django's SMTP backend, its sockets watched
by a deadline (deadline.py).

Django's backend hands EMAIL_TIMEOUT to each socket operation, so a server that answers a byte at a time holds
a worker for as long as it likes. This backend gives the whole of `send_messages` (connect, greeting, STARTTLS,
login, every command, the message, QUIT) that many seconds. It is the backend the settings choose when
EMAIL_HOST is set.
"""

from __future__ import annotations

import contextlib
import functools
import smtplib
import socket

from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

from warranty_api.integrations.deadline import Deadline, DeadlineExceeded


class _WatchedSMTP(smtplib.SMTP):
    def __init__(self, *args, deadline: Deadline | None = None, **kwargs):
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        if self._deadline is None:
            return super()._get_socket(host, port, timeout)
        sock = socket.create_connection((host, port), min(timeout, self._deadline.remaining()), self.source_address)
        self._deadline.watch(sock)
        return sock


class _WatchedSMTPSSL(smtplib.SMTP_SSL):
    def __init__(self, *args, deadline: Deadline | None = None, **kwargs):
        self._deadline = deadline
        super().__init__(*args, **kwargs)

    def _get_socket(self, host, port, timeout):
        if self._deadline is None:
            return super()._get_socket(host, port, timeout)
        sock = socket.create_connection((host, port), min(timeout, self._deadline.remaining()), self.source_address)
        self._deadline.watch(sock)  # before the TLS handshake, which a slow server could stretch too
        return self.context.wrap_socket(sock, server_hostname=self._host)


class EmailBackend(DjangoSMTPBackend):
    """Django's SMTP backend; `send_messages` ends within `timeout` seconds in all, or raises TimeoutError."""

    _deadline: Deadline | None = None

    @property
    def connection_class(self):
        return functools.partial(_WatchedSMTPSSL if self.use_ssl else _WatchedSMTP, deadline=self._deadline)

    def send_messages(self, email_messages):
        if self.timeout is None or not email_messages:
            return super().send_messages(email_messages)
        try:
            with Deadline(self.timeout) as deadline:
                self._deadline = deadline
                if self.connection is not None and self.connection.sock is not None:
                    deadline.watch(self.connection.sock)  # opened earlier by the caller, for several sends
                try:
                    return super().send_messages(email_messages)
                finally:
                    self._deadline = None
        except DeadlineExceeded:
            with contextlib.suppress(OSError):  # the connection is already shut down; only forget it
                self.close()
            if self.fail_silently:
                return 0
            raise
