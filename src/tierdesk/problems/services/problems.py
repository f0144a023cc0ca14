"""Problems: create, link tickets, notes, the workaround, broadcasts and the fix.

What a problem tells its tickets is a ``ProblemUpdate``, delivered in the background
(``deliveries.update_deliver``): each ticket gets it through the ticket services, so the
reporter hears of it the way they hear of any reply, in their own ticket's thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, InvalidTransition, NotFound
from tierdesk.core.text import MAX_SUBJECT
from tierdesk.crm.models import Product
from tierdesk.kb import services as kb_services
from tierdesk.kb.models import Section, Visibility
from tierdesk.problems import policies
from tierdesk.problems.models import (
    Problem,
    ProblemNote,
    ProblemStatus,
    ProblemTicket,
    ProblemUpdate,
    UpdateKind,
)
from tierdesk.problems.services import deliveries
from tierdesk.problems.services.base import check, on_timeline, text, user_of
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.models import EventKind, Ticket

# The help-centre section a known error's article is proposed in.
KNOWN_ERRORS_SECTION = "troubleshooting"


def problem_create(
    *,
    actor: Any,
    statement: str,
    description: str = "",
    products: Iterable[Product] = (),
    affected_versions: str = "",
    owner: Any = None,
    tickets: Iterable[Ticket] = (),
) -> Problem:
    """A new problem, investigating, owned by ``owner`` (else its author), with ``tickets``."""
    check(actor, policies.WORK)
    statement = text(statement, "statement", limit=MAX_SUBJECT)
    description = text(description, "description", required=False)
    at = now()
    with transaction.atomic():
        problem = Problem.objects.create(
            statement=statement, description=description,
            affected_versions=text(affected_versions, "affected_versions", limit=200,
                                    required=False),
            owner=owner or user_of(actor), created_by=user_of(actor), created_at=at, updated_at=at,
        )  # fmt: skip
        problem.products.set(list(products))
        tickets = list(tickets)
        if tickets:
            problem_link(actor=actor, problem=problem, tickets=tickets)
    return problem


def problem_update(
    *,
    actor: Any,
    problem: Problem,
    statement: str | None = None,
    description: str | None = None,
    status: str | None = None,
    owner: Any = None,
    affected_versions: str | None = None,
) -> Problem:
    """Edit what a problem says; the status moves freely between its four values."""
    check(actor, policies.WORK, problem)
    if status is not None and status not in ProblemStatus.values:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    changes = {
        "statement": None if statement is None else text(statement, "statement", limit=255),
        "description": None if description is None else text(description, "description",
                                                              required=False),
        "status": status,
        "owner": owner,
        "affected_versions": None if affected_versions is None else text(
            affected_versions, "affected_versions", limit=200, required=False),
    }  # fmt: skip
    for name, value in changes.items():
        if value is not None:
            setattr(problem, name, value)
    problem.updated_at = now()
    problem.save()
    return problem


def problem_link(*, actor: Any, problem: Problem, tickets: Iterable[Ticket]) -> int:
    """Link tickets (of any organization) the actor may see; each ticket's timeline says so.
    Already linked tickets are left as they are; a closed problem takes no more tickets. The
    count newly linked."""
    check(actor, policies.WORK, problem)
    if problem.status == ProblemStatus.CLOSED:
        raise InvalidTransition("The problem is closed.", field="status")
    tickets = list(tickets)
    for ticket in tickets:
        if not ticket_policies.can(actor, ticket_policies.VIEW, ticket):
            raise NotFound("No such ticket.")
    at = now()
    linked = 0
    with transaction.atomic():
        known = set(
            ProblemTicket.objects.filter(problem=problem, ticket__in=tickets).values_list(
                "ticket_id", flat=True
            )
        )
        for ticket in tickets:
            if ticket.pk in known:
                continue
            known.add(ticket.pk)
            ProblemTicket.objects.create(
                problem=problem, ticket=ticket, linked_by=user_of(actor), linked_at=at
            )
            on_timeline(ticket, actor, EventKind.PROBLEM_LINKED, **_named(problem))
            linked += 1
        Problem.objects.filter(pk=problem.pk).update(updated_at=at)
    return linked


def problem_unlink(*, actor: Any, problem: Problem, ticket: Ticket) -> None:
    check(actor, policies.WORK, problem)
    if not ticket_policies.can(actor, ticket_policies.VIEW, ticket):
        raise NotFound("No such ticket.")
    with transaction.atomic():
        deleted, _ = ProblemTicket.objects.filter(problem=problem, ticket=ticket).delete()
        if not deleted:
            raise NotFound("The ticket is not linked to this problem.")
        on_timeline(ticket, actor, EventKind.PROBLEM_UNLINKED, **_named(problem))


def _named(problem: Problem) -> dict[str, Any]:
    """How a ticket's timeline names the problem (its reference stays readable if it goes)."""
    return {"problem": problem.pk, "reference": problem.reference}


