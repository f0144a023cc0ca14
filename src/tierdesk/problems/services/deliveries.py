"""Delivering a problem's update to every linked ticket: in batches, once per ticket.

A batch is one transaction that first locks the update's row: a second worker (or a retried
task) waits there, then reads the batch's tickets as delivered and moves on; a rolled-back
batch delivers nothing and leaves its tickets pending. Inside it everything that can be is done
set-based: the pending tickets and their SLA histories read once (a ``UnitOfWork``), the
``UpdateDelivery(update, ticket)`` rows (unique: the key that makes a delivery happen once)
written in one INSERT, the problem's step on each timeline written in one INSERT through the
event primitive (``plan_event`` / ``events_written``), and the search documents once.

What each ticket gets goes through the ticket services as the update's author (a public reply;
the fix resolves the ticket with its text as the summary), so the reporter hears of it as of
any reply: one mail, in their own ticket's thread. A ticket the author may not act on (closed,
out of reach) is recorded as skipped with the reason.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.tasks import task

from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, TierdeskError
from tierdesk.mail.events import event_mails_batched
from tierdesk.problems.models import (
    BroadcastState,
    DeliveryOutcome,
    ProblemTicket,
    ProblemUpdate,
    UpdateDelivery,
    UpdateKind,
)
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.domain import Status
from tierdesk.tickets.models import OPEN_STATUSES, EventKind, Ticket, TicketEvent
from tierdesk.tickets.services import UnitOfWork
from tierdesk.tickets.services.base import EventPlan, events_written, plan_event

BATCH_SIZE = 100
# The step each kind of update leaves on a ticket's timeline, beside the reply it posts.
STEP_KINDS: dict[str, EventKind] = {
    UpdateKind.UPDATE: EventKind.PROBLEM_BROADCAST,
    UpdateKind.WORKAROUND: EventKind.WORKAROUND_PUBLISHED,
    UpdateKind.FIX: EventKind.PROBLEM_FIXED,
}


@task
def deliver_update(update_id: int) -> int:
    return update_deliver(update_id=update_id)


def update_deliver(*, update_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Post the update on every linked ticket that has not had it; the count posted now."""
    update = ProblemUpdate.objects.select_related("author", "problem").filter(pk=update_id).first()
    if update is None or update.state == BroadcastState.DONE or update.author is None:
        return 0
    posted, after = 0, 0
    while True:
        # The batch's reply events reach mail as one task, their mails composed set-based.
        with event_mails_batched():
            batch = _deliver_batch(update, after, batch_size)
        if batch is None:
            break
        posted += batch[0]
        after = batch[1]
    ProblemUpdate.objects.filter(pk=update.pk, state=BroadcastState.QUEUED).update(
        state=BroadcastState.DONE, finished_at=now()
    )
    return posted


def _deliver_batch(update: ProblemUpdate, after: int, size: int) -> tuple[int, int] | None:
    """The next batch of pending tickets after ticket id ``after``, delivered in one
    transaction; (the count posted, the last ticket id), or ``None`` when none is pending."""
    with transaction.atomic():
        _lock(update)
        ids = _pending_ticket_ids(update, after, size)
        if not ids:
            return None
        tickets = Ticket.objects.select_related("organization").filter(pk__in=ids).order_by("pk")
        work = UnitOfWork.preloaded(ticket_ids=ids)
        at = now()
        deliveries: list[UpdateDelivery] = []
        steps: list[EventPlan] = []
        for ticket in tickets:
            reason = _tell_one(update, ticket, work)
            deliveries.append(_delivery(update, ticket, reason, at))
            if not reason:
                steps.append(_step(update, ticket, at))
        UpdateDelivery.objects.bulk_create(deliveries)
        TicketEvent.objects.bulk_create([step.event for step in steps])
        events_written(steps, clocks_stored=True)  # steps are internal: they move no clock
        work.finish()
    return len(steps), ids[-1]


def _lock(update: ProblemUpdate) -> None:
    """Hold the update's row until the batch commits (SQLite: its one writer does)."""
    list(ProblemUpdate.objects.select_for_update().filter(pk=update.pk).values_list("pk"))


def _pending_ticket_ids(update: ProblemUpdate, after: int, size: int) -> list[int]:
    delivered = UpdateDelivery.objects.filter(update=update, ticket_id=OuterRef("ticket_id"))
    pending = ProblemTicket.objects.filter(problem_id=update.problem_id, ticket_id__gt=after)
    pending = pending.exclude(Exists(delivered)).order_by("ticket_id")
    return list(pending.values_list("ticket_id", flat=True)[:size])


def _delivery(update: ProblemUpdate, ticket: Ticket, reason: str, at: datetime) -> UpdateDelivery:
    outcome = DeliveryOutcome.SKIPPED if reason else DeliveryOutcome.POSTED
    return UpdateDelivery(update=update, ticket=ticket, outcome=outcome, reason=reason, at=at)


def _step(update: ProblemUpdate, ticket: Ticket, at: datetime) -> EventPlan:
    data = {"problem": update.problem_id, "reference": update.problem.reference,
            "update": update.pk}  # fmt: skip
    return plan_event(ticket, STEP_KINDS[update.kind], update.author, at, public=False, data=data)


def _tell_one(update: ProblemUpdate, ticket: Ticket, work: UnitOfWork) -> str:
    """Post the update on one ticket in a savepoint; "" when posted, else why not."""
    try:
        with transaction.atomic():
            _tell(update, ticket, work)
    except TierdeskError as exc:
        work.forget()  # the savepoint took back what the histories may have taken in
        return exc.message[:200]
    return ""


def _tell(
    update: ProblemUpdate, ticket: Ticket, work: UnitOfWork, *, retried: bool = False
) -> None:
    try:
        if update.resolves and ticket.status in OPEN_STATUSES:
            ticket_services.ticket_resolve(actor=update.author, ticket=ticket, summary=update.body)
        elif ticket.status == Status.CLOSED:
            raise SkippedTicket("The ticket is closed.")
        else:
            ticket_services.ticket_reply(
                actor=update.author, ticket=ticket, body=update.body, work=work
            )
    except Conflict:
        if retried:
            raise
        ticket.refresh_from_db()  # changed meanwhile: tell the ticket as it is now
        work.forget()
        _tell(update, ticket, work, retried=True)


class SkippedTicket(TierdeskError):
    """A linked ticket this update does not go to."""
