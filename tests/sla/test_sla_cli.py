"""``tierdesk sla explain`` and ``tierdesk sla due`` as an operator types them."""

from __future__ import annotations

import json

import time_machine

from tests.sla.test_sweep import MON, ist
from tierdesk.cli import main
from tierdesk.tickets import services


def test_sla_explain_prints_every_clock_of_a_ticket(world, capsys):
    with time_machine.travel(ist(MON, 9), tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="Calls drop", body="b", priority=2
        )
    with time_machine.travel(ist(MON, 10), tick=False):
        assert main(["sla", "explain", ticket.reference]) == 0
    out = capsys.readouterr().out
    assert f"{ticket.reference}  plan: Standard" in out
    assert "First response: running  target 4h00m  used 1h00m" in out
    assert "due: 2026-11-30T07:30:00+00:00" in out or "due: 2026-11-30T13:00:00+05:30" in out


def test_sla_explain_of_an_unknown_ticket_fails_clearly(world, capsys):
    assert main(["sla", "explain", "TD-999999"]) == 1
    assert "no ticket TD-999999" in capsys.readouterr().err


def test_sla_explain_json(world, capsys):
    ticket = services.ticket_open(
        actor=world.l1, organization=world.acme, subject="x", body="b", priority=3
    )
    assert main(["sla", "explain", ticket.reference, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["metric"] for c in data["clocks"]] == ["first_response", "resolution"]


def test_sla_due_prints_the_deadline_in_the_calendars_offset(tmp_path, capsys):
    calendar = tmp_path / "ist.json"
    calendar.write_text(json.dumps({"timezone": "Asia/Kolkata", "holiday_country": "IN"}))
    args = ["sla", "due", "--calendar", str(calendar), "--start", "2026-11-23T17:00+05:30"]
    assert main([*args, "--minutes", "120"]) == 0
    assert capsys.readouterr().out.strip() == "2026-11-25T09:00:00+05:30"


def test_sla_due_with_a_bad_instant_says_what_is_wrong(tmp_path, capsys):
    calendar = tmp_path / "utc.json"
    calendar.write_text(json.dumps({"timezone": "UTC"}))
    args = ["sla", "due", "--calendar", str(calendar), "--start", "tomorrow", "--minutes", "5"]
    assert main(args) == 2
    assert "not an ISO 8601 instant" in capsys.readouterr().err
