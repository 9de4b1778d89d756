"""Real django-q2 workers: a worker killed in the middle of a task loses nothing, and SMTP retries send once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_q.conf import Conf

from tests.support.smtp import SmtpServer
from warranty_api.models import Notification, NotificationKind
from warranty_api.services.notifications import notifications_sweep, notify


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(smtp_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test",
        "DATABASE_URL": _database_url(),
        "Q_SYNC": "0",
        "Q_WORKERS": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "OUTBOX_LEASE_SECONDS": "2",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _kill(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    process.wait(timeout=30)


def _wait_for(predicate, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_loses_nothing_and_sends_once(tenant, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must share the test database (CI runs this)")
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue to the real broker instead of running inline

    with SmtpServer() as smtp:
        smtp.handler.hold_next = True
        worker = _start_worker(smtp.port)
        try:
            notification = notify(
                tenant=tenant,
                kind=NotificationKind.CLAIM_RECEIVED,
                to="owner@example.com",
                context={"claim_id": "clm_1", "product_name": "TP9 Elite SC", "serial_number": "SN-CA-20250115"},
            )
            assert smtp.handler.holding.wait(45), "the worker never started sending"
            _kill(worker)  # the worker dies in the middle of the SMTP conversation
        finally:
            _kill(worker)
        smtp.handler.release.set()
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENDING and smtp.handler.delivered == []

        worker = _start_worker(smtp.port)
        try:
            time.sleep(2.5)  # the dead worker's lease runs out
            assert notifications_sweep() == 1  # what the scheduled sweep does
            assert _wait_for(lambda: Notification.objects.get(id=notification.id).status == Notification.Status.SENT)
        finally:
            _kill(worker)
    assert len(smtp.handler.delivered) == 1
    assert smtp.handler.delivered[0].rcpt_tos == ["owner@example.com"]
    notification.refresh_from_db()
    assert notification.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_smtp_refusing_the_first_attempt_is_sent_on_retry_once(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with SmtpServer() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", smtp.port, False
        smtp.handler.refuse_next = 1
        notification = notify(
            tenant=tenant,
            kind=NotificationKind.CLAIM_RECEIVED,
            to="owner@example.com",
            context={"claim_id": "clm_1", "product_name": "TP9 Elite SC", "serial_number": "SN-CA-20250115"},
        )
        notification.refresh_from_db()
        assert notification.status == "queued" and "451" in notification.last_error
        assert smtp.handler.delivered == []
        Notification.objects.filter(id=notification.id).update(next_attempt_at=notification.created_at)
        assert notifications_sweep() == 1
        assert notifications_sweep() == 0  # sent: nothing more to do
    notification.refresh_from_db()
    assert notification.status == "sent"
    assert len(smtp.handler.delivered) == 1
    message = smtp.handler.delivered[0].content.decode()
    assert "multipart/alternative" in message and "text/plain" in message and "text/html" in message
