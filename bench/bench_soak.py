"""Soak: mixed traffic for minutes against two web processes and a worker: throughput, p50/p99 per operation, errors, RSS.

Two gunicorn processes (gthread, BENCH_SOAK_WEB_WORKERS x 2 threads each, default 2) and one `qcluster`
(Q_WORKERS 2) run on the bench PostgreSQL database (BENCH_DATABASE_URL, its own `_soak` database) with Redis
as broker and cache when BENCH_REDIS_URL answers (default redis://127.0.0.1:6379/14), else the ORM broker.
Client threads (BENCH_SOAK_CLIENTS, default 8) alternate between the two web processes for
BENCH_SOAK_SECONDS (default 180), each request one of: an anonymous registration (each from another client
address, as behind the load balancer), a customer's warranty list, a claim on one of the customer's
warranties, the admin claim queue, a sign-in, the health check. The worker sends the emails those cause.
Printed: requests per second, per operation p50/p99 and statuses, the error rate (5xx and refused
connections; 4xx are counted apart, e.g. a second claim on a warranty is 409 by design), and the resident
memory of each process group (web servers with their workers, the worker cluster) after warm-up and at the end.
"""

from __future__ import annotations

import collections
import datetime
import http.client
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from bench._common import ROOT, database_url, pct, run_child

PASSWORD = "Soak-test-password-42"


