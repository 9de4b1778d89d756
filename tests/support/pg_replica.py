"""A real PostgreSQL streaming replica of the test cluster, on another port, for as long as a test needs it."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import psycopg

from tests.support.smtp import free_port

_LIMITS_A_STANDBY_COPIES = (
    "max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else name


def _as_postgres(args: list[str]) -> list[str]:
    # The server refuses to run as root; CI runs as root, a developer may already be the postgres user.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def pg_replica(*, host: str, port: int, user: str) -> Iterator[int]:
    """Start a hot standby of the primary at host:port (pg_basebackup -R), yield its port, stop and remove it."""
    directory = tempfile.mkdtemp(prefix="aftersale-replica-")
    data = os.path.join(directory, "data")
    replica_port = free_port()
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    try:
        subprocess.run(
            _as_postgres([_bin("pg_basebackup"), "-h", host, "-p", str(port), "-U", user, "-D", data, "-R", "-X", "stream", "-c", "fast"]),
            check=True, capture_output=True, timeout=300,
        )
        # Debian keeps the primary's configuration outside its data directory: the standby gets its own, with
        # the limits a standby may not set lower than its primary's.
        with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as primary:
            limits = {name: primary.execute(f"SHOW {name}").fetchone()[0] for name in _LIMITS_A_STANDBY_COPIES}
        files = {
            "postgresql.conf": f"port = {replica_port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{directory}'\nhot_standby = on\n"
            + "".join(f"{name} = {value}\n" for name, value in limits.items()),
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for file_name, text in files.items():
            with open(os.path.join(data, file_name), "w") as handle:
                handle.write(text)
            if os.geteuid() == 0:
                shutil.chown(os.path.join(data, file_name), "postgres", "postgres")
        log = os.path.join(directory, "log")
        started = subprocess.run(
            _as_postgres([_bin("pg_ctl"), "-D", data, "-l", log, "-w", "-t", "120", "start"]),
            capture_output=True, timeout=180,
        )
        if started.returncode != 0:
            with open(log) as handle:
                raise RuntimeError("the replica did not start:\n" + handle.read()[-3000:])
        yield replica_port
    finally:
        subprocess.run(
            _as_postgres([_bin("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]), capture_output=True, timeout=60
        )
        shutil.rmtree(directory, ignore_errors=True)


def replica_query(port: int, dbname: str, user: str, sql: str):
    with psycopg.connect(host="127.0.0.1", port=port, dbname=dbname, user=user, autocommit=True) as conn:
        return conn.execute(sql).fetchall()


