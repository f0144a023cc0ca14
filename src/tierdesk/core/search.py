"""Full-text search over tickets: one interface, two engines.

Embedded (SQLite) uses an FTS5 table; at scale (PostgreSQL) a tsvector column with a GIN index.
Placeholder until the search engines land: indexing is a no-op and search matches subjects.
"""

from __future__ import annotations

from django.db.models import QuerySet


def index_ticket(ticket_id: int) -> None:
    """Bring the ticket's search document up to date. Called on commit by the services."""


def filter_tickets(queryset: QuerySet, query: str, *, include_internal: bool) -> QuerySet:
    return queryset.filter(subject__icontains=query)
