"""A real web server process (gunicorn) of the product on 127.0.0.1, with the environment a test gives it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
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


def product_env(**env: str) -> dict[str, str]:
    """The environment of a server or worker process sharing this test's database."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "site_aftersale.settings.test", "DATABASE_URL": test_database_url(), **env}


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


class WebServer:
    """gunicorn (one worker, two threads) on a free port, in its own process group."""

    def __init__(self, **env: str):
        self.env = env
        self.process: subprocess.Popen | None = None
        self.base = ""

    def start(self) -> str:
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "site_aftersale.wsgi", "-w", "1", "--threads", "2", "-b", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR, env=product_env(**self.env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/api/health", timeout=2):
                    return self.base
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the web server did not start") from None
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the whole process group: no graceful stop, whatever it was doing."""
        if self.process is not None:
            _signal_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            _signal_group(self.process, signal.SIGTERM)


class Worker:
    """A django-q2 cluster (`manage.py qcluster`) in its own process group."""

    def __init__(self, **env: str):
        # The cluster's output goes to a file, so a test that finds work left behind can say what the worker said.
        self.log = tempfile.NamedTemporaryFile(prefix="aftersale-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=product_env(PYTHONUNBUFFERED="1", **env),
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def output(self, tail: int = 4000) -> str:
        with open(self.log.name, encoding="utf-8", errors="replace") as log:
            return log.read()[-tail:]

    def kill(self) -> None:
        _signal_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _signal_group(self.process, signal.SIGTERM)


@contextlib.contextmanager
def web_server(**env: str) -> Iterator[str]:
    """A started WebServer's base URL, stopped at the end."""
    server = WebServer(**env)
    try:
        yield server.start()
    finally:
        server.stop()
