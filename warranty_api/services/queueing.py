"""Queueing django-q2 tasks that must not run before the change that caused them commits."""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)


def _orm_broker_on(using: str) -> bool:
    from django_q.conf import Conf

    return bool(using == Conf.ORM and not Conf.BROKER_CLASS and not Conf.SYNC)


def task_enqueue_after_commit(func: str, *args, task_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Queue `func(*args)` so a worker runs it only once the current transaction has committed.

    With the ORM broker on the same database the task row is written inside the transaction: it becomes
    visible to workers at the commit, and never if the change rolls back. That costs one INSERT in the open
    transaction instead of a second transaction (its own commit, and Django's connection health check that
    the broker triggers) after it, on the hot path of every registration. Any other broker (Redis), sync mode
    (tests) or a caller outside a transaction enqueues on commit as before; a broker that is down there only
    delays the task, since its outbox row is already committed and the sweep re-enqueues it.
    """
    from django_q.tasks import async_task

    if connections[using].in_atomic_block and _orm_broker_on(using):
        async_task(func, *args, task_name=task_name)
        return

    def enqueue() -> None:
        try:
            async_task(func, *args, task_name=task_name)
        except Exception:  # the broker is down: the row stays queued and the sweep sends it later
            logger.warning("Could not enqueue %s; the sweep will retry", task_name)

    transaction.on_commit(enqueue, using=using)
