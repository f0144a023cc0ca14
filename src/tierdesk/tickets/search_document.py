"""The ticket's row in the search index (``tierdesk.core.search``)."""

from __future__ import annotations

from django.db import models


class TicketSearchDocument(models.Model):
    """A ticket's row in the search index; written and read only by ``tierdesk.core.search``.

    The table is engine-specific (migration 0003): an FTS5 virtual table on SQLite, tsvector
    columns with GIN indexes on PostgreSQL. The model declares only the key both share, so
    Django knows the table (test flushes, cascading deletes) without describing the engine.
    No database constraint: FTS5 cannot have one, and the bulk rebuild need not check one per row.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, db_constraint=False,
        related_name="+",
    )  # fmt: skip

    class Meta:
        db_table = "tickets_search"

    def __str__(self) -> str:
        return f"Search document of {self.ticket_id}"
