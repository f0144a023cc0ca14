"""The scheduler runs each periodic job once per slot, whoever ticks; the reaper rescues tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tierdesk.core import scheduler, tasks
from tierdesk.core.models import SchedulerSlot, WorkerHeartbeat
from tierdesk.core.scheduler import Job, Ticker

NOON = datetime(2026, 3, 2, 12, 0, 5, tzinfo=UTC)
REAPER = "core.reap-stalled-tasks"


def enqueued(task: object) -> int:
    return DBTaskResult.objects.filter(task_path=task.module_path).count()  # type: ignore[attr-defined]


def test_the_core_jobs_are_registered() -> None:
    names = [job.name for job in scheduler.registered_jobs()]
    assert REAPER in names
    assert "core.prune-scheduler-history" in names
    assert "sla.sweep" in names


def test_two_workers_ticking_the_same_slot_enqueue_the_job_once(db: None) -> None:
    first = scheduler.tick(worker_id="worker-a", at=NOON)
    second = scheduler.tick(worker_id="worker-b", at=NOON + timedelta(seconds=20))

    assert REAPER in first
    assert REAPER not in second
    assert enqueued(tasks.reap_stalled_tasks) == 1
    assert SchedulerSlot.objects.get(job=REAPER).claimed_by == "worker-a"


def test_the_next_slot_is_claimed_again(db: None) -> None:
    scheduler.tick(worker_id="worker-a", at=NOON)
    later = scheduler.tick(worker_id="worker-b", at=NOON + timedelta(minutes=1))

    assert REAPER in later
    assert enqueued(tasks.reap_stalled_tasks) == 2


def test_a_ticker_tries_a_slot_once_and_then_waits_for_the_next(db: None) -> None:
    ticker = Ticker("worker-a")
    assert REAPER in ticker.tick(NOON)
    SchedulerSlot.objects.all().delete()  # even if the claim vanished, this slot is done here

    assert REAPER not in ticker.tick(NOON + timedelta(seconds=30))
    assert REAPER in ticker.tick(NOON + timedelta(minutes=1))


def test_a_cron_job_runs_in_the_slot_of_its_latest_cron_time() -> None:
    job = Job(name="monthly", task=None, cron="0 6 1 * *")
    first_of_march = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)

    assert job.slot_at(first_of_march) == first_of_march
    assert job.slot_at(datetime(2026, 3, 15, 9, 30, tzinfo=UTC)) == first_of_march


def test_an_interval_job_has_the_same_slot_everywhere_within_the_interval() -> None:
    job = Job(name="sweep", task=None, every=timedelta(seconds=30))

    assert job.slot_at(NOON) == job.slot_at(NOON + timedelta(seconds=20))
    assert job.slot_at(NOON) != job.slot_at(NOON + timedelta(seconds=30))


def test_a_job_needs_exactly_one_schedule() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        scheduler.register("bad", task=tasks.reap_stalled_tasks)
    with pytest.raises(ValueError, match="exactly one"):
        scheduler.register(
            "bad", task=tasks.reap_stalled_tasks, every=timedelta(minutes=1), cron="* * * * *"
        )


def _running_task(worker_id: str, started: datetime) -> DBTaskResult:
    result = tasks.reap_stalled_tasks.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=started)
    return row


def _heartbeat(worker_id: str, seen: datetime) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="test", pid=1, started_at=seen, seen_at=seen
    )


def test_the_reaper_returns_a_task_whose_worker_died_to_the_queue(db: None) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    _heartbeat("dead-worker", long_ago)
    stalled = _running_task("dead-worker", long_ago)

    assert scheduler.reap_stalled_tasks() == 1

    stalled.refresh_from_db()
    assert stalled.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().filter(pk=stalled.pk).exists()


def test_the_reaper_leaves_a_long_task_of_a_living_worker_running(db: None) -> None:
    _heartbeat("busy-worker", datetime.now(UTC))
    busy = _running_task("busy-worker", datetime.now(UTC) - timedelta(hours=1))

    assert scheduler.reap_stalled_tasks() == 0

    busy.refresh_from_db()
    assert busy.status == TaskResultStatus.RUNNING


def test_the_reaper_leaves_a_task_that_just_started(db: None) -> None:
    fresh = _running_task("worker-without-heartbeat-yet", datetime.now(UTC))

    assert scheduler.reap_stalled_tasks() == 0
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING


def test_pruning_removes_old_slots_but_keeps_each_jobs_current_one(db: None) -> None:
    scheduler.register("test.monthly", cron="0 6 1 * *", task=tasks.prune_scheduler_history)
    try:
        at = datetime.now(UTC)
        monthly = scheduler.registered_jobs()
        current = next(job for job in monthly if job.name == "test.monthly").slot_at(at)
        SchedulerSlot.objects.create(job="test.monthly", slot=current, claimed_by="w")
        SchedulerSlot.objects.create(job=REAPER, slot=at - timedelta(days=5), claimed_by="w")
        SchedulerSlot.objects.filter().update(claimed_at=at - timedelta(days=10))

        scheduler.prune_history(at=at)

        assert list(SchedulerSlot.objects.values_list("job", flat=True)) == ["test.monthly"]
    finally:
        scheduler.unregister("test.monthly")
