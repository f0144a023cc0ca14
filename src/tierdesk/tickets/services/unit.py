"""A unit of work: what many ticket writes in one transaction share, handed along explicitly.

A batch (a mail poll's messages) would otherwise pay, per change, a query for the ticket's
history (its SLA clocks), one for the plan of each ticket it opens and one statement per search
document. It reads the first two once, up front, and writes the documents once, at its end; the
services it calls take the ``UnitOfWork`` as their ``work`` argument and pass it on to the SLA
functions, which take its parts as optional parameters. Nothing is read from hidden state: a
service called without it reads and writes as usual.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import router

from tierdesk.core import search
from tierdesk.core.fetch import CompiledQuery, Fragment
from tierdesk.sla.clocks import EventFact, Histories
from tierdesk.sla.services import PlanChoices, plans_chosen
from tierdesk.tickets.models import TicketEvent


@dataclass(eq=False)
class UnitOfWork:
    """``histories``: the tickets' SLA histories read beforehand, kept current as events are
    written (``forget`` after a rollback of part of the work); ``plans``: the plans chosen
    beforehand for the organizations it opens tickets for; ``search_ids``: the tickets whose
    search documents ``finish`` writes, in the work's transaction, so they commit with it."""

    histories: Histories = field(default_factory=Histories)
    plans: PlanChoices | None = None
    search_ids: set[int] = field(default_factory=set)

    @classmethod
    def preloaded(
        cls, *, ticket_ids: Collection[int] = (), organizations: Iterable[Any] = ()
    ) -> UnitOfWork:
        """A unit that has read the histories of ``ticket_ids`` (the tickets it will change)
        and chosen the plans of ``organizations`` (those it will open tickets for): one query
        each, none when there are none."""
        return cls(Histories(histories_of(ticket_ids)), plans_chosen(organizations))

    def reindex_later(self, ticket_id: int) -> None:
        self.search_ids.add(ticket_id)

    def forget(self) -> None:
        """Part of the work was rolled back (a savepoint): the histories may hold its events;
        they are read again as needed. (A document of a rolled-back change is rebuilt from
        what the tables hold when the work finishes: nothing to forget there.)"""
        self.histories.forget()

    def finish(self) -> None:
        """Write the search documents of the tickets the work changed, set-based; call it in
        the work's transaction, before its commit."""
        if self.search_ids:
            search.index_documents(self.search_ids, prune=False)
            self.search_ids.clear()


def histories_of(ticket_ids: Collection[int]) -> dict[int, list[EventFact]]:
    """Every listed ticket's events, in order, in one query (none for no tickets): the ORM's
    statement compiled once per process, the ids spliced in as placeholders."""
    events: dict[int, list[EventFact]] = {pk: [] for pk in ticket_ids}
    if not events:
        return events
    ids = list(events)
    rows = _HISTORIES.rows(router.db_for_read(TicketEvent), ids=(", ".join(["%s"] * len(ids)), ids))
    for event in rows:
        events[event.ticket_id].append(EventFact(event.kind, event.at, event.data))
    return events


_HISTORIES = CompiledQuery(
    lambda: (
        TicketEvent.objects.filter(ticket_id__in=Fragment("ids", TicketEvent._meta.pk))
        .order_by("ticket_id", "at", "id")
        .only("ticket_id", "kind", "at", "data")
    )
)
