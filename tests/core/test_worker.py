"""The worker runs queued tasks, claims scheduler slots, and leaves the pool when it stops."""

from __future__ import annotations

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tierdesk.core import tasks
from tierdesk.core.models import SchedulerSlot, WorkerHeartbeat
from tierdesk.core.worker import run_worker


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_what_is_queued_and_leaves_the_pool_when_done() -> None:
    queued = tasks.prune_scheduler_history.enqueue()

    run_worker(batch=True, schedule=False, worker_id="batch-worker")

    assert DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.SUCCESSFUL
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_scheduling_worker_claims_the_due_slots_and_runs_their_tasks() -> None:
    run_worker(batch=True, worker_id="batch-worker")

    assert SchedulerSlot.objects.filter(claimed_by="batch-worker").exists()
    results = DBTaskResult.objects.filter(task_path=tasks.reap_stalled_tasks.module_path)
    assert [result.status for result in results] == [TaskResultStatus.SUCCESSFUL]
