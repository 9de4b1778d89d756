"""The durable-row work queue shared by every background job that talks to the outside world.

A row is the record of work to do; django-q2 tasks only carry its id. The Redis broker loses a task in flight
when its worker dies, and a worker that dies outright can make django-q2 ignore `max_attempts`, so the row
itself holds the lease, the attempt count and the next attempt time, and a scheduled sweep re-enqueues what
is overdue.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def backoff(attempts: int, *, base: int = 30, cap: int = 3600) -> datetime.timedelta:
    """30 s, 1 min, 2 min, ... up to an hour: the wait before attempt `attempts + 1`."""
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


@dataclass(frozen=True)
class Outbox:
    """How one model's rows move through waiting -> working -> (done | waiting again | failed).

    The model needs `attempts`, `max_attempts`, `next_attempt_at`, `lease_until`, `last_error` and a status
    field; `waiting`, `working` and `failed` name its values.
    """

    model: type[models.Model]
    waiting: str
    working: str
    failed: str
    # A duration, or a function answering one when a row is claimed (so settings changed at run time count).
    lease: datetime.timedelta | Callable[[], datetime.timedelta]
    status_field: str = "status"
    # When True a waiting row is not taken before `next_attempt_at` even if its task is run early (a broker
    # redelivery, say), so a service's Retry-After is honoured; the sweep only ever enqueues due rows.
    honour_schedule: bool = True

    def _status(self, value: str) -> Q:
        return Q(**{self.status_field: value})

    def claimable(self, now: datetime.datetime) -> Q:
        """Waiting and due, or working under a lease that ran out (its worker died); attempts left."""
        due = self._status(self.waiting)
        if self.honour_schedule:
            due &= Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        lost = self._status(self.working) & Q(lease_until__lt=now)
        return (due | lost) & Q(attempts__lt=F("max_attempts"))

    def claim(self, pk) -> bool:
        """Take the row with one conditional UPDATE; False when another worker has it, or it is done or not due.

        The attempt is counted here, before the work starts, so a worker killed mid-task still uses one up.
        """
        now = timezone.now()
        return bool(
            self.model.objects.filter(self.claimable(now), pk=pk).update(
                **{self.status_field: self.working},
                lease_until=now + (self.lease() if callable(self.lease) else self.lease),
                attempts=F("attempts") + 1,
            )
        )

    def retry_later(self, pk, *, attempts: int, max_attempts: int, error: str, not_before=None) -> bool:
        """Give the row back after a failed attempt; True when attempts are exhausted and it is now failed."""
        exhausted = attempts >= max_attempts
        self.model.objects.filter(pk=pk).update(
            **{self.status_field: self.failed if exhausted else self.waiting},
            last_error=error[:2000],
            next_attempt_at=not_before or timezone.now() + backoff(attempts),
            lease_until=None,
        )
        return exhausted

    def due(self, limit: int = 500, where=None) -> list:
        """Ids to enqueue now. Rows whose worker died on their last allowed attempt are marked failed first.

        `where` narrows the rows further (a Q or a boolean expression), e.g. to leave out rows that must wait
        for an earlier one, so those cannot fill the batch and starve the rows that may go.
        """
        now = timezone.now()
        self.model.objects.filter(
            self._status(self.working), lease_until__lt=now, attempts__gte=F("max_attempts")
        ).update(
            **{self.status_field: self.failed},
            lease_until=None,
            last_error="The worker stopped during the last allowed attempt.",
        )
        waiting_due = self._status(self.waiting) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        lost = self._status(self.working) & Q(lease_until__lt=now)
        rows = self.model.objects.filter((waiting_due | lost) & Q(attempts__lt=F("max_attempts")))
        if where is not None:
            rows = rows.filter(where)
        return list(
            rows.order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
