"""Every read of tickets that a page, the API or a report makes, already scoped to the user."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.core.exceptions import EmptyResultSet
from django.db import router
from django.db.models import Prefetch, Q, QuerySet

from tierdesk.core import search
from tierdesk.core.errors import NotFound
from tierdesk.core.fetch import CompiledQuery, Fragment, Param
from tierdesk.tickets import policies
from tierdesk.tickets.configuration import attach_configuration
from tierdesk.tickets.domain import ticket_id_from_reference
from tierdesk.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Category,
    Message,
    Ticket,
    TicketEvent,
    TicketQuerySet,
)


def ticket_get(*, user: Any, reference: str | int, action: str = policies.VIEW) -> Ticket:
    """One ticket by number (``TD-1042``) or id, or ``NotFound`` if the user may not see it."""
    pk = ticket_id_from_reference(reference)
    if pk is None:
        raise NotFound("No such ticket.")
    queryset = policies.visible(user, policies.VIEW, Ticket.objects.all())
    ticket = with_related(queryset).prefetch_related("product").filter(pk=pk).first()
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


@dataclass(frozen=True)
class TicketFilters:
    status: list[str] | None = None
    active: bool | None = None
    priority: list[int] | None = None
    support_level: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool | None = None
    organization_id: int | None = None
    reporter_id: int | None = None
    category_id: int | None = None
    is_emergency: bool | None = None
    q: str | None = None
    breached: bool | None = None
    paused: bool | None = None
    due_before: datetime | None = None


ORDERINGS = {
    "queue": ("priority", "created_at", "id"),  # the agents' queue: most urgent, then oldest
    "newest": ("-created_at", "-id"),
    "newest_id": ("-id",),
    "oldest": ("created_at", "id"),
    "updated": ("-updated_at", "-id"),
}


def ticket_list(
    *, user: Any, filters: TicketFilters | None = None, ordering: str = "newest"
) -> QuerySet[Ticket]:
    filters = filters or TicketFilters()
    queryset = policies.visible(user, policies.VIEW, Ticket.objects.all())
    queryset = filtered(queryset, filters, include_internal=policies.sees_internal(user))
    if filters.q:
        # Newest first by id, which follows creation: PostgreSQL then walks the search table
        # backwards and stops at a page of matches instead of sorting all of them.
        ordering = "newest_id" if ordering == "newest" else ordering
    return with_related(queryset).order_by(*ORDERINGS.get(ordering, ORDERINGS["newest"]))


def ticket_page(tickets: QuerySet[Ticket], start: int, stop: int) -> list[Ticket]:
    """Rows ``start:stop`` of a ``ticket_list`` queryset, with what ``with_related`` brings
    (the people only as far as a reference shows them: id, name, e-mail), in one statement.

    The statement is the ORM's, in two parts: which tickets in which order (scope, filters,
    search, ordering: an id subquery) is compiled for each call; the outer part, the columns and
    joins, once per ordering and process (``_page_query``): compiling select_related's columns
    took longer than running the query. An ordering not in ``ORDERINGS`` goes through the ORM.
    """
    ordering = tuple(tickets.query.order_by)
    if ordering not in _ORDERINGS or not tickets.query.standard_ordering:
        return list(tickets[start:stop])
    try:
        inner, params = tickets.values("pk")[start:stop].query.get_compiler(tickets.db).as_sql()
    except EmptyResultSet:
        return []
    page = _page_query(ordering).rows(tickets.db, ids=(inner, params))
    attach_configuration(page)
    return page


_ORDERINGS = frozenset(ORDERINGS.values())
# The people as far as ``ticket_out`` shows them (a user's name: ``User.__str__``).
PAGE_PEOPLE = (
    "organization__id", "organization__name", "reporter__id", "reporter__name",
    "reporter__email", "assignee__id", "assignee__username", "assignee__first_name",
    "assignee__last_name", "assignee__display_name",
)  # fmt: skip


@functools.cache
def _page_query(ordering: tuple[str, ...]) -> CompiledQuery[Ticket]:
    """The outer part of a page: the tickets whose ids the ``ids`` fragment (the ORM's inner
    statement for this call) selects, with their people, in ``ordering`` (every ordering ends
    with the id: the order is total)."""
    columns = [field.name for field in Ticket._meta.concrete_fields]
    return CompiledQuery(
        lambda: (
            with_related(Ticket.objects.filter(pk__in=Fragment("ids", Ticket._meta.pk)))
            .only(*columns, *PAGE_PEOPLE)
            .order_by(*ordering)
        )
    )


def filtered(
    queryset: QuerySet[Ticket], filters: TicketFilters, *, include_internal: bool
) -> QuerySet[Ticket]:
    """``queryset`` narrowed by ``filters``, the search included, and by nothing else.

    ``ticket_list`` scopes first; a caller that picks candidates by a narrower rule of its own
    (the desk's "breaching soon", one visibility branch at a time) filters with this and then
    intersects with ``visible``."""
    queryset = _apply_filters(queryset, filters)
    if filters.q:
        queryset = search.filter_tickets(queryset, filters.q, include_internal=include_internal)
    return queryset


def with_related(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a ticket is shown with. The people join; the small configuration tables (teams,
    categories, plans) come from the per-process configuration caches, by id: every extra join
    multiplies PostgreSQL's planning time (with the search semi-join above all; see
    ``docs/benchmarks.md``), and a query each would cost a round trip each."""
    related = queryset.select_related("organization", "reporter", "assignee")
    return cast(TicketQuerySet, related).with_configuration()


def _apply_filters(queryset: QuerySet, filters: TicketFilters) -> QuerySet:
    if filters.active is True:
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif filters.active is False:
        queryset = queryset.exclude(status__in=OPEN_STATUSES)
    simple = {
        "status__in": filters.status,
        "priority__in": filters.priority,
        "support_level": filters.support_level,
        "team_id": filters.team_id,
        "assignee_id": filters.assignee_id,
        "organization_id": filters.organization_id,
        "reporter_id": filters.reporter_id,
        "category_id": filters.category_id,
        "is_emergency": filters.is_emergency,
    }
    queryset = queryset.filter(**{k: v for k, v in simple.items() if v is not None})
    if filters.unassigned is not None:
        queryset = queryset.filter(assignee__isnull=filters.unassigned)
    return _apply_sla_filters(queryset, filters)


def _apply_sla_filters(queryset: QuerySet, filters: TicketFilters) -> QuerySet:
    """Filters over the stored clock columns: no calendar maths in a list."""
    breached = Q(response_state="breached") | Q(resolution_state="breached")
    if filters.breached is not None:
        queryset = queryset.filter(breached) if filters.breached else queryset.exclude(breached)
    if filters.paused is not None:
        paused = Q(resolution_state="paused")
        queryset = queryset.filter(paused) if filters.paused else queryset.exclude(paused)
    if filters.due_before is not None:
        queryset = queryset.filter(
            Q(response_due_at__lt=filters.due_before) | Q(resolution_due_at__lt=filters.due_before)
        )
    return queryset


def ticket_messages(*, user: Any, ticket: Ticket) -> QuerySet[Message]:
    """The conversation; internal notes only for the support side."""
    internal = policies.sees_internal(user)
    return _messages(internal, ticket).prefetch_related(
        Prefetch("attachments", queryset=_attachments(internal))
    )


def ticket_events(*, user: Any, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The timeline; customers see the public kinds only."""
    return _events(policies.sees_internal(user), ticket)


def ticket_attachments(*, user: Any, ticket: Ticket) -> QuerySet:
    return _attachments_for(user).filter(ticket=ticket)


@dataclass(frozen=True)
class Conversation:
    """What a ticket page shows of a ticket's history, each list in time order."""

    messages: list[Message]
    attachments: list[Attachment]  # the ticket's, the messages' among them
    events: list[TicketEvent]


def ticket_conversation(*, user: Any, ticket: Ticket) -> Conversation:
    """``ticket_messages`` (without its prefetch: the messages' attachments are among the
    ticket's), ``ticket_attachments`` and ``ticket_events`` in three statements, each the ORM's
    compiled once per process and audience: every ticket page reads them, and compiling their
    joins cost Django more than running them."""
    messages, attachments, events = (
        read.rows(router.db_for_read(model), ticket=ticket.pk)
        for model, read in _conversation_reads(policies.sees_internal(user))
    )
    return Conversation(messages=messages, attachments=attachments, events=events)


@functools.cache
def _conversation_reads(internal: bool) -> tuple[tuple[type, CompiledQuery[Any]], ...]:
    ticket = Param("ticket", Ticket._meta.pk)
    return (
        (Message, CompiledQuery(lambda: _messages(internal, ticket))),
        (Attachment, CompiledQuery(lambda: _attachments(internal).filter(ticket=ticket))),
        (TicketEvent, CompiledQuery(lambda: _events(internal, ticket))),
    )


def _messages(internal: bool, ticket: Any) -> QuerySet[Message]:
    messages = Message.objects.filter(ticket=ticket).select_related("author", "author_contact")
    if not internal:
        messages = messages.filter(kind="public")
    return messages.order_by("created_at", "id")


def _events(internal: bool, ticket: Any) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    if not internal:
        events = events.filter(is_public=True)
    return events.order_by("at", "id")


def attachment_get(*, user: Any, reference: str | int, attachment_id: int) -> Any:
    ticket = ticket_get(user=user, reference=reference)
    attachment = ticket_attachments(user=user, ticket=ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    return attachment


def _attachments_for(user: Any) -> QuerySet:
    return _attachments(policies.sees_internal(user))


def _attachments(internal: bool) -> QuerySet:
    attachments = Attachment.objects.order_by("created_at", "id")
    if not internal:
        attachments = attachments.filter(is_internal=False).filter(
            Q(message__isnull=True) | Q(message__kind="public")
        )
    return attachments


def category_list(*, user: Any) -> QuerySet[Category]:
    """Categories are public configuration: everybody who files tickets needs them."""
    return Category.objects.filter(is_active=True).select_related("parent")
