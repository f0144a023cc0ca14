"""Periodic jobs that run once per time slot, however many workers tick.

Apps register jobs in their ``tasks.py`` at import time::

    register("sla-sweep", every=timedelta(seconds=30), task=sla_sweep)
    register("monthly-reports", cron="0 6 1 * *", task=send_monthly_reports)

Every worker calls :func:`tick` every few seconds. For each job it works out the slot the current
time falls in (the interval's start, or the latest cron time) and inserts a ``SchedulerSlot(job,
slot)`` row. The unique constraint lets exactly one insert win across all workers and machines;
the winner enqueues the job's task in the same transaction, so a claimed slot always has its task.
Time is in UTC, cron expressions included.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cronsim import CronSim
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.models import DBTaskResult

from tierdesk.core.clock import now
from tierdesk.core.models import SchedulerSlot, WorkerHeartbeat

logger = logging.getLogger(__name__)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Claimed slots are kept this long for the admin's "what ran when" view, then pruned.
SLOT_RETENTION = timedelta(days=2)
# Heartbeats of workers gone this long are removed; /readyz only looks at recent ones anyway.
HEARTBEAT_RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class Job:
    name: str
    task: Any  # a django.tasks Task
    every: timedelta | None = None
    cron: str | None = None

    def slot_at(self, at: datetime) -> datetime:
        """The start of the slot ``at`` falls in: the same value for every worker."""
        if self.every is not None:
            step = int(self.every.total_seconds())
            elapsed = int((at - EPOCH).total_seconds())
            return EPOCH + timedelta(seconds=elapsed - elapsed % step)
        assert self.cron is not None
        # CronSim's reverse iteration is strictly before its start; one second later makes a
        # tick exactly on the cron time count for that time.
        start = at.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        return next(iter(CronSim(self.cron, start, reverse=True)))


_registry: dict[str, Job] = {}


def register(
    name: str, *, task: Any, every: timedelta | None = None, cron: str | None = None
) -> Job:
    """Add (or replace, on re-import) a periodic job. Give exactly one of ``every`` or ``cron``."""
    if (every is None) == (cron is None):
        raise ValueError(f"Job {name!r} needs exactly one of every= or cron=.")
    if every is not None and (every.total_seconds() < 1 or every.total_seconds() % 1):
        raise ValueError(f"Job {name!r}: every= must be a whole number of seconds, at least 1.")
    if cron is not None:
        CronSim(cron, now())  # raises CronSimError on a bad expression, at registration
    job = Job(name=name, task=task, every=every, cron=cron)
    _registry[name] = job
    return job


def unregister(name: str) -> None:
    _registry.pop(name, None)


def autodiscover() -> None:
    """Import every installed app's ``tasks`` module so its ``register`` calls run."""
    autodiscover_modules("tasks")


def registered_jobs() -> list[Job]:
    return sorted(_registry.values(), key=lambda job: job.name)


def tick(*, worker_id: str, at: datetime | None = None) -> list[str]:
    """Claim the current slot of every job nobody has claimed yet; return the jobs enqueued."""
    at = at or now()
    enqueued = []
    for job in registered_jobs():
        if claim_and_enqueue(job, job.slot_at(at), worker_id):
            enqueued.append(job.name)
    return enqueued


class Ticker:
    """A process's view of the schedule: it tries each job's slot once, not on every tick.

    Trying only new slots keeps the failed inserts (and PostgreSQL's logged unique violations)
    down to one per slot per process. A slot whose claim failed on a database error is retried.
    """

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self.tried: dict[str, datetime] = {}

    def tick(self, at: datetime | None = None) -> list[str]:
        at = at or now()
        enqueued = []
        for job in registered_jobs():
            slot = job.slot_at(at)
            if self.tried.get(job.name) == slot:
                continue
            if claim_and_enqueue(job, slot, self.worker_id):
                enqueued.append(job.name)
            self.tried[job.name] = slot
        return enqueued


def claim_and_enqueue(job: Job, slot: datetime, worker_id: str) -> bool:
    try:
        # The savepoint keeps a lost race from breaking a surrounding transaction.
        with transaction.atomic():
            SchedulerSlot.objects.create(job=job.name, slot=slot, claimed_by=worker_id[:100])
            job.task.enqueue()
    except IntegrityError:
        return False
    logger.info("scheduler: %s for slot %s enqueued by %s", job.name, slot.isoformat(), worker_id)
    return True


# ---- housekeeping jobs (registered in tierdesk.core.tasks) -------------------------------


def reap_stalled_tasks(*, at: datetime | None = None) -> int:
    """Return tasks whose worker died mid-run to the queue; the count returned.

    A task is stalled when it has been RUNNING longer than the heartbeat grace and the worker
    that claimed it (the last of its ``worker_ids``) has not stamped a heartbeat within it. The
    update filters on the status and start time it read, so a task that finished or was reaped
    meanwhile is left alone, and two reapers never both return it.
    """
    at = at or now()
    stale_since = at - timedelta(seconds=settings.TIERDESK_WORKER_STALE_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=stale_since).values_list("worker_id", flat=True)
    )
    running = DBTaskResult.objects.running().filter(started_at__lt=stale_since)
    returned = 0
    for task_id, worker_ids, started_at in running.values_list("id", "worker_ids", "started_at"):
        if worker_ids and worker_ids[-1] in alive:
            continue
        returned += (
            DBTaskResult.objects.running()
            .filter(pk=task_id, started_at=started_at)
            .update(status=TaskResultStatus.READY, started_at=None)
        )
    if returned:
        logger.warning("reaper: returned %d task(s) of dead workers to the queue", returned)
    return returned


def prune_history(*, at: datetime | None = None) -> int:
    """Delete old slot rows and heartbeats of long-gone workers; the count deleted.

    A job's current slot row is never deleted, even when old (a monthly job): without it, the
    next tick would claim the same slot again.
    """
    at = at or now()
    old = SchedulerSlot.objects.filter(claimed_at__lt=at - SLOT_RETENTION)
    current = Q()
    for job in registered_jobs():
        current |= Q(job=job.name, slot__gte=job.slot_at(at))
    deleted, _ = old.exclude(current).delete() if current else old.delete()
    gone, _ = WorkerHeartbeat.objects.filter(seen_at__lt=at - HEARTBEAT_RETENTION).delete()
    return deleted + gone
