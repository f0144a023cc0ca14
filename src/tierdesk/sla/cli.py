"""``tierdesk sla ...``: explain a ticket's clocks, compute a deadline, run the sweep once."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

DESCRIPTION = (
    "Service-level tools. 'sla explain TD-1042' shows each clock of a ticket: plan, target, "
    "calendar, pauses, business time used, due instant, state and the intervals that counted. "
    "'sla due --calendar FILE.json --start ISO8601 --minutes N [--pause START/END ...]' prints "
    "the deadline in the calendar's offset. 'sla sweep' runs the SLA sweep once."
)


def add_commands(add: Callable[..., None]) -> None:
    add("sla", run, DESCRIPTION, _arguments)


def _arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="sla_action", required=True, metavar="ACTION")
    explain = actions.add_parser("explain", help="Explain a ticket's SLA clocks.")
    explain.add_argument("ticket", help="ticket number, e.g. TD-1042")
    explain.add_argument("--json", action="store_true", help="print JSON instead of text")
    due = actions.add_parser(
        "due",
        help="Compute a deadline from a calendar file.",
        description=(
            'Calendar file: {"timezone": "Asia/Kolkata", "week": {"mon": [["08:00", "18:00"]]}, '
            '"holidays": ["2026-01-26"], "holiday_country": "IN", "holiday_subdivision": null, '
            '"always_open": false}; every key but timezone is optional.'
        ),
    )
    due.add_argument("--calendar", required=True, metavar="FILE.json")
    due.add_argument("--start", required=True, metavar="ISO8601", help="with a UTC offset")
    due.add_argument("--minutes", required=True, type=int, help="business minutes of target")
    due.add_argument("--pause", action="append", default=[], metavar="START/END", help="repeatable")
    actions.add_parser("sweep", help="Run the SLA sweep once, now.")


def run(args: argparse.Namespace) -> int:
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "explain": _explain,
        "due": _due,
        "sweep": _sweep,
    }
    try:
        return handlers[args.sla_action](args)
    except (ValueError, OSError) as exc:
        print(f"tierdesk sla: {exc}", file=sys.stderr)
        return 2


def _setup() -> None:
    from tierdesk.cli import setup_django

    setup_django()


def _explain(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.accounts.principal import SYSTEM
    from tierdesk.core.errors import NotFound
    from tierdesk.sla.explain import explain_data, explain_text
    from tierdesk.tickets.selectors import ticket_get

    try:
        ticket: Any = ticket_get(user=SYSTEM, reference=args.ticket)
    except NotFound:
        print(f"tierdesk sla: no ticket {args.ticket}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(explain_data(ticket), indent=2))
    else:
        print(explain_text(ticket))
    return 0


def _due(args: argparse.Namespace) -> int:
    # Pure arithmetic plus the holidays package: no database needed, but settings are read.
    _setup()
    from tierdesk.sla.explain import due_from_file

    print(due_from_file(args.calendar, args.start, args.minutes, args.pause))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.sla.sweep import sla_sweep

    print(f"handled {sla_sweep()} tickets")
    return 0
