"""Two web processes and two workers on PostgreSQL, a streaming replica, Redis and an S3 server; one web process
and one worker killed with SIGKILL mid-workload.

The processes get what deploy/compose.yaml gives them: gunicorn and `manage.py qcluster`, media on S3
(MEDIA_STORAGE_BACKEND and the AWS_* variables), a read replica (DATABASE_REPLICA_URLS), Redis, SMTP.
The client alternates between the web processes as a round-robin load balancer would. Afterwards: every
acknowledged write is in the database, every email reached the SMTP server exactly once, every webhook event
reached the receiver exactly once, the rate limit held across both web processes, and no task is left stuck.
"""

from __future__ import annotations

import collections
import datetime
import io
import itertools
import json
import os
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from django.db import connection
from PIL import Image

from tests.conftest import PASSWORD
from tests.support.http import json_call
from tests.support.pg_replica import pg_replica, replica_query
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, s3_server
from tests.support.smtp import SmtpServer
from tests.support.waiting import wait_until
from tests.support.web import WebServer, Worker
from tests.support.webhook_receiver import Receiver
from tests.webhooks.test_webhooks import INVENTORY_SECRET, signed
from warranty_api.accounts.tokens import tokens_issue
from warranty_api.models import Claim, Fulfillment, Media, Notification, User, Warranty, WebhookDelivery
from warranty_api.webhooks.services import inventory_integration_save

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 30
REPAIRS = 10  # of the reviewed claims, approved for repair and reported on by the inventory system


