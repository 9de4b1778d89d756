"""`manage.py schedules_sync`: create or update every recurring task of the product; safe to run again."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    schedule_type: str
    minutes: int | None = None
    # An outbox sweep: every OUTBOX_SWEEP_MINUTES (read when the command runs), whatever `minutes` says.
    sweep: bool = False

    def every(self) -> int | None:
        return settings.AFTERSALE_OUTBOX_SWEEP_MINUTES if self.sweep else self.minutes


# Every schedule of the product, by a unique name. Add yours here; `make run` and deployments run the command.
# The sweeps re-enqueue outbox rows that are due (retries, tasks the broker lost, work of a dead worker): every
# OUTBOX_SWEEP_MINUTES, one by default, since the back-off starts at 30 s.
SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("notifications_sweep", "warranty_api.tasks.notifications_sweep", Schedule.MINUTES, sweep=True),
    ScheduleSpec(
        "purchase_verifications_sweep", "warranty_api.tasks.purchase_verifications_sweep", Schedule.MINUTES, sweep=True
    ),
    ScheduleSpec("media_purge_unattached", "warranty_api.tasks.media_purge_unattached", Schedule.HOURLY),
    ScheduleSpec("idempotency_purge", "warranty_api.tasks.idempotency_purge", Schedule.HOURLY),
    ScheduleSpec("tokens_purge_expired", "warranty_api.tasks.tokens_purge_expired", Schedule.DAILY),
    ScheduleSpec("warranty_expiry_reminders", "warranty_api.tasks.warranty_expiry_reminders", Schedule.DAILY),
    ScheduleSpec(
        "claim_info_requested_reminders", "warranty_api.tasks.claim_info_requested_reminders", Schedule.DAILY
    ),
    ScheduleSpec("webhook_deliveries_sweep", "warranty_api.tasks.webhook_deliveries_sweep", Schedule.MINUTES, sweep=True),
    ScheduleSpec(
        "fulfillment_requests_sweep", "warranty_api.tasks.fulfillment_requests_sweep", Schedule.MINUTES, sweep=True
    ),
    ScheduleSpec("label_sheets_sweep", "warranty_api.labels.tasks.label_sheets_sweep", Schedule.MINUTES, sweep=True),
    ScheduleSpec("label_sheets_purge", "warranty_api.labels.tasks.label_sheets_purge", Schedule.DAILY),
    ScheduleSpec("export_jobs_sweep", "warranty_api.tasks.export_jobs_sweep", Schedule.MINUTES, sweep=True),
    ScheduleSpec("export_jobs_purge", "warranty_api.tasks.export_jobs_purge", Schedule.DAILY),
    ScheduleSpec("claim_sla_reminders", "warranty_api.tasks.claim_sla_reminders", Schedule.MINUTES, sweep=True),
    ScheduleSpec("analytics_refresh", "warranty_api.tasks.analytics_refresh", Schedule.MINUTES,
                 minutes=settings.AFTERSALE_ANALYTICS_REFRESH_MINUTES),
)

_OURS = "warranty_api.tasks."


class Command(BaseCommand):
    help = "Create or update the product's django-q2 schedules, and remove ours that are no longer listed."

    def handle(self, *args, **options):
        changes: list[str] = []
        with transaction.atomic():
            for spec in SCHEDULES:
                wanted = {"func": spec.func, "schedule_type": spec.schedule_type, "minutes": spec.every(), "repeats": -1}
                schedule = Schedule.objects.filter(name=spec.name).first()
                if schedule is None:
                    Schedule.objects.create(name=spec.name, **wanted)
                    changes.append(f"created {spec.name}")
                    continue
                stale = {key: value for key, value in wanted.items() if getattr(schedule, key) != value}
                if stale:
                    for key, value in stale.items():
                        setattr(schedule, key, value)
                    schedule.save(update_fields=list(stale))
                    changes.append(f"updated {spec.name} ({', '.join(sorted(stale))})")
            names = {spec.name for spec in SCHEDULES}
            for schedule in Schedule.objects.filter(func__startswith=_OURS).exclude(name__in=names):
                schedule.delete()
                changes.append(f"removed {schedule.name}")
        for line in changes:
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Schedules: {len(changes)} change(s)" if changes else "Schedules: up to date")
