"""django-q2 tasks: thin; they take ids, reload, call one service, and are safe to run twice."""

from .services import accounts, notifications


def notification_send(notification_id: str) -> str:
    return notifications.notification_send(notification_id)


def notifications_sweep() -> int:
    return notifications.notifications_sweep()


def password_reset_send(tenant_id: int, email: str) -> bool:
    return accounts.password_reset_send(tenant_id, email)


def serial_import_run(job_id: str) -> str | None:
    from .services.serial_imports import serial_import_job_run

    job = serial_import_job_run(job_id)
    return job.status if job else None


def idempotency_purge() -> int:
    from .idempotency import idempotency_records_purge

    return idempotency_records_purge()
