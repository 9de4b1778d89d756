"""Upload memory: peak RSS of one web process while 8 anonymous worst-case images arrive at once.

One gunicorn worker with 8 threads (bench.settings, the bench PostgreSQL database) takes 8 concurrent
`POST /api/p/<tenant>/upload` of the same small PNG that decodes to a large raster; a sampler reads the
process group's resident memory every 5 ms. Three cases in one run:
- the issue's file, 6240x6240 (147 KB here too), with today's public pixel cap (UPLOAD_PUBLIC_MAX_PIXELS,
  16 MP): refused from its header, before decoding;
- the same file with the cap at the signed-in limit (40 MP), as every upload was before the public cap;
- the worst case that the public cap still admits: 4000x4000, just under 16 MP; only
  UPLOAD_DECODE_CONCURRENCY (2) of them are decoded at once, so the peak is about two rasters.
The server runs with MALLOC_MMAP_THRESHOLD_=1048576, as the image does: without it glibc keeps each thread's
freed raster in that thread's heap, and the peak grows with the number of threads instead of the decode slots.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench._common import ROOT, run_child

UPLOADS = 8


def run():
    yield from run_child("bench_upload_memory")


def _png(side: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (255, 255, 255)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _group_rss_mb(pgid: int) -> float:
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total_kb / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _multipart(content: bytes) -> tuple[bytes, str]:
    boundary = "aftersale-bench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nproof_of_purchase\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"receipt.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _case(slug: str, content: bytes, public_cap: int) -> tuple[float, float, list[int]]:
    port = _free_port()
    # As the image runs it (deploy/Dockerfile): large buffers mapped and unmapped, not kept in a thread's heap.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "UPLOAD_PUBLIC_MAX_PIXELS": str(public_cap),
           "THROTTLE_PUBLIC_IP": "100000/minute", "MALLOC_MMAP_THRESHOLD_": "1048576"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "-k", "gthread", "-w", "1", "--threads",
         str(UPLOADS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    body, content_type = _multipart(content)
    url = f"http://127.0.0.1:{port}/api/p/{slug}/upload"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        # One small upload first, so imports and the connection are paid before the baseline is read.
        small, small_type = _multipart(_png(32))
        urllib.request.urlopen(urllib.request.Request(url, data=small, headers={"Content-Type": small_type}), timeout=60)
        baseline = _group_rss_mb(server.pid)
        peak = baseline
        statuses: list[int] = []
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _group_rss_mb(server.pid))
                time.sleep(0.005)

        def upload(n: int) -> None:
            request = urllib.request.Request(url, data=body, headers={
                "Content-Type": content_type, "X-Forwarded-For": f"10.9.0.{n + 1}"})
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

        sampler = threading.Thread(target=sample)
        sampler.start()
        senders = [threading.Thread(target=upload, args=(n,)) for n in range(UPLOADS)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        done.set()
        sampler.join()
        return baseline, peak, sorted(statuses)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.db import connection

    connection.close()
    issue_file = _png(6240)
    admitted_worst = _png(4000)
    cases = [
        (f"6240x6240 PNG ({len(issue_file) // 1024} KB), public cap 16 MP (today)", issue_file, 16_000_000),
        ("same file, public cap 40 MP (before the public cap)", issue_file, 40_000_000),
        (f"4000x4000 PNG ({len(admitted_worst) // 1024} KB), the largest the 16 MP cap admits", admitted_worst, 16_000_000),
    ]
    for label, content, cap in cases:
        baseline, peak, statuses = _case(tenant.slug, content, cap)
        print(f"{UPLOADS} at once, {label}: peak RSS +{peak - baseline:.0f} MB over {baseline:.0f} MB "
              f"(statuses {statuses})")


if __name__ == "__main__":
    main()
