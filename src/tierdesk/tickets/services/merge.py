"""Merging a duplicate into the ticket that carries on."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets.domain import TARGET, Action
from tierdesk.tickets.models import EventKind, Ticket
from tierdesk.tickets.services.base import check, compare_and_set, record, reindex


def ticket_merge(*, actor: Any, duplicate: Ticket, into: Ticket) -> Ticket:
    """Close ``duplicate`` as a duplicate of ``into``; returns ``into``.

    Nothing is moved: the duplicate keeps its conversation, and both timelines point at each
    other (publicly, so the reporter of the duplicate learns where the work goes on). The
    duplicate is resolved and closed in one step so its SLA clocks stop like any finished
    ticket's, and its reporter is not asked to confirm a resolution that is not one.
    """
    check(actor, Action.RESOLVE, duplicate)
    check(actor, Action.UPDATE, into)
    if duplicate.pk == into.pk:
        raise InvalidInput("A ticket cannot be merged into itself.", field="into")
    if duplicate.organization_id != into.organization_id:
        raise InvalidInput(
            "Only tickets of the same organization can be merged: the customers would see "
            "each other's conversation.",
            field="into",
        )
    at = now()
    summary = f"Duplicate of {into.reference}; the work goes on there."
    old_status = duplicate.status
    with transaction.atomic():
        compare_and_set(
            duplicate, at=at, status=TARGET[Action.CLOSE], resolved_at=at, closed_at=at,
            pending_reason="", pending_note="", resolution_summary=summary,
        )  # fmt: skip
        record(
            duplicate, EventKind.RESOLVED, actor, at,
            summary=summary, status=[old_status, TARGET[Action.RESOLVE]],
        )  # fmt: skip
        record(duplicate, EventKind.CLOSED, actor, at)
        record(duplicate, EventKind.MERGED, actor, at, public=True, into=into.reference)
        compare_and_set(into, at=at)
        record(
            into, EventKind.MERGED, actor, at,
            public=True, merged=duplicate.reference, subject=duplicate.subject,
        )  # fmt: skip
        reindex(duplicate)
    return into
