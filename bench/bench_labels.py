"""Label sheets: labels per second and the worker's peak memory rendering 10,000 QR labels to one PDF.

A child process (fresh memory) renders a job of 1,000 serials and then one of 10,000 through the service the
worker runs (`label_job_render`: serials read from the storage, codes encoded by segno, the PDF written page
by page to a temporary file and then saved through Django's storage), against the bench PostgreSQL database.
Beside it, the floor measured in the same run: segno encoding the same URLs alone (the PDF cannot be faster
than its codes). Memory: the process's peak RSS growth over each job (VmHWM, reset before each), so a 10x
larger sheet with the same peak says memory does not grow with the count.
"""

from __future__ import annotations

import resource
import time

from bench._common import run_child


def run():
    # Tasks queue (and are left) instead of running inline: the bench calls the worker's service itself.
    yield from run_child("bench_labels", {"Q_SYNC": "0"})


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _hwm_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_hwm() -> None:
    # Writing 5 to clear_refs resets the peak RSS (VmHWM) of this process (Linux 4.0+).
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


def main() -> None:
    from bench._common import setup_django

    tenant = setup_django()
    from django.db import transaction

    from warranty_api.labels.codes import qr_make, serial_code_url
    from warranty_api.labels.models import LabelSheetJob
    from warranty_api.labels.services import label_job_create, label_job_render

    LabelSheetJob.objects.filter(tenant=tenant).delete()

    def render(count: int) -> tuple[float, float, int]:
        serials = [f"SN-CA-{n:08d}" for n in range(count)]
        with transaction.atomic():
            job = label_job_create(tenant=tenant, user=None, data={"serials": serials})
        del serials
        _reset_hwm()
        before = _rss_mb()
        started = time.perf_counter()
        assert label_job_render(job.id) == "done"
        elapsed = time.perf_counter() - started
        job.refresh_from_db()
        return elapsed, _hwm_mb() - before, job.pdf.size

    # Warm-up: imports, the first connection, segno's tables.
    render(24)
    small = render(1_000)
    print(f"1,000 labels rendered in {small[0]:.1f} s", flush=True)
    big = render(10_000)
    started = time.perf_counter()
    for n in range(2_000):
        qr_make(serial_code_url(tenant.slug, f"SN-CA-{n:08d}")).matrix  # noqa: B018
    floor = 2_000 / (time.perf_counter() - started)

    for label, (elapsed, rss, size), count in (("1,000", small, 1_000), ("10,000", big, 10_000)):
        print(f"{label} labels: {count / elapsed:,.0f} labels/s ({elapsed:.1f} s), PDF {size / 2**20:.1f} MB, "
              f"peak RSS +{rss:.1f} MB over the job", flush=True)
    print(f"floor (segno encoding alone, same URLs): {floor:,.0f} codes/s; sheet/floor = {10_000 / big[0] / floor:.2f}")
    print(f"memory 10,000 vs 1,000: peak RSS growth {big[1]:.1f} MB vs {small[1]:.1f} MB (flat: it does not grow "
          "with the count)")
    LabelSheetJob.objects.filter(tenant=tenant).delete()



if __name__ == "__main__":
    main()