def problem_note(*, actor: Any, problem: Problem, body: str) -> ProblemNote:
    """Support's working note: stays on the problem, never reaches a ticket or a contact."""
    check(actor, policies.WORK, problem)
    return ProblemNote.objects.create(
        problem=problem, author=user_of(actor), body=text(body, "body"), created_at=now()
    )


def problem_broadcast(
    *, actor: Any, problem: Problem, body: str, kind: str = UpdateKind.UPDATE
) -> ProblemUpdate:
    """One update for every linked ticket: a public reply on each, posted in the background in
    batches, once per ticket however often the work is retried."""
    check(actor, policies.WORK, problem)
    if problem.status == ProblemStatus.CLOSED:
        raise InvalidTransition("The problem is closed.", field="status")
    return _queue_update(actor, problem, text(body, "body"), kind, resolves=False)


def problem_publish_workaround(
    *, actor: Any, problem: Problem, workaround: str, as_article: bool = False
) -> ProblemUpdate:
    """The problem becomes a known error; its workaround goes to every linked ticket, and as a
    knowledge-base draft (for the section's reviewers) when asked."""
    check(actor, policies.WORK, problem)
    workaround = text(workaround, "workaround")
    with transaction.atomic():
        problem.workaround = workaround
        if problem.status == ProblemStatus.INVESTIGATING:
            problem.status = ProblemStatus.KNOWN_ERROR
        if as_article:
            problem.kb_article = _propose_article(actor, problem, workaround)
        problem.updated_at = now()
        problem.save()
        body = f"A workaround for {problem.statement}:\n\n{workaround}"
        return _queue_update(actor, problem, body, UpdateKind.WORKAROUND, resolves=False)


def _propose_article(actor: Any, problem: Problem, workaround: str) -> Any:
    section = Section.objects.filter(slug=KNOWN_ERRORS_SECTION).first()
    if section is None:
        raise InvalidInput("The knowledge base has no troubleshooting section.", field="as_article")
    article = kb_services.article_create(
        actor=actor, section=section, title=f"Known error: {problem.statement}"[:200],
        body=f"{problem.description}\n\n## Workaround\n\n{workaround}".strip(),
        summary=problem.statement[:300], visibility=Visibility.CUSTOMERS, tags=["known-error"],
    )  # fmt: skip
    return kb_services.article_submit(actor=actor, article=article)


def problem_fix(*, actor: Any, problem: Problem, note: str, release: str = "") -> ProblemUpdate:
    """The fix shipped: the problem is fixed and every linked ticket is told and resolved."""
    check(actor, policies.WORK, problem)
    note = text(note, "note")
    if problem.status in {ProblemStatus.FIXED, ProblemStatus.CLOSED}:
        raise InvalidTransition("The problem is already fixed.", field="status")
    with transaction.atomic():
        problem.status = ProblemStatus.FIXED
        problem.fix_note = note
        problem.fix_release = release[:200]
        problem.fixed_at = problem.updated_at = now()
        problem.save()
        return _queue_update(actor, problem, note, UpdateKind.FIX, resolves=True)


def _queue_update(
    actor: Any, problem: Problem, body: str, kind: str, *, resolves: bool
) -> ProblemUpdate:
    with transaction.atomic():
        update = ProblemUpdate.objects.create(
            problem=problem, kind=kind, body=body, resolves=resolves, author=user_of(actor),
            created_at=now(),
        )  # fmt: skip
        transaction.on_commit(partial(deliveries.deliver_update.enqueue, update.pk))
    return update


def problem_close(*, actor: Any, problem: Problem) -> Problem:
    return problem_update(actor=actor, problem=problem, status=ProblemStatus.CLOSED)


def problems_fixed_by_tickets(
    *, ticket_ids: Iterable[int], release: str, note: str, product_id: int | None = None
) -> int:
    """A release shipped fixing these tickets (or, with ``product_id``, named as the fix of a
    problem on that product in ``fix_release``): each open problem they belong to is fixed, as
    its owner, so every linked ticket is told and resolved. The count fixed."""
    by_tickets = Q(links__ticket_id__in=list(ticket_ids))
    by_name = Q(fix_release=release, products=product_id) if product_id and release else Q()
    found = Problem.objects.filter(by_tickets | by_name if by_name else by_tickets)
    found = found.filter(status__in=[ProblemStatus.INVESTIGATING, ProblemStatus.KNOWN_ERROR])
    fixed = 0
    for problem in found.select_related("owner").distinct().order_by("pk"):
        if problem.owner is not None:
            problem_fix(actor=problem.owner, problem=problem, note=note, release=release)
            fixed += 1
    return fixed


def release_published(
    *,
    version: str = "",
    ticket_ids: Iterable[int] = (),
    product_id: int | None = None,
    **_: Any,
) -> None:
    """Subscribed to ``downloads.release_published`` (on commit)."""
    note = f"The fix is released in version {version}." if version else "The fix is released."
    problems_fixed_by_tickets(
        ticket_ids=ticket_ids, release=version, note=note, product_id=product_id
    )
