"""Helpers shared by the warranty benchmarks: their own PostgreSQL database, a tenant, percentiles."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/aftersale_bench"

BENCH_TENANT = {
    "slug": "benchbrand",
    "name": "Bench Brand",
    "support_email": "care@bench.example",
    "registration": {"required_fields": ["phone", "address"], "extension_window_days": 30,
                     "require_known_serial": False, "verification": "off"},
    "serial_formats": ["SN-[A-Z]{2}-[0-9]{6,8}"],
    "categories": [{"slug": "handguns", "name": "Handguns", "standard_months": 12, "extended_months": 24,
                    "coverage": "full_replacement", "transferable": True}],
    "products": [
        {"sku": "TP9-ELITE-SC", "name": "TP9 Elite SC", "category": "handguns", "serial_pattern": "SN-CA-[0-9]{8}"},
        {"sku": "TP9-COMPACT", "name": "TP9 Compact", "category": "handguns", "serial_pattern": "SN-CB-[0-9]{8}"},
    ],
    "serials": [],
    "claims": {"issue_types": [{"code": "malfunction", "label": "Malfunction"}], "resolutions": ["repair"]},
    "staff": [{"email": "lead@bench.example", "role": "admin"}],
}


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def run_child(module: str, extra_env: dict | None = None):
    """Run `python -m bench.<module>` against the bench database and yield its lines."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test",
           "MEDIA_ROOT": os.environ.get("BENCH_MEDIA_ROOT", "/tmp/aftersale-bench-media"), **(extra_env or {})}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", f"bench.{module}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        yield line.rstrip("\n")
    if proc.wait() != 0:
        raise RuntimeError(f"bench.{module} exited with {proc.returncode}")


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django():
    """In the child: create the database if needed, migrate, and answer the bench tenant.

    A bench database left by another version of the schema (migrations renumbered) is made again.
    """
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import DatabaseError, connections

    try:
        call_command("migrate", verbosity=0)
    except DatabaseError:
        connections.close_all()
        recreate_database(os.environ["DATABASE_URL"])
        call_command("migrate", verbosity=0)
    from warranty_api.models import Tenant
    from warranty_api.onboarding.config_file import validate_tenant_config
    from warranty_api.onboarding.services import tenant_config_apply

    spec, errors = validate_tenant_config(BENCH_TENANT)
    assert not errors, errors
    tenant_config_apply(spec)
    return Tenant.objects.get(slug="benchbrand")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
