"""Outgoing mail: sent by the real task worker after commit, retried when the server is down,
threaded with correct headers, worded from templates admins can edit."""

from __future__ import annotations

import email
import email.policy

import pytest

from tests.mail.conftest import ack_id, corpus, free_port, words
from tierdesk.mail.models import MailTemplate, OutboundMail
from tierdesk.mail.outbound import outbound_send, outbox_sweep
from tierdesk.mail.threading import ticket_pk_from_message_id
from tierdesk.tickets.models import Ticket

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_real_task_worker_sends_the_acknowledgement_after_commit(
    world, mailbox, smtp_sink, settings
):
    from tierdesk.core.worker import run_worker
    from tierdesk.mail.services import mail_ingest

    settings.TASKS = DB_TASKS
    result = mail_ingest(corpus("thunderbird_plain.eml"), source="test")
    assert smtp_sink.messages == []  # queued in the database, not sent by the intake itself

    run_worker(batch=True, schedule=False, interval=0.1)

    [ack] = smtp_sink.messages
    assert result.ticket_reference in ack["Subject"]
    assert OutboundMail.objects.get().status == "sent"


def test_a_failed_send_is_retried_later_and_then_delivered(
    world, mailbox, smtp_sink, settings, ingest, time_machine
):
    working = settings.MAILERS
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "use_tls": False, "timeout": 2},
    }}  # fmt: skip
    ingest(corpus("thunderbird_plain.eml"))
    mail = OutboundMail.objects.get()
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert "Connection refused" in mail.last_error and mail.next_attempt_at is not None

    settings.MAILERS = working
    assert outbox_sweep() == 0  # not due yet
    time_machine.move_to(mail.next_attempt_at)
    assert outbox_sweep() == 1

    assert len(smtp_sink.messages) == 1
    assert OutboundMail.objects.get().status == "sent"


def test_sending_gives_up_after_the_configured_attempts(world, mailbox, settings, ingest):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.TIERDESK_MAIL_SEND_ATTEMPTS = 2
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "use_tls": False, "timeout": 2},
    }}  # fmt: skip
    ingest(corpus("thunderbird_plain.eml"))
    mail = OutboundMail.objects.get()
    OutboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=None)

    assert outbound_send(mail.pk) == "failed"
    assert outbound_send(mail.pk) == "skipped"  # a failed mail is never picked up again


def test_a_sent_mail_is_never_sent_twice(world, mailbox, smtp_sink, ingest):
    ingest(corpus("thunderbird_plain.eml"))

    assert outbound_send(OutboundMail.objects.get().pk) == "skipped"
    assert len(smtp_sink.messages) == 1


def test_our_message_ids_carry_the_ticket_signed_and_threading_headers_are_right(
    world, mailbox, smtp_sink, ingest
):
    ingest(corpus("thunderbird_plain.eml"))
    ticket = Ticket.objects.get()
    [ack] = smtp_sink.messages

    assert ack["Message-ID"] == f"<{ack_id(ticket)}>"
    assert ticket_pk_from_message_id(ack_id(ticket)) == ticket.pk
    assert ack["References"] == "<5f1c2a7e-1b2d-4c8e-9a31-0d2f6e7b8c90@acme.test>"
    assert ack["X-Tierdesk-Loop"]
    assert ack["From"] == "Northwind Support <support@northwind.test>"


def test_our_own_mail_coming_back_is_ignored(world, mailbox, smtp_sink, ingest):
    ingest(corpus("thunderbird_plain.eml"))
    [ack] = smtp_sink.messages
    looped = ack.as_bytes().replace(b"To: acme_contact@example.test", b"To: support@northwind.test")
    looped = looped.replace(b"Message-ID: <", b"Message-ID: <copy-")

    result = ingest(looped)

    assert result.action == "ignored" and "our own mail" in result.reason
    assert len(smtp_sink.messages) == 1


def test_an_admins_template_replaces_the_file_default(world, mailbox, smtp_sink, ingest):
    MailTemplate.objects.create(
        key="acknowledgement", subject="Got it: {{ reference }}",
        body="{{ reply_marker }}\n\nWe are on it, {{ name }}. Ticket {{ reference }}.",
    )  # fmt: skip

    ingest(corpus("thunderbird_plain.eml"))

    [ack] = smtp_sink.messages
    reference = Ticket.objects.get().reference
    assert ack["Subject"] == f"Got it: {reference}"
    assert f"We are on it, acme_contact. Ticket {reference}." in words(ack)


def test_each_mailbox_sends_with_its_own_mailer(world, mailbox, smtp_sink, settings, ingest):
    from aiosmtpd.controller import Controller

    from tests.mail.conftest import Sink

    other = Sink()
    port = free_port()
    controller = Controller(other, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.MAILERS = {**settings.MAILERS, "sales": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
        }}  # fmt: skip
        mailbox.mailer = "sales"
        mailbox.save()
        ingest(corpus("thunderbird_plain.eml"))
    finally:
        controller.stop()

    assert smtp_sink.messages == [] and len(other.messages) == 1


def test_the_file_backend_is_the_safe_default(world, mailbox, settings, ingest, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(tmp_path)},
    }}  # fmt: skip

    ingest(corpus("thunderbird_plain.eml"))

    [written] = list(tmp_path.iterdir())
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert "TD-" in message["Subject"]
