"""Background tasks of the core app, and the periodic jobs that enqueue them.

Tasks are thin shells: they call one function and return something small that the task result
can store. Other apps register their own periodic jobs in their ``tasks.py`` the same way.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tierdesk.core import scheduler


@task
def reap_stalled_tasks() -> int:
    return scheduler.reap_stalled_tasks()


@task
def prune_scheduler_history() -> int:
    return scheduler.prune_history()


scheduler.register("core.reap-stalled-tasks", every=timedelta(minutes=1), task=reap_stalled_tasks)
scheduler.register(
    "core.prune-scheduler-history", every=timedelta(hours=1), task=prune_scheduler_history
)
