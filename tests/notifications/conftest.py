"""Shared pieces of the notification tests: the chain's people and two workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from tests.conftest import _agent
from tierdesk.mail.models import OutboundMail
from tierdesk.notifications.mailing import NOTIFICATION_KIND
from tierdesk.sla.models import EscalationStep

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def two_workers(work: Callable[[], Any]) -> None:
    """Run ``work`` as two workers: two threads at once on PostgreSQL (each with its own
    connection), one after the other on SQLite (one writer: that is its concurrency)."""
    if connection.vendor != "postgresql":
        work()
        work()
        return
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connection as thread_connection

        try:
            start.wait()
            work()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def notification_mails(address: str) -> list[OutboundMail]:
    return list(
        OutboundMail.objects.filter(kind=NOTIFICATION_KIND, to_address=address).order_by("id")
    )


@pytest.fixture
def chain(world: Any) -> dict[int, Any]:
    """The Standard plan's chain names a person per step: the team lead of the ticket's team,
    then a senior product manager, a VP and a CTO (managers, so they see the ticket)."""
    world.service_desk.lead = world.l1_other
    world.service_desk.save()
    people = {1: world.l1_other}
    for position, username in ((2, "pm"), (3, "vp"), (4, "cto")):
        people[position] = _agent(username, world.vendor, 3, [], is_manager=True)
    for step in EscalationStep.objects.filter(plan__slug="standard"):
        step.notify_roles = ["team_lead"] if step.position == 1 else []
        step.save()
        step.notify_users.set([] if step.position == 1 else [people[step.position]])
    return people


@pytest.fixture
def run_tasks(settings: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Commit callbacks run at once and tasks run in-process, as a worker would run them."""
    settings.TASKS = IMMEDIATE

    def run(action: Any, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
