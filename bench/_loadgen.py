"""A bounded HTTP load generator: processes x threads, keep-alive connections to 127.0.0.1, JSON POSTs, each
from another client address (X-Forwarded-For, as a load balancer sets it).

Usage: python -m bench._loadgen PORT PATH KIND SECONDS MAX_REQUESTS PROCS THREADS OFFSET
Prints one JSON line: requests, statuses, seconds, latencies (ms).
"""

from __future__ import annotations

import datetime
import http.client
import json
import multiprocessing
import sys
import threading
import time


def _body(n: int) -> bytes:
    purchase = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    return json.dumps({
        "serial_number": f"SN-CA-{n:08d}",
        "purchase_date": purchase,
        "retailer": "Outdoor Pro Shop",
        "customer": {"email": f"c{n}@example.com", "name": "John Smith", "phone": "+1-555-0123",
                     "address": {"street": "123 Main St", "city": "Miami", "state": "FL", "zip": "33101"}},
    }).encode()


def _worker(port, path, seconds, budget, threads, first, stride, out):
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds

    def loop(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = first + index
        sent = 0
        local, codes = [], {}
        while sent < budget and time.monotonic() < deadline:
            body = _body(n)
            started = time.perf_counter()
            try:
                # Each request is another customer (one phone, one address), as the load balancer reports it.
                client = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json",
                                                              "X-Forwarded-For": client})
                response = conn.getresponse()
                response.read()
                code = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                code = 0
            local.append((time.perf_counter() - started) * 1000)
            codes[code] = codes.get(code, 0) + 1
            n += stride
            sent += 1
        conn.close()
        with lock:
            latencies.extend(local)
            for k, v in codes.items():
                statuses[k] = statuses.get(k, 0) + v

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((latencies, statuses))


def main(argv: list[str]) -> None:
    port, path, seconds, max_requests, procs, threads, offset = (
        int(argv[0]), argv[1], float(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]), int(argv[7])
    )
    budget = max(1, max_requests // (procs * threads))
    out: multiprocessing.Queue = multiprocessing.Queue()
    stride = procs * threads
    started = time.monotonic()
    workers = [
        multiprocessing.Process(target=_worker, args=(port, path, seconds, budget, threads, offset + p * threads, stride, out))
        for p in range(procs)
    ]
    for w in workers:
        w.start()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    for _ in workers:
        lat, codes = out.get()
        latencies.extend(lat)
        for k, v in codes.items():
            statuses[str(k)] = statuses.get(str(k), 0) + v
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    print(json.dumps({"requests": len(latencies), "statuses": statuses, "seconds": elapsed,
                      "latencies": [round(v, 3) for v in latencies]}))


if __name__ == "__main__":
    main(sys.argv[1:])
