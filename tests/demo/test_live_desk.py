"""The demo looks like a live desk at any hour it is loaded: the tickets still being worked are
timed relative to now, so most are on track, some are in their warning window, a few are
breached; others wait on the customer or were resolved. No wall of red."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tierdesk.core.clock import now
from tierdesk.demo import loader
from tierdesk.sla.clocks import ticket_clocks
from tierdesk.sla.timeline import FIRST_RESPONSE, RESOLUTION
from tierdesk.tickets.models import Ticket


@pytest.fixture
def loaded(db: None, settings: Any, tmp_path: Path) -> loader.Cast:
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return loader.load(tickets=120, seed=11, report=lambda message: None)


def moods(tickets: list[Ticket]) -> dict[str, int]:
    """Each ticket's mood by the clock that matters to it (the first response while nobody
    answered, else the resolution): on track, warning, breached."""
    found = {"on_track": 0, "warning": 0, "breached": 0}
    at = now()
    for ticket in tickets:
        clocks = ticket_clocks(ticket, at=at)
        metric = FIRST_RESPONSE if ticket.status == "new" else RESOLUTION
        result = clocks.results.get(metric)
        if result is None or result.target is None:
            continue
        if result.state == "breached":
            found["breached"] += 1
        elif result.warn_at is not None and result.warn_at <= at:
            found["warning"] += 1
        else:
            found["on_track"] += 1
    return found


def test_most_tickets_being_worked_are_on_track_and_a_few_are_not(loaded: loader.Cast) -> None:
    active = list(Ticket.objects.filter(status__in=["new", "open"]).select_related("sla_plan"))
    found = moods(active)
    total = sum(found.values())
    assert total >= 20
    assert found["on_track"] > total / 2
    assert found["warning"] >= 1
    assert 1 <= found["breached"] < total / 3


def test_waiting_and_finished_tickets_are_there_too(loaded: loader.Cast) -> None:
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {"pending", "resolved", "closed"} <= statuses


def test_no_ticket_opened_in_the_future_and_none_is_weeks_overdue(loaded: loader.Cast) -> None:
    at = now()
    assert not Ticket.objects.filter(created_at__gt=at).exists()
    active = Ticket.objects.filter(status__in=["new", "open"])
    overdue = [
        t for t in active if t.resolution_due_at and at - t.resolution_due_at > timedelta(days=30)
    ]
    assert overdue == []
