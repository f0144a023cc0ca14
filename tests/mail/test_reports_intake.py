"""Delivery reports and auto-replies through the intake: none opens a ticket or gets an answer;
a report changes an address only when it names a message we sent to that address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.mail.conftest import CORPUS, ack_id, corpus
from tests.mail.test_addresses_and_reports import GENUINE, REPORTS, report
from tierdesk.mail.models import AddressState, UnmatchedMail
from tierdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.usefixtures("mailbox")
REPORTER = "acme_contact@example.test"


@pytest.fixture
def opened(world, smtp_sink, ingest):
    result = ingest(corpus("thunderbird_plain.eml"))
    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    smtp_sink.clear()
    return ticket


def notes(ticket: Ticket) -> list[str]:
    found = Message.objects.filter(ticket=ticket, kind="internal").order_by("id")
    return list(found.values_list("body", flat=True))


@pytest.mark.parametrize(("name", "server", "action", "status"), REPORTS)
def test_a_report_of_a_mail_we_sent_marks_the_address_and_notes_the_ticket(
    world, smtp_sink, ingest, opened, name, server, action, status
):
    result = ingest(report(name, recipient=REPORTER, bounced_id=ack_id(opened)))

    tickets_before = 1
    assert result.action == "bounce"
    assert Ticket.objects.count() == tickets_before
    assert smtp_sink.messages == []
    state = AddressState.objects.filter(address=REPORTER).first()
    if action == "delayed":  # a delay tells no one and changes nothing
        assert state is None and notes(opened) == []
        return
    assert result.ticket_reference == opened.reference
    assert state is not None and state.last_status == status
    assert (state.suppressed_until is not None) == status.startswith("5")
    assert any(status in note for note in notes(opened))


@pytest.mark.parametrize("name", [name for name, *_ in REPORTS])
def test_a_report_naming_no_mail_of_ours_is_kept_unmatched_and_changes_nothing(
    world, smtp_sink, ingest, opened, name
):
    raw = report(name, recipient="manager@example.test", bounced_id="forged-1@evil.test")

    result = ingest(raw)

    assert result.action == "unmatched"
    assert AddressState.objects.count() == 0
    kept = UnmatchedMail.objects.get()
    assert kept.recipient == "manager@example.test" and kept.status
    assert kept.kind in {"bounce", "delay"}
    assert Ticket.objects.count() == 1 and notes(opened) == []
    assert smtp_sink.messages == []


@pytest.mark.parametrize("name", sorted(GENUINE))
def test_a_genuine_report_about_a_mail_we_did_not_send_is_kept_unmatched(
    world, smtp_sink, ingest, name
):
    _, action, status, recipient, _ = GENUINE[name]

    result = ingest(corpus(name))  # as the server wrote it: the returned mail is none of ours

    assert result.action == "unmatched" and "names no message we sent" in result.reason
    kept = UnmatchedMail.objects.get()
    assert (kept.kind, kept.recipient, kept.status) == (
        "delay" if action == "delayed" else "bounce", recipient, status,
    )  # fmt: skip
    assert Ticket.objects.count() == 0 and AddressState.objects.count() == 0
    assert smtp_sink.messages == []


def test_a_forged_report_naming_our_mail_but_another_recipient_suppresses_nobody(
    world, smtp_sink, ingest, opened
):
    raw = corpus("postfix_dsn_hard.eml", recipient="manager@example.test",
                 bounced_id=ack_id(opened))  # fmt: skip

    result = ingest(raw)

    assert result.action == "unmatched" and "not the one we sent to" in result.reason
    assert AddressState.objects.count() == 0


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "autoreplies").glob("*.eml")))
def test_an_auto_reply_on_a_ticket_becomes_a_silent_note(world, smtp_sink, ingest, opened, name):
    result = ingest(corpus(f"autoreplies/{name}", in_reply_to=ack_id(opened)))

    assert result.action == "ignored" and result.ticket_reference == opened.reference
    assert len(notes(opened)) == 1
    assert opened.messages.filter(kind="public").count() == 1
    opened.refresh_from_db()
    assert opened.status == "new"
    assert smtp_sink.messages == []


@pytest.mark.parametrize("name", sorted(p.name for p in (CORPUS / "autoreplies").glob("*.eml")))
def test_an_auto_reply_to_no_ticket_opens_nothing_and_is_kept_for_review(
    world, smtp_sink, ingest, name
):
    result = ingest(corpus(f"autoreplies/{name}", in_reply_to="nothing@nowhere.test"))

    assert result.action == "unmatched"
    assert Ticket.objects.count() == 0
    assert UnmatchedMail.objects.get().kind == "auto_reply"
    assert smtp_sink.messages == []


def test_admins_see_the_unmatched_mail(world, smtp_sink, ingest, client):
    ingest(corpus("bounces/qmail_failed.eml", recipient="gone@acme.test", bounced_id="x@y.test"))
    client.force_login(world.admin)

    page = client.get(reverse("admin:mail_unmatchedmail_changelist"))

    assert page.status_code == 200
    assert b"gone@acme.test" in page.content
