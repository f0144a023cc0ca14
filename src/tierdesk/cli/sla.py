"""``tierdesk sla explain|due|sweep``. Here, at the top, rather than in the SLA app: explaining
a ticket's clocks starts from the ticket, which the SLA engine (below tickets) may not read."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.errors import NotFound
from tierdesk.sla.explain import due_from_file, explain_data, explain_text
from tierdesk.tickets.selectors import ticket_get
from tierdesk.tickets.services.sweep import sla_sweep


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


def _explain(args: argparse.Namespace) -> int:
    try:
        ticket = ticket_get(user=SYSTEM, reference=args.ticket)
    except NotFound:
        print(f"tierdesk sla: no ticket {args.ticket}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(explain_data(ticket), indent=2))
    else:
        print(explain_text(ticket))
    return 0


def _due(args: argparse.Namespace) -> int:
    print(due_from_file(args.calendar, args.start, args.minutes, args.pause))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    print(f"handled {sla_sweep()} tickets")
    return 0
