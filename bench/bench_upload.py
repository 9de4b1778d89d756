"""Uploads: photos per second through POST /api/<tenant>/upload, and the memory peak of one 10 MB image.

Throughput goes through the real endpoint with Django's test client (URL routing, JWT auth, multipart parsing,
the service, storage on a temporary disk, SQLite in memory; no network or WSGI server), next to the service
called alone and Pillow's own decode + re-encode of the same photo: the floor the work cannot go below.
Memory is measured in a fresh child process: tracemalloc's peak (Python allocations: the copies of the file's
bytes) and the peak RSS growth (everything, including Pillow's decoded raster), each as a multiple of the file.
`BENCH_FULL=1` uses a 12 MP phone photo and more rounds; the default is a 3 MP photo, kept short.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BENCH_FULL") == "1"


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_aftersale.settings.test")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # static files are not collected for a bench
    django.setup()


@contextmanager
def _world():
    """A throwaway database and media directory, a brand, and a signed-in customer's API client."""
    _setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    from tests.conftest import client_for, load_tenant, tenant_config
    from warranty_api.models import User

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        with tempfile.TemporaryDirectory() as media_root, override_settings(MEDIA_ROOT=media_root):
            tenant = load_tenant(tenant_config("benchbrand"))
            user = User(username=User.customer_username(tenant.id, "b@example.com"), email="b@example.com", tenant=tenant)
            user.set_unusable_password()
            user.save()
            yield settings, tenant, user, client_for(user, tenant)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def photo(width: int, height: int, sigma: float = 14, quality: int = 90) -> bytes:
    """A JPEG that compresses like a detailed photo (gradient plus sensor-like noise), not like a flat colour."""
    from PIL import Image

    base = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), sigma)
    image = Image.merge("RGB", (Image.blend(base, noise, 0.5), noise, base))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def _throughput():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from warranty_api.media.services import media_upload

    size = (4032, 3024) if FULL else (2016, 1512)
    rounds = 20 if FULL else 8
    content = photo(*size, sigma=8)
    yield f"claim photo: {size[0]}x{size[1]} JPEG, {len(content) / 1e6:.2f} MB; {rounds} rounds each"
    with _world() as (_settings, tenant, user, client):
        client.post("/api/benchbrand/upload", {"file": SimpleUploadedFile("w.jpg", content)}, format="multipart")

        started = time.perf_counter()
        for _ in range(rounds):
            response = client.post(
                "/api/benchbrand/upload", {"file": SimpleUploadedFile("p.jpg", content)}, format="multipart"
            )
            if response.status_code != 201:
                raise RuntimeError(response.content)
        endpoint = _rate(rounds, time.perf_counter() - started)

        started = time.perf_counter()
        for _ in range(rounds):
            media_upload(tenant=tenant, uploaded_by=user, upload=SimpleUploadedFile("p.jpg", content), purpose="claim_photo")
        service = _rate(rounds, time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(rounds):
        image = Image.open(io.BytesIO(content))
        image.load()
        image.save(io.BytesIO(), "JPEG", quality=88)
        image.thumbnail((400, 400))
        image.save(io.BytesIO(), "JPEG", quality=80)
    floor = _rate(rounds, time.perf_counter() - started)

    yield f"endpoint (test client, JWT, multipart, service, disk): {endpoint:.1f} uploads/s"
    yield f"service alone:                                      {service:.1f} uploads/s"
    yield f"floor, Pillow decode + re-encode + thumbnail only:  {floor:.1f} /s"
    yield f"endpoint / floor: {endpoint / floor:.2f}"


def _child_memory() -> dict:
    """Runs in a fresh process: one 10 MB image through the service, then through the endpoint."""
    import tracemalloc

    from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

    from warranty_api.media.services import media_upload

    def rss_now() -> int:
        return _status_kb("VmRSS") * 1024

    def rss_peak() -> int:
        return _status_kb("VmHWM") * 1024

    def reset_peak() -> None:
        with open("/proc/self/clear_refs", "w") as handle:  # "5" resets VmHWM to the current RSS
            handle.write("5")

    result: dict = {}
    with _world() as (settings, tenant, user, client):
        limit = settings.AFTERSALE_UPLOAD_MAX_BYTES
        quality = 90
        content = photo(6000, 4000, quality=quality)
        while len(content) > limit:
            quality -= 3
            content = photo(6000, 4000, quality=quality)
        result["file_bytes"] = len(content)
        result["pixels"] = "6000x4000"
        # Warm up imports and caches with a small image, so the peak is the upload's, not the first import's.
        media_upload(
            tenant=tenant, uploaded_by=user, upload=SimpleUploadedFile("w.jpg", photo(64, 48)), purpose="claim_photo"
        )

        # As the server hands a file over 2.5 MB to a view: spooled to a temporary file on disk.
        upload = TemporaryUploadedFile("big.jpg", "image/jpeg", len(content), None)
        upload.write(content)
        upload.flush()
        upload.seek(0)
        del content
        reset_peak()
        base = rss_now()
        tracemalloc.start()
        media_upload(tenant=tenant, uploaded_by=user, upload=upload, purpose="claim_photo")
        result["service_tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result["service_rss_growth"] = rss_peak() - base
        upload.seek(0)
        body = upload.read()
        upload.close()

        reset_peak()
        base = rss_now()
        tracemalloc.start()
        response = client.post("/api/benchbrand/upload", {"file": SimpleUploadedFile("big.jpg", body)}, format="multipart")
        result["endpoint_tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result["endpoint_rss_growth"] = rss_peak() - base
        if response.status_code != 201:
            raise RuntimeError(response.content)
    return result


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _memory():
    output = subprocess.run(
        [sys.executable, "-m", "bench.bench_upload", "--memory-child"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    size = result["file_bytes"]
    raster = 6000 * 4000 * 3
    yield f"one {size / 1e6:.2f} MB JPEG of {result['pixels']} (decoded raster {raster / 1e6:.0f} MB = {raster / size:.1f}x the file)"
    yield (
        f"service, file on disk as Django hands it: Python heap peak {result['service_tracemalloc_peak'] / 1e6:.1f} MB"
        f" = {result['service_tracemalloc_peak'] / size:.2f}x the file; RSS growth {result['service_rss_growth'] / 1e6:.0f} MB"
        f" = {result['service_rss_growth'] / size:.1f}x (raster included)"
    )
    yield (
        f"endpoint via test client (its request body is built in memory): Python heap peak"
        f" {result['endpoint_tracemalloc_peak'] / 1e6:.1f} MB = {result['endpoint_tracemalloc_peak'] / size:.2f}x;"
        f" RSS growth {result['endpoint_rss_growth'] / 1e6:.0f} MB = {result['endpoint_rss_growth'] / size:.1f}x"
    )


def run():
    _setup_django()
    yield from _throughput()
    yield from _memory()


if __name__ == "__main__" and "--memory-child" in sys.argv:
    import contextlib

    _setup_django()
    with contextlib.redirect_stdout(sys.stderr):
        figures = _child_memory()
    print(json.dumps(figures))