def run():
    yield from run_child("bench_soak", {"DATABASE_URL": database_url() + "_soak"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in a process group (a server and the workers it forked), in MB."""
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def _redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except Exception:
        return None


def _wait_healthy(port: int) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("a web process of the soak did not start")


class Client:
    """One keep-alive connection per web process for one client thread, used in turn (round robin)."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports]
        self.turn = itertools.cycle(range(len(ports)))

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None,
             client_address: str | None = None) -> tuple[int, dict]:
        index = next(self.turn)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if client_address:
            headers["X-Forwarded-For"] = client_address
        try:
            connection = self.connections[index]
            connection.request(method, path, body=json.dumps(body).encode() if body else None, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
        except (OSError, http.client.HTTPException, ValueError):
            self.connections[index].close()
            self.connections[index] = http.client.HTTPConnection("127.0.0.1", self.ports[index], timeout=30)
            return 0, {}


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import connection

    from warranty_api.accounts.tokens import tokens_issue
    from warranty_api.models import Role
    from warranty_api.onboarding.services import staff_create

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_claim, warranty_api_warrantyevent, warranty_api_warrantytransfer, "
                       "warranty_api_warranty, warranty_api_customer, warranty_api_notification, django_q_ormq CASCADE")
    from django.utils import timezone

    from warranty_api.models import User

    User.objects.filter(tenant=tenant).delete()
    customers = []
    for n in range(20):
        email = f"soak{n}@example.com"
        user = User(username=User.customer_username(tenant.id, email), email=email, tenant=tenant, full_name=f"Soak {n}")
        # The web processes run the deployed hashers (bench.settings), not this process's fast test one.
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        user.email_verified_at = timezone.now()
        user.save()
        customers.append((user, tokens_issue(user=user, tenant=tenant, role="customer")["access"]))
    admin, _ = staff_create(tenant=tenant, email="soak.admin@bench.example", role=Role.ADMIN, password=PASSWORD)
    admin_token = tokens_issue(user=admin, tenant=tenant, role=Role.ADMIN)["access"]
    connection.close()

    redis_url = _redis_url()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "Q_WORKERS": "2",
           "SHOPIFY_TIMEOUT": "2", "WEBHOOK_TIMEOUT": "2"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    ports = [_free_port(), _free_port()]
    web = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "-k", "gthread",
             "-w", os.environ.get("BENCH_SOAK_WEB_WORKERS", "2"), "--threads", "2", "--keep-alive", "30",
             "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        for port in ports
    ]
    worker = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    processes = {"web 1": web[0], "web 2": web[1], "worker": worker}
    seconds = float(os.environ.get("BENCH_SOAK_SECONDS", 180))
    clients = int(os.environ.get("BENCH_SOAK_CLIENTS", 8))
    results: dict[str, list] = collections.defaultdict(list)
    lock = threading.Lock()
    serials = itertools.count(70_000_000)
    warranties: dict[int, list[str]] = collections.defaultdict(list)
    today = datetime.date.today()

    def one_request(client: Client, rng: random.Random) -> tuple[str, int]:
        index = rng.randrange(len(customers))
        user, token = customers[index]
        pick = rng.random()
        if pick < 0.35:
            n = next(serials)
            status, body = client.call("POST", f"/api/p/{tenant.slug}/warranties", {
                "serial_number": f"SN-CA-{n:08d}", "purchase_date": (today - datetime.timedelta(days=5)).isoformat(),
                "customer": {"email": user.email, "name": user.full_name, "phone": "+1-555-0123",
                             "address": {"street": "123 Main St", "city": "Miami"}},
            }, token=token if pick < 0.15 else None, client_address=f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")
            if status == 201 and pick < 0.15:
                with lock:
                    warranties[index].append(body["data"]["id"])
            return "register", status
        if pick < 0.60:
            return "my warranties", client.call("GET", f"/api/{tenant.slug}/warranties", token=token)[0]
        if pick < 0.70:
            with lock:
                owned = warranties[index].pop() if warranties[index] else None
            if owned is None:
                return "health", client.call("GET", "/api/health")[0]
            return "claim", client.call("POST", f"/api/{tenant.slug}/claims", {
                "warranty_id": owned, "issue_type": "malfunction", "photos": [], "preferred_resolution": "repair",
                "description": "Slide release is stiff and does not engage properly",
            }, token=token)[0]
        if pick < 0.82:
            return "admin queue", client.call("GET", f"/api/{tenant.slug}/admin/claims?status=submitted", token=admin_token)[0]
        if pick < 0.92:
            return "sign-in", client.call("POST", f"/api/{tenant.slug}/auth/login",
                                          {"email": user.email, "password": PASSWORD})[0]
        return "health", client.call("GET", "/api/health")[0]

    def loop(number: int, deadline: float, record: bool) -> None:
        client, rng = Client(ports), random.Random(number)
        while time.monotonic() < deadline:
            started = time.perf_counter()
            operation, status = one_request(client, rng)
            if record:
                with lock:
                    results[operation].append(((time.perf_counter() - started) * 1000, status))

    def phase(duration: float, record: bool) -> float:
        deadline = time.monotonic() + duration
        threads = [threading.Thread(target=loop, args=(n, deadline, record)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started

    try:
        for port in ports:
            _wait_healthy(port)
        phase(min(15.0, seconds / 6), record=False)  # warm-up: imports, connections, caches
        rss_start = {name: _group_rss_mb(p.pid) for name, p in processes.items()}
        elapsed = phase(seconds, record=True)
        rss_end = {name: _group_rss_mb(p.pid) for name, p in processes.items()}
    finally:
        for process in processes.values():
            try:
                os.killpg(process.pid, 15)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, 9)

    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, status in v if status == 0 or status >= 500)
    client_errors = sum(1 for v in results.values() for _, status in v if 400 <= status < 500)
    print(f"broker and cache: {'Redis' if redis_url else 'ORM broker, local-memory cache'}; {clients} client threads, "
          f"{elapsed:.0f} s measured after warm-up")
    print(f"throughput {total / elapsed:.0f} req/s ({total} requests); error rate {errors / max(total, 1):.2%} "
          f"(5xx and refused); 4xx {client_errors / max(total, 1):.2%}")
    for operation, values in sorted(results.items()):
        latencies = [ms for ms, _ in values]
        statuses = collections.Counter(status for _, status in values)
        print(f"{operation:<14} {len(values):6d} requests  p50 {pct(latencies, 0.5):6.1f} ms  "
              f"p99 {pct(latencies, 0.99):7.1f} ms  statuses {dict(sorted(statuses.items()))}")
    for name in processes:
        print(f"RSS {name:<7} {rss_start[name]:7.1f} MB after warm-up -> {rss_end[name]:7.1f} MB at the end "
              f"({rss_end[name] - rss_start[name]:+.1f} MB)")


if __name__ == "__main__":
    main()
