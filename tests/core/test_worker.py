"""Real django-q2 workers: a worker killed in the middle of a task (a send, a purchase check) loses nothing, and SMTP
retries send once."""

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

from tests.support.fake_shopify import TOKEN, FakeShopify, order
from tests.support.smtp import SmtpServer, TricklingSmtpServer
from tests.support.waiting import wait_until
from tests.verification.test_shopify_verification import EMAIL, SKU, make_warranty
from warranty_api.models import Notification, NotificationKind, PurchaseVerification, Warranty
from warranty_api.notifications.services import notifications_sweep, notify
from warranty_api.verification.services import (
    purchase_verification_enqueue,
    purchase_verifications_sweep,
    shopify_connection_save,
)

SMTP_BACKEND = "warranty_api.integrations.email.EmailBackend"  # what the settings choose when EMAIL_HOST is set


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(smtp_port: int, **extra_env: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test",
        "DATABASE_URL": _database_url(),
        "Q_SYNC": "0",
        "Q_WORKERS": "1",
        "EMAIL_BACKEND": "warranty_api.integrations.email.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "1",  # the lease must outlast one attempt (warranty_api/core/checks.py)
        "OUTBOX_LEASE_SECONDS": "2",
        **extra_env,
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
            assert wait_until(lambda: Notification.objects.get(id=notification.id).status == Notification.Status.SENT)
        finally:
            _kill(worker)
    assert len(smtp.handler.delivered) == 1
    assert smtp.handler.delivered[0].rcpt_tos == ["owner@example.com"]
    notification.refresh_from_db()
    assert notification.attempts == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_check_gives_the_check_up_within_the_lease_setting(tenant, monkeypatch):
    """OUTBOX_LEASE_SECONDS covers a purchase check like every other kind of outbox work."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must share the test database (CI runs this)")
    monkeypatch.setattr(Conf, "SYNC", False)
    fake = FakeShopify().start()
    fake.orders = [order("#1001", EMAIL, "2025-03-01", SKU)]
    fake.script.append(("hold",))  # the first check waits in the store's answer until the worker is dead
    tenant.verification = "required"
    tenant.save(update_fields=["verification"])
    shopify_connection_save(tenant=tenant, shop_domain="northpeak.myshopify.com", access_token=TOKEN,
                            api_base_url=fake.base_url)
    # Timeouts the lease outlasts: 2 x 1.5 s per check, under a lease of 4 s.
    env = {"OUTBOX_LEASE_SECONDS": "4", "SHOPIFY_TIMEOUT": "1.5"}
    try:
        worker = _start_worker(9, **env)
        try:
            warranty = make_warranty(tenant)
            purchase_verification_enqueue(warranty)
            assert fake.holding.wait(45), "the worker never asked the store"
            _kill(worker)
        finally:
            _kill(worker)
        fake.release.set()
        row = PurchaseVerification.objects.get(pk=warranty.pk)
        assert (row.status, row.attempts) == ("running", 1)

        worker = _start_worker(9, **env)
        try:
            time.sleep(4.5)  # the dead worker's lease (OUTBOX_LEASE_SECONDS) runs out
            assert purchase_verifications_sweep() == 1  # what the scheduled sweep does
            assert wait_until(lambda: Warranty.objects.get(pk=warranty.pk).verification == "verified")
        finally:
            _kill(worker)
    finally:
        fake.stop()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 2)


@pytest.mark.django_db(transaction=True)
def test_smtp_refusing_the_first_attempt_is_sent_on_retry_once(tenant, settings):
    settings.EMAIL_BACKEND = SMTP_BACKEND
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


@pytest.mark.django_db(transaction=True)
def test_an_smtp_server_that_trickles_its_answers_times_out_as_a_whole(tenant, settings):
    settings.EMAIL_BACKEND = SMTP_BACKEND
    with TricklingSmtpServer(interval=0.05) as smtp:  # each byte well within EMAIL_TIMEOUT, the whole far beyond
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
            "127.0.0.1", smtp.port, False, 1,
        )
        notification = notify(
            tenant=tenant,
            kind=NotificationKind.CLAIM_RECEIVED,
            to="owner@example.com",
            context={"claim_id": "clm_1", "product_name": "TP9 Elite SC", "serial_number": "SN-CA-20250115"},
        )
    notification.refresh_from_db()
    assert notification.status == "queued" and notification.attempts == 1
    assert notification.last_error.startswith("DeadlineExceeded")
    assert smtp.connections == 1 and smtp.delivered == 0
