"""One list of the columns a ticket stores its clocks in (``sla.services.CLOCK_COLUMNS``), read
by every writer (a change's UPDATE, the sweep's): a clock column the ticket model gains must be
listed, or a writer would skip it silently. And the event kinds the SLA engine reads as text
are the ticket domain's."""

from __future__ import annotations

import ast
import inspect

from tierdesk.sla import clocks
from tierdesk.sla import services as sla_services
from tierdesk.sla.clocks import CLOCK_EVENT_KINDS, FIRED_EVENT_KINDS, ticket_clocks
from tierdesk.sla.services import CLOCK_COLUMNS, clock_columns
from tierdesk.sla.sweep import EVENT_KINDS
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, Ticket

CLOCK_SUFFIXES = ("_state", "_due_at", "_elapsed", "_check_at")


def test_every_clock_column_of_the_ticket_is_listed():
    on_the_model = {
        field.name
        for field in Ticket._meta.concrete_fields
        if (field.name.startswith("sla_") and not field.is_relation)
        or field.name.endswith(CLOCK_SUFFIXES)
    }
    assert on_the_model == set(CLOCK_COLUMNS)
    assert len(CLOCK_COLUMNS) == len(set(CLOCK_COLUMNS))


def test_the_clocks_computed_fill_every_listed_column(world):
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="x", body="y"
    )
    columns = clock_columns(ticket_clocks(ticket), None)
    assert list(columns) == list(CLOCK_COLUMNS)


def test_the_event_kinds_the_sla_engine_reads_are_event_kinds():
    named = CLOCK_EVENT_KINDS | FIRED_EVENT_KINDS.keys() | set(EVENT_KINDS.values())
    assert named <= set(EventKind.values)


def kinds_compared(module) -> set[str]:
    """The strings the module compares an event's ``kind`` with (``==``, ``in {...}``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Compare) and getattr(node.left, "attr", None) == "kind":
            for comparator in node.comparators:
                found |= {
                    n.value
                    for n in ast.walk(comparator)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                }
    return found


def test_the_kinds_the_clocks_compare_with_are_event_kinds():
    compared = kinds_compared(clocks) | kinds_compared(sla_services)
    assert compared and compared <= set(EventKind.values)
