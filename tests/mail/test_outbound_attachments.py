"""Files sent with outbound mail (an RCA's PDF): stored once under their hash, attached when the
mail is sent, received by a real SMTP server as parts of the message."""

from __future__ import annotations

from django.db import transaction

from tierdesk.mail.models import OutboundAttachment, OutboundKind, OutboundMail
from tierdesk.mail.outbound import OutboundFile, outbound_store

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def store(to: str, key: str, mailbox, files) -> OutboundMail | None:
    with transaction.atomic():
        return outbound_store(
            kind=OutboundKind.RCA_RELEASED, to=to, subject="Root-cause report", body="Attached.",
            dedupe_key=key, mailbox=mailbox, automatic=False, on_ticket=False, files=files,
        )  # fmt: skip


def test_the_received_message_carries_the_file_as_a_part(
    world, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    report = OutboundFile("RCA-7.pdf", "application/pdf", PDF)
    with django_capture_on_commit_callbacks(execute=True):
        mail = store("ops@acme.test", "rca:7:ops", mailbox, [report])
    assert mail is not None
    assert OutboundMail.objects.get(pk=mail.pk).status == "sent"
    (received,) = smtp_sink.to("ops@acme.test")
    assert received.get_body(preferencelist=("plain",)).get_content().strip() == "Attached."
    (part,) = received.iter_attachments()
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == "RCA-7.pdf"
    assert part.get_content() == PDF


def test_the_same_file_to_many_recipients_is_stored_once(world, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = OutboundFile("RCA-7.pdf", "application/pdf", PDF)
    for who in ("ops", "cto", "cfo"):
        store(f"{who}@acme.test", f"rca:7:{who}", mailbox, [report])
    attachments = OutboundAttachment.objects.all()
    assert attachments.count() == 3
    assert len({a.file.name for a in attachments}) == 1
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_a_hostile_file_name_never_reaches_the_file_system(world, mailbox, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    store("ops@acme.test", "x", mailbox, [OutboundFile("../../etc/passwd", "text/plain", b"x")])
    (attachment,) = OutboundAttachment.objects.all()
    assert "/etc/" not in attachment.filename and ".." not in attachment.file.name
    assert attachment.file.name.startswith("outbound/")


def test_a_mail_queued_before_gets_no_second_copy_of_its_files(world, mailbox):
    report = OutboundFile("RCA-7.pdf", "application/pdf", PDF)
    assert store("ops@acme.test", "rca:7:ops", mailbox, [report]) is not None
    assert store("ops@acme.test", "rca:7:ops", mailbox, [report]) is None
    assert OutboundAttachment.objects.count() == 1