def _inventory_event(base: str, event: dict) -> int:
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        base + "/api/northpeak/integrations/inventory/events", data=body, method="POST",
        headers={"Content-Type": "application/json", "Aftersale-Signature": signed(body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _upload_photo(base: str, token: str) -> tuple[int, dict]:
    boundary = "aftersale-topology"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nclaim_photo\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode()
    request = urllib.request.Request(
        base + "/api/northpeak/upload", method="POST", data=head + PHOTO + f"\r\n--{boundary}--\r\n".encode()
    )
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PHOTO = _png()






def test_two_web_processes_and_two_workers_survive_a_kill_of_one_of_each(tenant, make_customer, make_staff):
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and Redis: several processes share the database, the broker and the cache (CI runs this)")
    call_command("schedules_sync")
    customers = [make_customer(tenant, f"fleet{n}@example.com") for n in range(CUSTOMERS)]
    tokens = {c.pk: tokens_issue(user=c, tenant=tenant, role="customer")["access"] for c in customers}
    admin = make_staff(tenant, "admin")
    admin_token = tokens_issue(user=admin, tenant=tenant, role="admin")["access"]

    db = connection.settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432), db["USER"] or "postgres"
    with SmtpServer() as smtp, s3_server() as s3, pg_replica(host=host, port=port, user=user) as replica_port:
        assert wait_until(lambda: replica_query(replica_port, db["NAME"], user, "SELECT 1 FROM warranty_api_user LIMIT 1"))
        receiver = Receiver()
        inventory = Receiver(INVENTORY_SECRET).start()
        inventory_integration_save(tenant=tenant, url=inventory.url, secret=INVENTORY_SECRET)
        env = {
            "Q_SYNC": "0", "Q_WORKERS": "1", "OUTBOX_LEASE_SECONDS": "5", "EMAIL_TIMEOUT": "2",
            "THROTTLE_AUTH_ACCOUNT": "5/minute",
            "EMAIL_BACKEND": "warranty_api.integrations.email.EmailBackend", "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port), "EMAIL_USE_TLS": "0",
            "DATABASE_REPLICA_URLS": f"postgres://{user}@127.0.0.1:{replica_port}/{db['NAME']}",
            "MEDIA_STORAGE_BACKEND": "storages.backends.s3.S3Storage", "AWS_STORAGE_BUCKET_NAME": s3.bucket,
            "AWS_S3_ENDPOINT_URL": s3.endpoint_url, "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }
        web = [WebServer(**env), WebServer(**env)]
        workers = [Worker(**env), Worker(**env)]
        kills = 0
        try:
            for server in web:
                server.start()
            servers = itertools.cycle(range(2))
            acknowledged: dict[str, list[str]] = collections.defaultdict(list)

            def call(method, path, token=None, body=None, expect=(200, 201)):
                base = web[next(servers)].base
                status, answer = json_call(base, method, path, token, body)
                assert status in expect, (method, path, status, answer)
                return status, answer

            _status, hook = call("POST", "/api/northpeak/admin/webhooks", admin_token, {
                "url": receiver.url, "events": ["warranty.registered", "claim.created", "claim.status_changed"],
            })
            receiver.secret = hook["data"]["secret"]
            receiver.start()

            today = datetime.date.today()
            for n, customer in enumerate(customers):
                _status, answer = call("POST", "/api/p/northpeak/warranties", tokens[customer.pk], {
                    "serial_number": f"SN-CA-3{n:07d}", "purchase_date": (today - datetime.timedelta(days=3)).isoformat(),
                    "customer": {"email": customer.email, "name": f"Fleet Customer {n}", "phone": "+1-555-0100",
                                 "address": {"street": f"{n} Main St", "city": "Miami"}},
                })
                acknowledged["warranty"].append(answer["data"]["id"])
                if n == CUSTOMERS // 2:
                    # Mid-workload: one web process and one worker die without warning, and come back.
                    web[0].kill()
                    workers[0].kill()
                    kills += 2
                    web[0].start()
                    workers[0] = Worker(**env)

            for customer, warranty_id in zip(customers, acknowledged["warranty"], strict=True):
                status, photo = _upload_photo(web[next(servers)].base, tokens[customer.pk])
                assert status == 201, photo
                acknowledged["photo"].append(photo["data"]["id"])
                _status, answer = call("POST", "/api/northpeak/claims", tokens[customer.pk], {
                    "warranty_id": warranty_id, "issue_type": "malfunction",
                    "description": "Slide release is stiff and does not engage properly",
                    "photos": [photo["data"]["id"]], "preferred_resolution": "repair",
                })
                acknowledged["claim"].append(answer["data"]["id"])
            for claim_id in acknowledged["claim"][: CUSTOMERS // 2]:
                call("PATCH", f"/api/northpeak/admin/claims/{claim_id}", admin_token, {"status": "under_review"})
            # Repairs: approved through one process or the other, reported on by the inventory system through both.
            for claim_id in acknowledged["claim"][:REPAIRS]:
                call("PATCH", f"/api/northpeak/admin/claims/{claim_id}", admin_token,
                     {"status": "approved", "resolution": "repair"})
            repairs = list(Fulfillment.objects.filter(claim_id__in=acknowledged["claim"][:REPAIRS], kind="repair")
                           .values_list("id", flat=True))
            assert len(repairs) == REPAIRS
            for n, fulfillment_id in enumerate(repairs):
                for event_type in ("repair.received", "repair.completed"):
                    status = _inventory_event(web[next(servers)].base, {
                        "id": f"inv-{event_type}-{n}", "type": event_type, "data": {"fulfillment_id": fulfillment_id}})
                    assert status == 200, (event_type, fulfillment_id, status)
                    acknowledged["inventory_event"].append(f"{event_type}-{n}")
            for n in range(10):
                _status, answer = call("POST", "/api/northpeak/auth/register", None, {
                    "email": f"signup{n}@example.com", "password": PASSWORD, "name": f"Sign Up {n}",
                })
                acknowledged["signup"].append(f"signup{n}@example.com")

            # The per-account sign-in limit (5 a minute here) holds across both web processes.
            refused = [
                call("POST", "/api/northpeak/auth/login", None, {"email": customers[0].email, "password": "wrong"},
                     expect=(401, 429))[0]
                for _ in range(12)
            ]

            def outbox_drained() -> bool:
                return (
                    not Notification.objects.exclude(status="sent").exists()
                    and not WebhookDelivery.objects.exclude(status="delivered").exists()
                )

            drained = wait_until(outbox_drained, timeout=240)
            pending = list(Notification.objects.exclude(status="sent").values_list("kind", "status"))
            pending += list(WebhookDelivery.objects.exclude(status="delivered").values_list("event_type", "status"))
            assert drained, (f"work left behind after the kills: {pending[:20]} ({len(pending)} rows); the workers said:\n"
                             + "\n---\n".join(worker.output() for worker in workers))
        finally:
            for process in (*web, *workers):
                process.stop()
            receiver.stop()
            inventory.stop()

        assert set(acknowledged["warranty"]) == set(Warranty.objects.values_list("id", flat=True))
        assert set(acknowledged["claim"]) == set(Claim.objects.values_list("id", flat=True))
        assert set(acknowledged["signup"]) <= set(User.objects.values_list("email", flat=True))
        photos = Media.objects.filter(pk__in=acknowledged["photo"], claim__isnull=False)
        assert photos.count() == len(acknowledged["photo"])
        assert {name for media in photos for name in (media.file.name, media.thumbnail.name)} <= s3.keys()

        sent_ids = [envelope.content.decode(errors="replace").split("X-Aftersale-Notification: ", 1)[1].split()[0]
                    for envelope in smtp.handler.delivered]
        assert sorted(sent_ids) == sorted(Notification.objects.values_list("id", flat=True)), "an email went twice or not at all"
        event_ids = [body["id"] for body in receiver.accepted + inventory.accepted]
        assert len(event_ids) == len(set(event_ids)), "a webhook event was accepted twice"
        assert set(event_ids) == set(WebhookDelivery.objects.values_list("event_id", flat=True))
        requested = [body["data"]["fulfillment"]["id"] for body in inventory.accepted
                     if body["type"] == "fulfillment.requested"]
        work = Fulfillment.objects.filter(claim_id__in=acknowledged["claim"][:REPAIRS]).values_list("id", flat=True)
        assert sorted(requested) == sorted(work), "each repair (and its return) was requested once"
        assert set(Fulfillment.objects.filter(id__in=repairs).values_list("status", flat=True)) == {"repaired"}
        assert refused.count(401) <= 5 and refused.count(429) >= 7, refused

        print(
            f"\ntopology: {len(acknowledged['warranty'])} registrations, {len(acknowledged['claim'])} claims, "
            f"{len(acknowledged['photo'])} photos on S3, {CUSTOMERS // 2} reviews, {len(acknowledged['signup'])} sign-ups, {len(refused)} sign-in attempts "
            f"({refused.count(429)} limited); {REPAIRS} repairs with {len(acknowledged['inventory_event'])} inventory "
            f"reports; {len(sent_ids)} emails and {len(event_ids)} webhook events, each once; "
            f"{kills} processes killed with SIGKILL"
        )
