"""The worker runs queued tasks, claims scheduler slots, survives database errors in its claim
loop, and leaves the pool when it stops."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connection, connections
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from tierdesk.core import tasks
from tierdesk.core import worker as worker_module
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_whose_connection_dies_mid_claim_carries_on(monkeypatch, caplog) -> None:
    """The claim's connection is killed under it (the server restarted, a locked SQLite): the
    worker logs it, backs off, opens a new connection and runs the task."""
    queued = tasks.prune_scheduler_history.enqueue()
    claim = DBTaskResultQuerySet.get_locked
    killed: list[str] = []

    def claim_on_a_dying_connection(self: Any) -> Any:
        if not killed:
            killed.append(connection.vendor)
            _kill(connection)
        return claim(self)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", claim_on_a_dying_connection)
    monkeypatch.setattr(worker_module, "RETRY_FIRST_SECONDS", 0.0)

    run_worker(batch=True, schedule=False, worker_id="resilient-worker")

    assert killed
    assert DBTaskResult.objects.get(pk=queued.id).status == TaskResultStatus.SUCCESSFUL
    assert "the task loop failed on the database; retrying" in caplog.text


def _kill(db: Any) -> None:
    """End the connection as the server would: PostgreSQL terminates the backend. The tests'
    SQLite database lives in memory and would go with its last connection, so there the
    connection fails as a disk would."""
    if db.vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    else:
        raise OperationalError("disk I/O error")
