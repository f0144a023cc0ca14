"""Polling a real IMAP server (Dovecot): new mail becomes tickets, and a message is flagged only
after its ticket work is committed, so a poller killed in between loses and doubles nothing."""

from __future__ import annotations

import pytest

from tests.mail.conftest import ack_id, corpus
from tierdesk.mail.imap import DONE_FLAG, mailbox_poll
from tierdesk.mail.models import InboundMessage
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class PollerKilled(Exception):
    """Stands for SIGKILL between the commit and the flag."""


def test_new_mail_in_the_mailbox_becomes_a_ticket_and_is_acknowledged(
    world, smtp_sink, imap_box, dovecot_server
):
    dovecot_server.append(corpus("thunderbird_plain.eml"), imap_box.imap_folder)

    report = mailbox_poll(imap_box)

    [result] = report.results
    assert result.action == "created"
    assert Ticket.objects.get().reference == result.ticket_reference
    assert [m["To"] for m in smtp_sink.messages] == ["acme_contact@example.test"]
    assert DONE_FLAG in dovecot_server.flags(imap_box.imap_folder)[0]


def test_replies_by_header_and_by_tag_join_the_ticket_and_an_auto_reply_sends_nothing(
    world, smtp_sink, imap_box, dovecot_server
):
    folder = imap_box.imap_folder
    dovecot_server.append(corpus("thunderbird_plain.eml"), folder)
    mailbox_poll(imap_box)
    ticket = Ticket.objects.get()
    smtp_sink.clear()
    reply = corpus("apple_mail_reply_by_header.eml", in_reply_to=ack_id(ticket), subject="x")
    dovecot_server.append(reply, folder)
    dovecot_server.append(corpus("tagged_reply_no_headers.eml", reference=ticket.reference), folder)
    dovecot_server.append(corpus("out_of_office_exchange.eml", in_reply_to=ack_id(ticket),
                                 subject="x"), folder)  # fmt: skip
    dovecot_server.append(corpus("stranger_tagged.eml", reference=ticket.reference), folder)

    report = mailbox_poll(imap_box)

    actions = [(r.action, r.ticket_reference == ticket.reference) for r in report.results]
    assert actions == [("appended", True), ("appended", True), ("ignored", True),
                       ("created", False)]  # fmt: skip
    assert ticket.messages.filter(kind="public").count() == 3  # and the auto-reply's note
    assert [m["To"] for m in smtp_sink.messages] == ["mallory@globex.test"]


def test_a_poller_killed_between_commit_and_flag_loses_and_doubles_nothing(
    world, smtp_sink, imap_box, dovecot_server
):
    folder = imap_box.imap_folder
    dovecot_server.append(corpus("thunderbird_plain.eml"), folder)
    dovecot_server.append(corpus("emergency_subject.eml"), folder)

    def kill_after_commit(uid, result):
        raise PollerKilled

    with pytest.raises(PollerKilled):
        mailbox_poll(imap_box, after_ingest=kill_after_commit)

    # The batch's tickets are committed, but the server never heard they were done.
    assert Ticket.objects.count() == 2
    assert all(DONE_FLAG not in flags for flags in dovecot_server.flags(folder))

    report = mailbox_poll(imap_box)

    assert [r.action for r in report.results] == ["duplicate", "duplicate"]
    assert Ticket.objects.count() == 2
    assert InboundMessage.objects.count() == 2
    assert len(smtp_sink.messages) == 2  # one acknowledgement each, none twice
    assert all(DONE_FLAG in flags for flags in dovecot_server.flags(folder))
    assert mailbox_poll(imap_box).results == []


def test_processed_mail_can_be_moved_to_a_done_folder(world, smtp_sink, imap_box, dovecot_server):
    from imapclient import IMAPClient

    done = imap_box.imap_folder + "-done"
    with IMAPClient(dovecot_server.host, port=dovecot_server.port, ssl=False) as client:
        client.login(dovecot_server.user, dovecot_server.password)
        client.create_folder(done)
    imap_box.imap_done_folder = done
    imap_box.save()
    dovecot_server.append(corpus("thunderbird_plain.eml"), imap_box.imap_folder)

    mailbox_poll(imap_box)

    assert dovecot_server.flags(imap_box.imap_folder) == []
    assert len(dovecot_server.flags(done)) == 1


def test_a_wrong_password_fails_the_poll_and_takes_nothing(world, imap_box, monkeypatch):
    from imapclient.exceptions import LoginError

    monkeypatch.setenv("TD_TEST_IMAP_PASSWORD", "wrong")

    with pytest.raises(LoginError):
        mailbox_poll(imap_box)
    assert InboundMessage.objects.count() == 0
