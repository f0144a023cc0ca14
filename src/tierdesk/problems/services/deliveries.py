"""Delivering a problem's update to every linked ticket: in batches, once per ticket.

Each ticket's delivery writes its ``UpdateDelivery(update, ticket)`` row (unique) in the same
transaction as the reply, so a retried task or a second worker finds the key taken and moves
on: on PostgreSQL the second insert waits for the first worker's commit and then fails; a
rolled-back batch frees its keys for the next try. What each ticket gets goes through the
ticket services as the update's author (a public reply; the fix resolves the ticket with its
text as the summary), so the reporter hears of it as of any reply: one mail, in their own
ticket's thread. A ticket the author may not act on (closed, out of reach) is recorded as
skipped with the reason.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.tasks import task

from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, TierdeskError
from tierdesk.problems.models import (
    BroadcastState,
    DeliveryOutcome,
    ProblemTicket,
    ProblemUpdate,
    UpdateDelivery,
)
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.domain import Status
from tierdesk.tickets.models import OPEN_STATUSES, Ticket
from tierdesk.tickets.services import UnitOfWork

BATCH_SIZE = 100


@task
def deliver_update(update_id: int) -> int:
    return update_deliver(update_id=update_id)


def update_deliver(*, update_id: int, batch_size: int = BATCH_SIZE) -> int:
    """Post the update on every linked ticket that has not had it; the count posted now."""
    update = ProblemUpdate.objects.select_related("author").filter(pk=update_id).first()
    if update is None or update.state == BroadcastState.DONE or update.author is None:
        return 0
    posted, after = 0, 0
    while ids := _pending_ticket_ids(update, after, batch_size):
        posted += _deliver_batch(update, ids)
        after = ids[-1]
    ProblemUpdate.objects.filter(pk=update.pk, state=BroadcastState.QUEUED).update(
        state=BroadcastState.DONE, finished_at=now()
    )
    return posted


def _pending_ticket_ids(update: ProblemUpdate, after: int, size: int) -> list[int]:
    delivered = UpdateDelivery.objects.filter(update=update, ticket_id=OuterRef("ticket_id"))
    pending = ProblemTicket.objects.filter(problem_id=update.problem_id, ticket_id__gt=after)
    pending = pending.exclude(Exists(delivered)).order_by("ticket_id")
    return list(pending.values_list("ticket_id", flat=True)[:size])


def _deliver_batch(update: ProblemUpdate, ids: list[int]) -> int:
    """One transaction per batch, a unit of work across it: the tickets' histories (their SLA
    clocks' input) read in one query and their search documents written in one statement,
    instead of one of each per reply."""
    tickets = Ticket.objects.select_related("organization").filter(pk__in=ids).order_by("pk")
    work = UnitOfWork.preloaded(ticket_ids=ids)
    with transaction.atomic():
        posted = sum(_deliver_one(update, ticket, work) for ticket in tickets)
        work.finish()
    return posted


def _deliver_one(update: ProblemUpdate, ticket: Ticket, work: UnitOfWork) -> int:
    """1 when this call posted the update on the ticket, 0 when it was taken or skipped."""
    try:
        with transaction.atomic():
            delivery = UpdateDelivery.objects.create(
                update=update, ticket=ticket, outcome=DeliveryOutcome.POSTED, at=now()
            )
    except IntegrityError:
        return 0  # delivered (or being delivered) by another worker
    try:
        with transaction.atomic():
            _tell(update, ticket, work)
    except TierdeskError as exc:
        work.forget()  # the savepoint took back what the histories may have taken in
        delivery.outcome, delivery.reason = DeliveryOutcome.SKIPPED, exc.message[:200]
        delivery.save(update_fields=["outcome", "reason"])
        return 0
    return 1


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
