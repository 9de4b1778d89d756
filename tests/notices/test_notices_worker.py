"""A recall sent by real django-q2 workers, one of them killed halfway: every owner in the serial range gets the
notice once, and nobody outside it gets one."""

from __future__ import annotations

import io
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django_q.conf import Conf

from tests.conftest import client_for
from tests.core.test_worker import _kill, _start_worker
from tests.support.claims_helpers import make_warranty
from tests.support.smtp import SmtpServer, SteerableHandler
from tests.support.waiting import wait_until
from warranty_api.catalog.imports.services import serials_import
from warranty_api.models import Notification, Role
from warranty_api.notifications.services import notifications_sweep


@dataclass
class HoldAfter(SteerableHandler):
    """Delivers `hold_after` messages, then holds the next one in DATA until released."""

    hold_after: int = 0

    async def handle_DATA(self, server, session, envelope):
        if not self.holding.is_set() and len(self.delivered) == self.hold_after:
            self.hold_next = True
        return await super().handle_DATA(server, session, envelope)


def serial(n: int) -> str:
    return f"SN-CA-{n:08d}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recall_to_a_serial_range_reaches_its_owners_once_each_with_a_worker_killed_halfway(
    tenant, make_customer, make_staff, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must share the test database (CI runs this)")
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue to the real broker instead of running inline
    rows = "".join(f"{serial(n)},TP9-ELITE-SC,2025-01-15\n" for n in range(1, 41))
    serials_import(tenant=tenant, stream=io.BytesIO(rows.encode()), batch="R1")
    owners = {n: make_customer(tenant, f"owner{n}@example.com") for n in range(1, 41)}
    owners[12] = owners[11]  # one owner of two units in the range: one email
    for n, owner in owners.items():
        make_warranty(tenant, owner, serial=serial(n))
    in_range = sorted({owners[n].email for n in range(5, 31)})
    admin = client_for(make_staff(tenant, Role.ADMIN), tenant)

    handler = HoldAfter(hold_after=9)
    smtp = SmtpServer()
    smtp.handler = handler
    smtp.controller = Controller(handler, hostname="127.0.0.1", port=smtp.port)
    env = {"NOTICE_SEND_BATCH": "4"}
    with smtp:
        worker = _start_worker(smtp.port, **env)
        try:
            response = admin.post("/api/northpeak/admin/notices", {
                "title": "Recall", "message": "Bring it back.", "kind": "safety",
                "audience": {"serial_from": serial(5), "serial_to": serial(30)},
            }, format="json")
            assert response.status_code == 201, response.content
            notice_id = response.json()["data"]["id"]
            assert handler.holding.wait(60), "the worker never reached the tenth message"
            _kill(worker)  # dies in the middle of an SMTP conversation, with batches still to do
        finally:
            _kill(worker)
        handler.release.set()
        emails = Notification.objects.filter(subject_ref=notice_id)
        assert emails.count() == len(in_range) == 25
        assert len(handler.delivered) == 9
        assert emails.filter(status="sent").count() == 9 and emails.filter(status="sending").count() == 1

        worker = _start_worker(smtp.port, **env)
        try:
            time.sleep(2.5)  # the dead worker's lease runs out
            notifications_sweep()  # what the scheduled sweep does
            assert wait_until(lambda: emails.exclude(status="sent").count() == 0, timeout=90)
        finally:
            _kill(worker)
    delivered = Counter(rcpt for envelope in handler.delivered for rcpt in envelope.rcpt_tos)
    assert sorted(delivered) == in_range
    assert set(delivered.values()) == {1}
    detail = admin.get(f"/api/northpeak/admin/notices/{notice_id}").json()["data"]
    assert detail["counts"]["sent"] == 25 and detail["counts"]["pending"] == 0
