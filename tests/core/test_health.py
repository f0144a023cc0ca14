"""/healthz says the process answers; /readyz says it can do its work (database, schema, worker)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from tierdesk.core.clock import now
from tierdesk.core.models import WorkerHeartbeat
from tierdesk.core.worker import beat


def test_healthz_answers_ok(db: None) -> None:
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_unavailable_while_no_worker_runs(db: None) -> None:
    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "migrations": True, "worker": False}


def test_readyz_is_ready_once_a_worker_beats(db: None) -> None:
    beat("worker-1", now())

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_does_not_count_a_worker_that_stopped_beating(db: None) -> None:
    beat("worker-1", now())
    WorkerHeartbeat.objects.update(seen_at=now() - timedelta(hours=1))

    assert Client().get("/readyz").status_code == 503


def test_a_second_beat_updates_the_same_row(db: None) -> None:
    started = now() - timedelta(minutes=5)
    beat("worker-1", started)
    beat("worker-1", started)

    heartbeat = WorkerHeartbeat.objects.get()
    assert heartbeat.started_at == started
    assert heartbeat.seen_at > started
