"""Problems across customers: the burst suggestion, links, broadcasts, workaround and fix."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from tests.kb.conftest import grant
from tests.problems.conftest import open_ticket, two_workers
from tierdesk.core.errors import NotFound
from tierdesk.downloads.hooks import release_published
from tierdesk.kb.models import State
from tierdesk.mail.models import OutboundMail
from tierdesk.mail.outbound import event_mails
from tierdesk.problems import selectors
from tierdesk.problems.models import (
    BroadcastState,
    DeliveryOutcome,
    ProblemStatus,
    UpdateDelivery,
)
from tierdesk.problems.services import (
    problem_broadcast,
    problem_create,
    problem_fix,
    problem_link,
    problem_note,
    problem_publish_workaround,
    update_deliver,
)
from tierdesk.tickets.models import EventKind, Message, MessageKind, Ticket
from tierdesk.tickets.services import ticket_close, ticket_resolve


def public_replies(ticket: Ticket) -> list[Message]:
    return list(ticket.messages.filter(kind=MessageKind.PUBLIC, by_agent=True))


def test_a_burst_of_similar_tickets_from_three_organizations_is_proposed(world, outbreak):
    suggestions = selectors.burst_suggestions(user=world.manager)
    assert suggestions, "the desk proposes a problem"
    first = suggestions[0]
    assert {t.pk for t in first.tickets} == {t.pk for t in outbreak.tickets}
    assert first.organization_count == 3


def test_words_alone_make_a_burst_through_the_ticket_search(world, outbreak):
    others = [open_ticket(world.acme_colleague, "Printer offline in hall B") for _ in range(2)]
    words = selectors._by_words(world.manager, [*outbreak.tickets, *others], 3)
    assert any({t.pk for t in g.tickets} == {t.pk for t in outbreak.tickets} for g in words)


def test_tickets_of_an_open_problem_are_not_proposed_again(world, outbreak):
    problem_create(actor=world.manager, statement="AV quarantines", tickets=outbreak.tickets)
    assert selectors.burst_suggestions(user=world.manager) == []


def test_a_partner_agent_gets_no_suggestions(world, outbreak):
    assert selectors.burst_suggestions(user=world.partner_agent) == []


def test_linking_writes_an_internal_step_on_each_timeline(world, outbreak):
    problem = problem_create(actor=world.manager, statement="AV quarantines invoices")
    assert problem_link(actor=world.manager, problem=problem, tickets=outbreak.tickets) == 3
    assert problem_link(actor=world.manager, problem=problem, tickets=outbreak.tickets) == 0
    for ticket in outbreak.tickets:
        event = ticket.events.get(kind=EventKind.PROBLEM_LINKED)
        assert event.data == {"problem": problem.pk, "reference": problem.reference}
        assert not event.is_public


def test_linking_a_ticket_out_of_the_agents_reach_is_not_found(world, outbreak):
    hidden = outbreak.tickets[0]
    Ticket.objects.filter(pk=hidden.pk).update(team=world.tech_support, support_level=2)
    hidden.refresh_from_db()
    problem = problem_create(actor=world.l1, statement="AV")
    with pytest.raises(NotFound):
        problem_link(actor=world.l1, problem=problem, tickets=[hidden])


def test_a_broadcast_posts_one_public_reply_on_every_linked_ticket(world, outbreak, run_tasks):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    update = run_tasks(problem_broadcast, actor=world.manager, problem=problem, body="On it.")
    assert update_deliver(update_id=update.pk) == 0  # a retry posts nothing more
    for ticket in outbreak.tickets:
        assert [m.body for m in public_replies(ticket)] == ["On it."]
        step = ticket.events.get(kind=EventKind.PROBLEM_BROADCAST)
        assert step.data == {"problem": problem.pk, "reference": problem.reference,
                             "update": update.pk}  # fmt: skip
        assert not step.is_public
    update.refresh_from_db()
    assert update.state == BroadcastState.DONE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_deliver_a_broadcast_once_per_ticket(world, outbreak):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    update = problem_broadcast(actor=world.manager, problem=problem, body="Still on it.")
    two_workers(lambda: update_deliver(update_id=update.pk, batch_size=1))
    assert UpdateDelivery.objects.filter(update=update).count() == 3
    for ticket in outbreak.tickets:
        assert len(public_replies(ticket)) == 1


def test_each_reporter_gets_one_mail_in_their_own_thread(world, outbreak, run_tasks):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    run_tasks(problem_broadcast, actor=world.manager, problem=problem, body="A signature update.")
    for ticket in outbreak.tickets:
        mails = OutboundMail.objects.filter(ticket=ticket, body__contains="A signature update.")
        assert [m.to_address for m in mails] == [ticket.reporter.email]
        assert f"[{ticket.reference}]" in mails[0].subject


def test_a_closed_ticket_is_skipped_and_said_so(world, outbreak, run_tasks):
    closed = outbreak.tickets[0]
    ticket_resolve(actor=world.manager, ticket=closed, summary="Done.")
    ticket_close(actor=world.manager, ticket=closed)
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    update = run_tasks(problem_broadcast, actor=world.manager, problem=problem, body="Update.")
    skipped = UpdateDelivery.objects.get(update=update, ticket=closed)
    assert skipped.outcome == DeliveryOutcome.SKIPPED and "closed" in skipped.reason


def test_the_workaround_makes_a_known_error_and_a_kb_draft(world, outbreak, run_tasks):
    grant(world.manager, "author_article")
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    run_tasks(
        problem_publish_workaround, actor=world.manager, problem=problem,
        workaround="Exclude C:/Invoices from scanning.", as_article=True,
    )  # fmt: skip
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR
    assert problem.kb_article.state == State.IN_REVIEW
    for ticket in outbreak.tickets:
        assert "Exclude C:/Invoices" in public_replies(ticket)[0].body


def test_the_fix_tells_and_resolves_every_linked_ticket(world, outbreak, run_tasks):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    run_tasks(problem_fix, actor=world.manager, problem=problem, note="Fixed in 4.2.1.")
    for ticket in outbreak.tickets:
        ticket.refresh_from_db()
        assert ticket.status == "resolved"
        assert ticket.resolution_summary == "Fixed in 4.2.1."
        assert ticket.events.filter(kind=EventKind.PROBLEM_FIXED).count() == 1


def test_a_published_release_fixes_the_problems_of_its_tickets(world, outbreak, run_tasks):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    run_tasks(
        release_published.fire, release_id=1, product_id=outbreak.product.pk, version="4.2.1",
        kind="patch", ticket_ids=[outbreak.tickets[0].pk],
    )  # fmt: skip
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.FIXED and problem.fix_release == "4.2.1"
    assert all(Ticket.objects.get(pk=t.pk).status == "resolved" for t in outbreak.tickets)


def test_internal_problem_notes_never_reach_a_ticket_or_a_contact(world, outbreak, run_tasks):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    run_tasks(problem_note, actor=world.manager, problem=problem, body="Vendor says: our bad.")
    assert not Message.objects.filter(body__contains="our bad").exists()
    assert not OutboundMail.objects.filter(body__contains="our bad").exists()


def test_the_ticket_page_shows_the_problem_panel_to_vendor_agents_only(
    world: Any, outbreak: Any, client_as: Any
) -> None:
    ticket = outbreak.ticket_of(world.cobalt)
    problem_create(actor=world.manager, statement="AV quarantines", tickets=[ticket])
    page = client_as("manager").get(f"/desk/tickets/{ticket.reference}/")
    assert f"/desk/tickets/{ticket.reference}/problems/".encode() in page.content
    panel = client_as("manager").get(f"/desk/tickets/{ticket.reference}/problems/")
    assert b"AV quarantines" in panel.content
    partner = client_as("partner_agent").get(f"/desk/tickets/{ticket.reference}/problems/")
    assert partner.status_code == 200 and partner.content == b""


def test_problem_steps_read_plainly_on_the_desk_timeline_and_in_the_api(
    world: Any, outbreak: Any, client_as: Any, api_as: Any
) -> None:
    ticket = outbreak.ticket_of(world.acme)
    problem = problem_create(actor=world.manager, statement="AV quarantines", tickets=[ticket])
    page = client_as("manager").get(f"/desk/tickets/{ticket.reference}/").content.decode()
    assert f"Linked to problem {problem.reference}" in page
    events = api_as("manager").get(f"/api/v1/tickets/{ticket.reference}/events").json()
    (linked,) = [e for e in events if e["kind"] == "problem_linked"]
    assert linked["data"] == {"problem": problem.pk, "reference": problem.reference}
    contact_events = api_as("acme_contact").get(f"/api/v1/tickets/{ticket.reference}/events")
    assert "problem_linked" not in contact_events.content.decode()  # support's business


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_broadcast_batch_hands_its_reporters_mails_to_mail_as_one_task(world, outbreak):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    update = problem_broadcast(actor=world.manager, problem=problem, body="Patched.")
    DBTaskResult.objects.all().delete()
    update_deliver(update_id=update.pk, batch_size=2)  # as the worker runs it: real commits

    tasks = DBTaskResult.objects.filter(task_path__startswith="tierdesk.mail.tasks.mail_notify")
    assert sorted(t.task_path.rsplit(".", 1)[1] for t in tasks) == ["mail_notify_many"] * 2
    for task in tasks:  # the worker's turn: each reporter gets one mail, in their own thread
        event_mails(*task.args_kwargs["args"])
    for ticket in outbreak.tickets:
        [mail] = OutboundMail.objects.filter(ticket=ticket, body__contains="Patched.")
        assert mail.to_address == ticket.reporter.email and f"[{ticket.reference}]" in mail.subject
