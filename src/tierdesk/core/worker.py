"""The background worker: django-tasks-db's task loop, a heartbeat, and the scheduler's tick.

The task loop runs in the main thread (it owns the signal handlers and stops gracefully between
tasks). A helper thread stamps ``WorkerHeartbeat`` every ``HEARTBEAT_SECONDS`` (for /readyz and
the reaper) and ticks the scheduler; it has its own database connection.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime

from django.db import DatabaseError, close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from tierdesk.core import scheduler
from tierdesk.core.clock import now
from tierdesk.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
TICK_SECONDS = 2.0
# After a database error in the task loop: wait this long, doubling up to the maximum while
# the errors go on (a database restarting, a long write lock), then claim again.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 60.0


def new_worker_id() -> str:
    """Unique across the pool and readable in the admin: host, pid and a random suffix."""
    host = socket.gethostname()[:40]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"


def beat(worker_id: str, started_at: datetime) -> None:
    at = now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": at},
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": at,
        },
    )


class Housekeeper(threading.Thread):
    """Beats the heartbeat and/or ticks the scheduler until stopped."""

    def __init__(self, worker_id: str, *, heartbeat: bool, schedule: bool):
        super().__init__(name="tierdesk-housekeeper", daemon=True)
        self.worker_id = worker_id
        self.started_at = now()
        self.heartbeat = heartbeat
        self.ticker = scheduler.Ticker(worker_id) if schedule else None
        self.stopping = threading.Event()
        self.last_beat = 0.0

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.step()
                self.stopping.wait(TICK_SECONDS)
        finally:
            connections.close_all()

    def step(self) -> None:
        close_old_connections()
        self._guarded(self._beat_if_due)
        if self.ticker is not None:
            self._guarded(self.ticker.tick)

    def _beat_if_due(self) -> None:
        if self.heartbeat and time.monotonic() - self.last_beat >= HEARTBEAT_SECONDS:
            beat(self.worker_id, self.started_at)
            self.last_beat = time.monotonic()

    def _guarded(self, action: Callable[[], object]) -> None:
        # A locked or briefly unreachable database must not kill the thread: try next tick.
        try:
            action()
        except DatabaseError:
            logger.exception("worker %s: housekeeping failed; retrying", self.worker_id)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


def run_worker(
    *,
    worker_id: str | None = None,
    queues: list[str] | None = None,
    interval: float = 1.0,
    schedule: bool = True,
    batch: bool = False,
) -> None:
    """Run tasks until SIGINT/SIGTERM (or, with ``batch``, until the queue is empty)."""
    worker_id = worker_id or new_worker_id()
    scheduler.autodiscover()
    housekeeper = Housekeeper(worker_id, heartbeat=True, schedule=schedule)
    housekeeper.step()  # heartbeat (and claim due slots) before the first task is taken
    housekeeper.start()
    worker = Worker(
        queue_names=queues or ["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        run_tasks(worker)
    finally:
        housekeeper.stop()
        worker.reset_signals()
        # Leaving the pool: readiness should stop counting this worker at once. (If the
        # database is gone, the row simply goes stale.)
        with contextlib.suppress(DatabaseError):
            WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def run_tasks(worker: Worker) -> None:
    """django-tasks-db's loop, resumed after a database error instead of ending the process.

    Its claim (a locked database, a connection the server dropped) raises out of the loop; a
    task's own errors are the task's and are recorded on it. The connection is thrown away
    (the next claim opens a new one), the error logged, and the loop resumes after a back-off
    that doubles while the errors come quickly and starts over after a quiet spell."""
    delay = RETRY_FIRST_SECONDS
    while True:
        started = time.monotonic()
        try:
            worker.run()
            return
        except DatabaseError:
            if not worker.running:
                return
            if time.monotonic() - started > RETRY_MAX_SECONDS:
                delay = RETRY_FIRST_SECONDS
            logger.exception(
                "worker %s: the task loop failed on the database; retrying in %.0f s",
                worker.worker_id, delay,
            )  # fmt: skip
            with contextlib.suppress(DatabaseError):
                connections["default"].close()
            _sleep_while_running(worker, delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)


def _sleep_while_running(worker: Worker, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while worker.running and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))


def run_scheduler(*, worker_id: str | None = None) -> None:
    """Only tick the scheduler (no tasks run here); stops on SIGINT/SIGTERM."""

    worker_id = worker_id or new_worker_id()
    scheduler.autodiscover()
    housekeeper = Housekeeper(worker_id, heartbeat=False, schedule=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    logger.info("scheduler %s: %d job(s) registered", worker_id, len(scheduler.registered_jobs()))
    while not stop.is_set():
        housekeeper.step()
        stop.wait(TICK_SECONDS)
    connections.close_all()
