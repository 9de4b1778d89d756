"""Thin django-q2 tasks: take ids, reload, call one service; safe to run twice."""

from __future__ import annotations


def serial_import_run(job_id: str) -> str | None:
    from .services.serial_imports import serial_import_job_run

    job = serial_import_job_run(job_id)
    return job.status if job else None


def idempotency_purge() -> int:
    from .idempotency import idempotency_records_purge

    return idempotency_records_purge()
