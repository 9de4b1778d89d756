"""A real web server process (gunicorn) of the product on 127.0.0.1, with the environment a test gives it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

from django.conf import settings
from django.db import connection

from tests.support.smtp import free_port


def test_database_url() -> str:
    """The URL of the database this test runs on, for a server or worker process to share it."""
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextlib.contextmanager
def web_server(**env: str) -> Iterator[str]:
    """gunicorn (one worker, two threads) on a free port; yields its base URL and stops it at the end."""
    port = free_port()
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test",
        "DATABASE_URL": test_database_url(),
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "site_aftersale.wsgi", "-w", "1", "--threads", "2", "-b", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the web server did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
