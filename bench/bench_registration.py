"""Registration: POST /api/p/<tenant>/warranties req/s and p99 vs a bare JSON-parse-and-INSERT view, same server.

Both run on one gunicorn (gthread, 4 workers x 2 threads, keep-alive; BENCH_REG_WORKERS,
BENCH_REG_WORKER_THREADS) against PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/aftersale_bench); the load comes from another process on 127.0.0.1
(bench/_loadgen.py: processes x threads, keep-alive), the same for both, in BENCH_REG_ROUNDS (default 5)
alternating rounds. Bounded: BENCH_REG_SECONDS (default 10) per side and BENCH_REG_MAX (default 50,000)
requests. The task broker is the ORM one (no worker runs), so each registration also pays for queueing its
confirmation email, as in a deployment without Redis.

What one registration costs the database: one read (the brand joined to the serial, the owner account and the
tenant's webhook endpoints; it is also the reused connection's health check, so no `SELECT 1` goes first) and
one statement that upserts the customer and inserts the warranty, its audit event, the email's outbox row
and its task row, both prepared once per connection. The floor is one INSERT. Each side also prints the
PostgreSQL server's CPU per request (/proc).
Last measured (2-core machine shared with other work, so noisy): see README.md, "Figures".
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._common import ROOT, pct, run_child


def run():
    yield from run_child("bench_registration")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_cpu_seconds() -> float | None:
    """CPU time used so far by the PostgreSQL server processes on this machine (Linux /proc), or None."""
    total, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if name in ("postgres", "postmaster"):
            total, found = total + int(rest[11]) + int(rest[12]), True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def _load(port: int, path: str, seconds: float, max_requests: int, offset: int) -> dict:
    procs, threads = int(os.environ.get("BENCH_REG_PROCS", 2)), int(os.environ.get("BENCH_REG_THREADS", 4))
    out = subprocess.run(
        [sys.executable, "-m", "bench._loadgen", str(port), path, "x", str(seconds), str(max_requests),
         str(procs), str(threads), str(offset)],
        cwd=ROOT, capture_output=True, text=True, timeout=seconds + 120, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _add(total: dict, port: int, path: str, seconds: float, max_requests: int, offset: int) -> None:
    """One timed round of load on `path`, added to `total` (requests, seconds, statuses, latencies, CPU)."""
    before = _postgres_cpu_seconds()
    result = _load(port, path, seconds, max_requests, offset)
    after = _postgres_cpu_seconds()
    total["requests"] = total.get("requests", 0) + result["requests"]
    total["seconds"] = total.get("seconds", 0.0) + result["seconds"]
    total.setdefault("latencies", []).extend(result["latencies"])
    for code, count in result["statuses"].items():
        total.setdefault("statuses", {})[code] = total.get("statuses", {}).get(code, 0) + count
    if before is not None and after is not None:
        total["pg_seconds"] = total.get("pg_seconds", 0.0) + (after - before)


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE warranty_api_warrantyevent, warranty_api_warrantytransfer, warranty_api_warranty, "
                       "warranty_api_customer, warranty_api_notification, django_q_ormq CASCADE")
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, serial_number varchar(100), "
                       "email varchar(254), purchase_date date, body jsonb)")
    connection.close()

    seconds = float(os.environ.get("BENCH_REG_SECONDS", 10))
    max_requests = int(os.environ.get("BENCH_REG_MAX", 50_000))
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    # The server's log goes to a file: a pipe nobody reads fills up and stalls the workers mid-run.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (lives as long as the server; closed below)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "-k", "gthread",
         "-w", os.environ.get("BENCH_REG_WORKERS", "4"), "--threads", os.environ.get("BENCH_REG_WORKER_THREADS", "2"),
         "--keep-alive", "30", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            log.seek(0)
            raise RuntimeError(f"the bench server did not start: {log.read()[-2000:]}")
        register = f"/api/p/{tenant.slug}/warranties"
        # Warm both paths (connections, imports), then measure each for the same time.
        _load(port, "/bench/floor", 2, 300, 90_000_000)
        _load(port, register, 2, 300, 80_000_000)
        # Alternating rounds, so a change in the machine's speed during the run (it is shared) weighs on both.
        floor: dict = {}
        product: dict = {}
        rounds = max(1, int(os.environ.get("BENCH_REG_ROUNDS", 5)))
        for n in range(rounds):
            _add(floor, port, "/bench/floor", seconds / rounds, max_requests // rounds, n * 5_000_000)
            _add(product, port, register, seconds / rounds, max_requests // rounds, n * 5_000_000)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    def line(name: str, r: dict) -> str:
        rps = r["requests"] / r["seconds"]
        latencies = r["latencies"] or [0.0]
        cpu = f"PostgreSQL CPU {r['pg_seconds'] * 1000 / r['requests']:.2f} ms/request  " if "pg_seconds" in r else ""
        return (f"{name:<13} {rps:8.0f} req/s  p50 {pct(latencies, 0.5):6.1f} ms  p99 {pct(latencies, 0.99):6.1f} ms  "
                f"{cpu}({r['requests']} requests, statuses {r['statuses']})")

    print(line("floor", floor))
    print(line("registration", product))
    ratio = (product["requests"] / product["seconds"]) / (floor["requests"] / floor["seconds"])
    print(f"ratio registration/floor: {ratio:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
