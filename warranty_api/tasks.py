"""django-q2 tasks: thin; they take ids, reload, call one service, and are safe to run twice."""

from warranty_api.accounts import services as accounts
from warranty_api.accounts import tokens
from warranty_api.analytics import services as analytics
from warranty_api.catalog.imports.services import serial_import_job_run
from warranty_api.claims import reminders
from warranty_api.claims import services as claims
from warranty_api.claims.sla import sla_reminders_send
from warranty_api.core.idempotency import idempotency_records_purge
from warranty_api.media import services as media_services
from warranty_api.notifications import services as notifications
from warranty_api.verification import services as verification
from warranty_api.webhooks import services as webhooks


def notification_send(notification_id: str) -> str:
    return notifications.notification_send(notification_id)


def notifications_sweep() -> int:
    return notifications.notifications_sweep()


def password_reset_send(tenant_id: int, email: str) -> bool:
    return accounts.password_reset_send(tenant_id, email)


def fulfillment_request(fulfillment_id: str) -> str:
    return claims.fulfillment_request(fulfillment_id)


def fulfillment_requests_sweep() -> int:
    return claims.fulfillment_requests_sweep()


def media_purge_unattached() -> int:
    """Hourly: delete uploads nobody attached within 24 hours (see `services.media.media_purge_unattached`)."""
    return media_services.media_purge_unattached()


def purchase_verify(warranty_id: str) -> str:
    return verification.purchase_verify(warranty_id)


def purchase_verifications_sweep() -> int:
    return verification.purchase_verifications_sweep()


def serial_import_run(job_id: str) -> str | None:
    job = serial_import_job_run(job_id)
    return job.status if job else None


def idempotency_purge() -> int:
    return idempotency_records_purge()


def tokens_purge_expired() -> int:
    """Daily: forget refresh tokens past their expiry (see `services.tokens.tokens_purge_expired`)."""
    return tokens.tokens_purge_expired()


def warranty_expiry_reminders() -> int:
    """Daily: one reminder per warranty about to expire (see `services.reminders.expiry_reminders_queue`)."""
    return reminders.expiry_reminders_queue()


def claim_info_requested_reminders() -> int:
    """Daily: remind customers whose claim waits for their answer (see `services.reminders`)."""
    return reminders.info_request_reminders_send()


def webhook_deliver(delivery_pk: int) -> str:
    return webhooks.webhook_deliver(delivery_pk)


def webhook_deliveries_sweep() -> int:
    return webhooks.webhook_deliveries_sweep()


def analytics_refresh() -> int:
    """Every ANALYTICS_REFRESH_MINUTES: rebuild the failure-rate cells of every brand."""
    return analytics.failure_cells_refresh_all()


def claim_sla_reminders() -> int:
    """Every sweep: one reminder per service-level clock about to run out."""
    return sla_reminders_send()


def export_job_run(job_id: str) -> str:
    return analytics.export_job_run(job_id)


def export_jobs_sweep() -> int:
    return analytics.export_jobs_sweep()


def export_jobs_purge() -> int:
    return analytics.export_jobs_purge()


def notice_send_batch(notification_ids: list[str]) -> int:
    """Send one batch of a notice's email (each row is taken with its lease, so a repeated batch sends nothing twice)."""
    return sum(notifications.notification_send(notification_id) == "sent" for notification_id in notification_ids)
