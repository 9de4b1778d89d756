"""Read replicas on real PostgreSQL: the API's lists come from a streaming standby; a client that wrote reads its write.

The test starts a hot standby of the test cluster (pg_basebackup -R, pg_ctl start, as the postgres user), a
real web server with DATABASE_REPLICA_URLS pointing at it, and pauses the standby's replay so that what the
replica serves and what the primary holds can be told apart.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from tests.support.http import json_call
from tests.support.pg_replica import pg_replica, replica_query
from tests.support.waiting import wait_until
from tests.support.web import web_server
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Customer, Warranty

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]




def _serials(base: str, token: str) -> set[str]:
    status, body = json_call(base, "GET", "/api/northpeak/warranties", token)
    assert status == 200, body
    return {item["serial_number"] for item in body["data"]}


def test_lists_come_from_the_replica_and_a_writer_reads_its_own_write(tenant, make_customer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: a streaming replica of the test cluster (CI runs this)")
    settings_dict = connection.settings_dict
    host, port, user, name = (
        settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432), settings_dict["USER"] or "postgres",
        settings_dict["NAME"],
    )
    customer = make_customer(tenant, "replica.reader@example.com")
    product = tenant.products.get()
    record = Customer.objects.create(tenant=tenant, email=customer.email)
    access = tokens_issue(user=customer, tenant=tenant, role="customer")["access"]

    with pg_replica(host=host, port=port, user=user) as replica_port:
        replica_url = f"postgres://{user}@127.0.0.1:{replica_port}/{name}"
        assert wait_until(lambda: replica_query(replica_port, name, user, f"SELECT 1 FROM warranty_api_customer WHERE id = '{record.pk}'"))
        with web_server(DATABASE_REPLICA_URLS=replica_url) as base:
            assert _serials(base, access) == set()
            replica_query(replica_port, name, user, "SELECT pg_wal_replay_pause()")

            # Written on the primary behind the paused standby's back: the primary has it, the replica does not.
            today = datetime.date.today()
            Warranty.objects.create(
                tenant=tenant, serial_number="SN-CA-20250115", product=product, customer=record, owner=customer,
                purchase_date=today, warranty_start=today, warranty_end=today.replace(year=today.year + 2),
                coverage="full_replacement",
            )
            assert _serials(base, access) == set(), "the customer's list was not served by the replica"

            # This client writes: its next read goes to the primary, which has both warranties.
            status, body = json_call(base, "POST", "/api/p/northpeak/warranties", access, {
                "serial_number": "SN-CA-20250116", "purchase_date": (today - datetime.timedelta(days=2)).isoformat(),
                "customer": {"email": customer.email, "name": "Replica Reader", "phone": "+1-555-0100",
                             "address": {"street": "1 Main St", "city": "Miami"}},
            })
            assert status == 201, body
            assert _serials(base, access) == {"SN-CA-20250115", "SN-CA-20250116"}

            replica_query(replica_port, name, user, "SELECT pg_wal_replay_resume()")
