"""django-q2 tasks of scan to register (thin: each calls a service)."""

from warranty_api.labels import services


def label_sheet_render(job_id: str) -> str:
    return services.label_job_render(job_id)


def label_sheets_sweep() -> int:
    return services.label_jobs_sweep()


def label_sheets_purge() -> int:
    return services.label_job_purge()
