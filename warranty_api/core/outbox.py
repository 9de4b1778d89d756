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

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def backoff(attempts: int) -> datetime.timedelta:
    """The wait before attempt `attempts + 1`: OUTBOX_RETRY_BASE_SECONDS (30 s), doubling after each failed
    attempt, at most OUTBOX_RETRY_MAX_SECONDS (an hour): 30 s, 1 min, 2 min, 4 min, ... 1 h, 1 h."""
    base = settings.AFTERSALE_OUTBOX_RETRY_BASE_SECONDS
    return datetime.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.AFTERSALE_OUTBOX_RETRY_MAX_SECONDS))


def outbox_lease() -> datetime.timedelta:
    """How long a worker holds an outbox row it claimed before a sweep may give the row to another worker.

    One setting, OUTBOX_LEASE_SECONDS, for every kind of outbox work, read at each claim. No kind needs another:
    each attempt is bounded as a whole by its calls' timeouts (`Outbox.longest_attempt`), and warranty_api/
    checks.py refuses to start with a lease that would not outlast the longest, since a second worker would
    then repeat an attempt the first is still making.
    """
    return datetime.timedelta(seconds=settings.AFTERSALE_OUTBOX_LEASE_SECONDS)


# Every kind of outbox work, as its module defines it (the start-up checks walk them).
OUTBOXES: list[Outbox] = []


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
    # What the work is, for people ("email", "purchase check"), and the most seconds one attempt can take (from
    # the settings of the calls it makes, each bounded as a whole), which the lease must outlast.
    kind: str
    longest_attempt: Callable[[], float]
    status_field: str = "status"
    # When True a waiting row is not taken before `next_attempt_at` even if its task is run early (a broker
    # redelivery, say), so a service's Retry-After is honoured; the sweep only ever enqueues due rows.
    honour_schedule: bool = True

    def __post_init__(self):
        OUTBOXES.append(self)

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
                lease_until=now + outbox_lease(),
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
