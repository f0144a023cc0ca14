"""SLA over the API: clock fields on tickets, filters over them, plans, calendars, explain."""

from __future__ import annotations

import time_machine

from tests.sla.test_sweep import MON, TUE, ist
from tierdesk.tickets import services
from tierdesk.tickets.services.sweep import sla_sweep


def open_p2(world, subject="Calls drop"):
    with time_machine.travel(ist(MON, 9), tick=False):
        return services.ticket_open(
            actor=world.l1, organization=world.acme, subject=subject, body="b", priority=2
        )


def test_a_ticket_carries_its_clocks(world, api_as):
    ticket = open_p2(world)
    body = api_as("acme_contact").get(f"/api/v1/tickets/{ticket.reference}").json()
    assert body["sla"]["plan"]["name"] == "Standard"
    assert body["sla"]["first_response"] == {
        "state": "running", "due_at": "2026-11-30T07:30:00Z", "elapsed_seconds": 0,
    }  # fmt: skip
    assert body["sla"]["resolution"]["due_at"] == "2026-12-02T03:30:00Z"  # Wed 09:00 IST


def test_tickets_filter_by_breached_paused_and_due_before(world, api_as):
    open_p2(world, "late")
    waiting = open_p2(world, "waiting")
    answered = open_p2(world, "answered")
    with time_machine.travel(ist(MON, 10), tick=False):
        services.ticket_pend(actor=world.l1, ticket=waiting, reason="customer")
        services.ticket_reply(actor=world.l1, ticket=answered, body="Looking at it")
    with time_machine.travel(ist(MON, 14), tick=False):
        sla_sweep()  # the unanswered response clock ran out at 13:00
    api = api_as("manager")

    def subjects(**params):
        return sorted(t["subject"] for t in api.get("/api/v1/tickets", **params).json()["items"])

    assert subjects(breached="true") == ["late"]
    assert subjects(breached="false") == ["answered", "waiting"]
    assert subjects(paused="true") == ["waiting"]
    assert subjects(due_before="2026-11-30T08:00:00Z") == ["late"]


def test_plans_and_calendars_are_readable_by_everybody_signed_in(world, api_as):
    plans = api_as("globex_contact").get("/api/v1/sla/plans").json()
    standard = next(p for p in plans if p["slug"] == "standard")
    p3_resolution = next(
        t for t in standard["targets"] if (t["priority"], t["metric"]) == (3, "resolution")
    )
    assert p3_resolution["seconds"] == 7 * 10 * 3600  # 7 business days of 10 hours
    assert [s["name"] for s in standard["escalation_steps"]][:2] == [
        "Team lead", "Senior product manager",
    ]  # fmt: skip
    calendars = api_as("l1").get("/api/v1/sla/calendars").json()
    ist_calendar = next(c for c in calendars if c["slug"] == "standard-ist")
    assert ist_calendar["timezone"] == "Asia/Kolkata"
    assert any(h["name"] == "Republic Day" for h in ist_calendar["holidays"])
    assert api_as(None).get("/api/v1/sla/plans").status_code == 401


def test_the_explanation_shows_remaining_business_time(world, api_as):
    ticket = open_p2(world)
    with time_machine.travel(ist(TUE, 10), tick=False):
        body = api_as("l2").get(f"/api/v1/tickets/{ticket.reference}/sla")
    # L2 does not see the L1 desk's ticket: another team's ticket is a 404, not a 403.
    assert body.status_code == 404
    with time_machine.travel(ist(TUE, 10), tick=False):
        body = api_as("l1").get(f"/api/v1/tickets/{ticket.reference}/sla").json()
    resolution = next(c for c in body["clocks"] if c["metric"] == "resolution")
    assert resolution["elapsed_seconds"] == 11 * 3600  # Monday 09-18 and Tuesday 08-10
    assert resolution["remaining_seconds"] == 9 * 3600
