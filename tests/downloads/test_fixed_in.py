""" "Fixed in": a defect linked to a planned release hears of its publication (a public reply
naming the release with its notes and a link, mailed to the reporter by the usual path, and a
resolution); followers of the product are told once, however often the announcement runs."""

from __future__ import annotations

from typing import Any

import pytest

from tierdesk.core.errors import Conflict, InvalidInput
from tierdesk.downloads.announcing import release_announce
from tierdesk.downloads.hooks import release_published
from tierdesk.downloads.models import FixedIn, ReleaseNotice
from tierdesk.downloads.services import fix_link, product_follow, release_publish
from tierdesk.tickets.domain import Status
from tierdesk.tickets.models import Message, Ticket, TicketType
from tierdesk.tickets.services import ticket_open


def _defect(world: Any, subject: str = "Totals are wrong") -> Ticket:
    return ticket_open(
        actor=world.acme_contact, organization=world.acme, subject=subject,
        body="The totals are off by one.", type=TicketType.DEFECT,
    )  # fmt: skip


@pytest.fixture
def heard() -> Any:
    payloads: list[dict[str, Any]] = []

    def listener(**payload: Any) -> None:
        payloads.append(payload)

    release_published.subscribe(listener)
    yield payloads
    release_published.unsubscribe(listener)


def test_publishing_tells_and_resolves_the_linked_defect_and_mails_the_reporter(
    world, catalogue, mailbox, smtp_sink, heard, django_capture_on_commit_callbacks
):
    ticket = _defect(world)
    fix_link(actor=catalogue.manager, release=catalogue.draft, ticket=ticket)
    smtp_sink.clear()
    catalogue.manager = world.admin  # sees every ticket: speaks for the release

    with django_capture_on_commit_callbacks(execute=True):
        release_publish(actor=catalogue.manager, release=catalogue.draft)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    reply_mail = [
        m for m in smtp_sink.to(world.acme_contact.email) if "resolved" not in m["Subject"]
    ]
    assert len(reply_mail) == 1  # the admin's reply goes out as an agent's reply
    assert catalogue.draft.title in ticket.resolution_summary
    reply = Message.objects.filter(ticket=ticket, kind="public").order_by("id").last()
    assert catalogue.draft.title in reply.body and "Notes of ledger-3.1-p1.zip" in reply.body
    assert "/downloads/products/ledger/3.1/" in reply.body
    mails = smtp_sink.to(world.acme_contact.email)
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in mails]
    resolution = [b for m, b in zip(mails, bodies, strict=True) if "resolved" in m["Subject"]]
    [told] = resolution
    assert catalogue.draft.title in told and "Notes of ledger-3.1-p1.zip" in told
    assert "/downloads/products/ledger/3.1/" in told
    assert heard == [{
        "release_id": catalogue.draft.pk, "product_id": catalogue.ledger.pk, "version": "3.1",
        "kind": "patch", "ticket_ids": [ticket.pk],
    }]  # fmt: skip
    assert FixedIn.objects.get(ticket=ticket).told_at is not None


def test_a_release_may_leave_its_tickets_open(
    world, catalogue, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    catalogue.draft.resolves_fixed_tickets = False
    catalogue.draft.save()
    ticket = _defect(world)
    fix_link(actor=catalogue.manager, release=catalogue.draft, ticket=ticket)
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(actor=catalogue.manager, release=catalogue.draft)
    ticket.refresh_from_db()
    assert ticket.status != Status.RESOLVED
    assert Message.objects.filter(ticket=ticket, kind="public", body__contains="fixed in").exists()


def test_announcing_again_tells_nobody_twice(
    world, catalogue, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    ticket = _defect(world)
    fix_link(actor=catalogue.manager, release=catalogue.draft, ticket=ticket)
    for persona in ("acme_contact", "globex_contact"):
        product_follow(actor=world.persona(persona), product=catalogue.ledger)
    with django_capture_on_commit_callbacks(execute=True):
        release_publish(actor=catalogue.manager, release=catalogue.draft)
    sent = len(smtp_sink.messages)
    assert release_announce(catalogue.draft.pk) == (0, 0)  # a second worker, a retried task
    assert len(smtp_sink.messages) == sent
    notices = ReleaseNotice.objects.filter(release=catalogue.draft)
    assert {n.contact.email for n in notices} == {
        "acme_contact@example.test",
        "globex_contact@example.test",
    }
    subjects = [m["Subject"] for m in smtp_sink.to("globex_contact@example.test")]
    assert subjects == [f"New release: {catalogue.draft.title}"]
    assert (
        Message.objects.filter(ticket=ticket, kind="public", body__contains="fixed in").count() == 1
    )


def test_only_defects_link_and_only_to_a_planned_release(world, catalogue):
    incident = ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Down", body="Down."
    )
    with pytest.raises(InvalidInput):
        fix_link(actor=catalogue.manager, release=catalogue.draft, ticket=incident)
    with pytest.raises(Conflict):
        fix_link(actor=catalogue.manager, release=catalogue.old, ticket=_defect(world))


def test_the_ticket_page_links_a_defect_through_its_panel(world, catalogue, client):
    ticket = _defect(world)
    client.force_login(world.admin)  # a release manager who sees the ticket
    page = client.get(f"/desk/tickets/{ticket.reference}/")
    assert f"/downloads/manage/tickets/{ticket.reference}/fixed-in/".encode() in page.content
    panel = client.post(
        f"/downloads/manage/tickets/{ticket.reference}/fixed-in/", {"release": catalogue.draft.pk}
    )
    assert panel.status_code == 200
    assert FixedIn.objects.get(ticket=ticket).release == catalogue.draft
    assert b"Planned for" in panel.content
    bulk = client.post(
        f"/downloads/manage/releases/{catalogue.draft.pk}/fixes/",
        {"tickets": f"{_defect(world, 'Other').reference} TD-999999"},
    )
    assert bulk.status_code == 302
    assert FixedIn.objects.filter(release=catalogue.draft).count() == 2
