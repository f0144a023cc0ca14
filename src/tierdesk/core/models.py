"""Shared tables: scheduler slots and worker heartbeats."""

from __future__ import annotations

from django.db import models


class SchedulerSlot(models.Model):
    """One row per periodic job and time slot: the unique key makes each slot run once."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    claimed_by = models.CharField(max_length=100)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduler_slot_once")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S}"


class WorkerHeartbeat(models.Model):
    """Each worker process stamps its row; /readyz reports workers seen recently."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
