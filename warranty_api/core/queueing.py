"""Queueing django-q2 tasks that must not run before the change that caused them commits."""

from __future__ import annotations

import logging
import uuid

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django_q.conf import Conf
from django_q.signals import pre_enqueue
from django_q.signing import SignedPackage
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def _orm_broker_on(using: str) -> bool:
    return bool(using == Conf.ORM and not Conf.BROKER_CLASS and not Conf.SYNC)


def task_enqueue(func: str, *args, task_name: str) -> bool:
    """Queue `func(*args)` now; False when the broker is down (logged, not raised): what already committed
    stands, and a caller with a durable row (an outbox) leaves it to its sweep to queue again."""
    try:
        async_task(func, *args, task_name=task_name)
    except Exception:  # any broker's failure: Redis refused, ORM broker's database gone
        logger.warning("Could not enqueue %s; the broker is down", task_name)
        return False
    return True


def task_enqueue_after_commit(func: str, *args, task_name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Queue `func(*args)` so a worker runs it only once the current transaction has committed.

    With the ORM broker on the same database the task row is written inside the transaction: it becomes
    visible to workers at the commit, and never if the change rolls back. That costs one INSERT in the open
    transaction instead of a second transaction (its own commit, and Django's connection health check that
    the broker triggers) after it, on the hot path of every registration. Any other broker (Redis), sync mode
    (tests) or a caller outside a transaction enqueues on commit as before; a broker that is down there only
    delays the task, since its outbox row is already committed and the sweep re-enqueues it.
    """
    if connections[using].in_atomic_block and _orm_broker_on(using):
        async_task(func, *args, task_name=task_name)
        return

    transaction.on_commit(lambda: task_enqueue(func, *args, task_name=task_name), using=using)


def _task_package(func: str, args: tuple, task_name: str) -> str:
    """The signed package django-q2's `async_task` would build for `func(*args)` (django-q2 1.11: id, name,
    func, args, the cluster's overrides, kwargs, started; `pre_enqueue` sent), without its humanised id and
    its INFO log line per task: on the registration's hot path both cost more than the signing.
    tests/warranties/test_registration_hot_path.py holds it equal to `async_task`'s own, key for key."""
    task = {"id": uuid.uuid4().hex, "name": task_name, "func": func, "args": args}
    if Conf.CACHED:
        task["cached"] = Conf.CACHED
    if Conf.ACK_FAILURES:
        task["ack_failure"] = Conf.ACK_FAILURES
    task["kwargs"] = {}
    task["started"] = timezone.now()
    pre_enqueue.send(sender="django_q", task=task)
    return SignedPackage.dumps(task)


def task_row_for_statement(func: str, *args, task_name: str, using: str = DEFAULT_DB_ALIAS):
    """The ORM broker's queue row for `func(*args)` as (key, payload, lock), for a caller that inserts it in
    its own statement; None when the broker is not the ORM one on `using` (Redis, sync mode): then call
    `task_enqueue_after_commit`. A worker reads the package exactly as one `async_task` queued; only the
    INSERT is left to the caller, so it can share the round trip (and the atomicity) of the change that
    caused the task.
    """
    if not _orm_broker_on(using):
        return None
    return Conf.CLUSTER_NAME, _task_package(func, args, task_name), timezone.now()
