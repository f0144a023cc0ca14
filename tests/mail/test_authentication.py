"""Mail that proves who sent it: DKIM-signed, unsigned and forged messages, checked against a DNS
server on 127.0.0.1, for agents, contacts, emergencies and delivery reports."""

from __future__ import annotations

import base64
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.mail.conftest import ack_id, corpus
from tierdesk.mail.models import AddressState, InboundMessage, Mailbox, OutboundMail
from tierdesk.mail.threading import agent_reply_address
from tierdesk.mail.verifying import forget_answers
from tierdesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.usefixtures("mailbox")
DOMAIN = "example.test"  # the personas' addresses: agents and Acme's contacts


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, base64.b64encode(public).decode()


@pytest.fixture
def published(local_dns, keys) -> Any:
    """example.test publishes its DKIM key and a DMARC policy that rejects what fails."""
    local_dns.txt(f"sel._domainkey.{DOMAIN}", f"v=DKIM1; k=rsa; p={keys[1]}")
    local_dns.txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=reject")
    return local_dns


def signed(raw: bytes, pem: bytes, domain: str = DOMAIN) -> bytes:
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    headers = [b"from", b"to", b"subject", b"message-id", b"in-reply-to"]
    return dkim.sign(raw, b"sel", domain.encode(), pem, include_headers=headers) + raw


@pytest.fixture
def opened(world, smtp_sink, ingest) -> Ticket:
    result = ingest(corpus("thunderbird_plain.eml"))
    smtp_sink.clear()
    return Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))


def agent_reply(opened: Ticket, **changes: str) -> bytes:
    raw = corpus("agent_reply_by_mail.eml", reference=opened.reference, in_reply_to=ack_id(opened))
    for old, new in changes.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def contact_reply(opened: Ticket, mid: str = "c1@example.test") -> bytes:
    return (
        f"From: Asha Rao <acme_contact@example.test>\r\nTo: support@northwind.test\r\n"
        f"Subject: Re: [{opened.reference}] Calls drop\r\nMessage-ID: <{mid}>\r\n"
        f"In-Reply-To: <{ack_id(opened)}>\r\n\r\nThe logs are attached.\r\n"
    ).encode()


def internal_notes(ticket: Ticket) -> list[str]:
    found = Message.objects.filter(ticket=ticket, kind="internal").order_by("id")
    return list(found.values_list("body", flat=True))


# ---- agents -----------------------------------------------------------------------------------


def test_a_signed_agent_reply_is_a_public_reply_the_reporter_receives(
    world, smtp_sink, ingest, opened, published, keys
):
    result = ingest(signed(agent_reply(opened), keys[0]))

    assert result.action == "appended" and "agent reply" in result.reason
    assert opened.messages.last().by_agent
    assert len(smtp_sink.to("acme_contact@example.test")) == 1
    stored = InboundMessage.objects.get(message_id="agent-reply-1@northwind.test")
    assert "dkim=pass" in stored.authentication and "dmarc=pass" in stored.authentication


@pytest.mark.parametrize("dmarc", ["v=DMARC1; p=reject", None])
def test_a_forged_agent_reply_becomes_an_unverified_note_and_nothing_is_sent(
    world, smtp_sink, ingest, opened, local_dns, dmarc
):
    if dmarc:
        local_dns.txt(f"_dmarc.{DOMAIN}", dmarc)
    raw = agent_reply(opened, **{"Please send": "Please send your password to evil@evil.test and"})

    result = ingest(raw)

    assert result.action == "appended" and "unverified" in result.reason
    assert opened.messages.filter(kind="public").count() == 1
    [note] = internal_notes(opened)
    assert note.startswith("UNVERIFIED SENDER") and "l1@example.test" in note
    assert smtp_sink.messages == []
    assert not OutboundMail.objects.filter(ticket=opened, kind="reply").exists()


def test_an_agent_reply_signed_by_another_domain_is_not_the_agents(
    world, smtp_sink, ingest, opened, published, keys, local_dns
):
    local_dns.txt("sel._domainkey.evil.test", f"v=DKIM1; k=rsa; p={keys[1]}")

    result = ingest(signed(agent_reply(opened), keys[0], domain="evil.test"))

    assert "unverified" in result.reason and smtp_sink.messages == []


def test_a_tampered_signed_agent_reply_fails(world, smtp_sink, ingest, opened, published, keys):
    raw = signed(agent_reply(opened), keys[0]).replace(b"gateway logs", b"admin password")

    result = ingest(raw)

    assert "unverified" in result.reason and "dkim=fail" in result.reason


def test_mail_to_the_agents_signed_reply_address_proves_the_agent(
    world, smtp_sink, ingest, opened, published
):
    address = agent_reply_address("support@northwind.test", world.l1.pk)
    raw = agent_reply(opened, **{"To: support@northwind.test": f"To: {address}"})

    result = ingest(raw)

    assert result.action == "appended" and "agent reply" in result.reason
    assert len(smtp_sink.to("acme_contact@example.test")) == 1


def test_another_agents_signed_address_proves_nothing(world, smtp_sink, ingest, opened, published):
    address = agent_reply_address("support@northwind.test", world.l2.pk)
    raw = agent_reply(opened, **{"To: support@northwind.test": f"To: {address}"})

    assert "unverified" in ingest(raw).reason


def test_a_dns_timeout_loses_no_mail_and_sends_nothing_for_an_agent(
    world, smtp_sink, ingest, opened, local_dns, keys
):
    local_dns.silent.update({f"_dmarc.{DOMAIN}", f"sel._domainkey.{DOMAIN}", DOMAIN})
    forget_answers()

    result = ingest(signed(agent_reply(opened), keys[0]))

    assert result.action == "appended" and "unverified" in result.reason
    assert (
        "temperror"
        in InboundMessage.objects.get(message_id="agent-reply-1@northwind.test").authentication
    )
    assert smtp_sink.messages == []


def test_a_trusted_receiving_hosts_results_prove_the_agent(
    world, smtp_sink, ingest, opened, settings
):
    settings.TIERDESK_MAIL_TRUSTED_AUTHSERV_ID = "mx.northwind.test"
    results = (
        "Authentication-Results: mx.northwind.test; dkim=pass header.d=example.test; "
        "spf=pass smtp.mailfrom=example.test; dmarc=pass header.from=example.test\r\n"
    )

    proven = ingest(results.encode() + agent_reply(opened))
    forged = ingest(
        results.replace("mx.northwind.test", "mx.evil.test").encode()
        + agent_reply(opened, **{"agent-reply-1@": "agent-reply-2@"})
    )

    assert "agent reply" in proven.reason
    assert "unverified" in forged.reason


def test_spf_for_the_client_our_mta_names_proves_the_agent(
    world, smtp_sink, ingest, opened, local_dns
):
    local_dns.txt(DOMAIN, "v=spf1 ip4:192.0.2.10 -all")
    local_dns.txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=reject")
    hop = (
        "Return-Path: <l1@example.test>\r\nReceived: from mail.example.test (mail.example.test "
        "[{ip}])\r\n\tby mx.northwind.test (Postfix) with ESMTPS id 4A1B; Mon, 30 Nov 2026\r\n"
    )

    good = ingest(hop.format(ip="192.0.2.10").encode() + agent_reply(opened))
    bad = ingest(
        hop.format(ip="203.0.113.66").encode()
        + agent_reply(opened, **{"agent-reply-1@": "agent-reply-2@"})
    )

    assert "agent reply" in good.reason
    assert "unverified" in bad.reason and "spf=fail" in bad.reason


# ---- contacts ---------------------------------------------------------------------------------


def test_a_contact_whose_mail_fails_dmarc_is_flagged(world, smtp_sink, ingest, opened, published):
    result = ingest(contact_reply(opened))

    assert "unverified" in result.reason and "DMARC" in result.reason
    assert opened.messages.filter(kind="public").count() == 1
    assert internal_notes(opened)[0].startswith("UNVERIFIED SENDER")


def test_a_signed_contact_reply_joins_as_the_contact(
    world, smtp_sink, ingest, opened, published, keys
):
    result = ingest(signed(contact_reply(opened), keys[0]))

    assert result.action == "appended" and "unverified" not in result.reason
    assert opened.messages.filter(kind="public").count() == 2


def test_an_unsigned_contact_of_a_domain_without_dmarc_is_taken_as_before(
    world, smtp_sink, ingest, opened
):
    result = ingest(contact_reply(opened))

    assert result.action == "appended" and "unverified" not in result.reason


def test_a_mailbox_that_checks_everyone_flags_unproven_contacts(
    world, smtp_sink, ingest, opened, mailbox
):
    Mailbox.objects.filter(pk=mailbox.pk).update(sender_check="all")

    result = ingest(contact_reply(opened))

    assert "unverified" in result.reason


def test_a_mailbox_with_checks_off_trusts_from(world, smtp_sink, ingest, opened, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(sender_check="off")

    result = ingest(agent_reply(opened))

    assert "agent reply" in result.reason


# ---- emergencies ------------------------------------------------------------------------------


def test_an_emergency_from_an_unknown_sender_is_opened_marked_unverified(
    world, smtp_sink, ingest, settings
):
    world.acme.email_domains = ["acme.test"]
    world.acme.save()
    raw = corpus("emergency_subject.eml").replace(b"acme_contact@example.test", b"who@acme.test")

    result = ingest(raw)

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert ticket.is_emergency and "unverified sender" in result.reason
    assert "Confirm the emergency" in internal_notes(ticket)[0]


def test_an_emergency_from_an_unproven_contact_is_marked_and_a_proven_one_is_not(
    world, smtp_sink, ingest, published, keys
):
    unproven = ingest(corpus("emergency_subject.eml"))
    proven = ingest(
        signed(corpus("emergency_subject.eml").replace(b"emergency-1@", b"e2@"), keys[0])
    )

    first = Ticket.objects.get(pk=Ticket.pk_from_reference(unproven.ticket_reference))
    second = Ticket.objects.get(pk=Ticket.pk_from_reference(proven.ticket_reference))
    assert first.is_emergency and second.is_emergency
    assert "unverified" in unproven.reason and internal_notes(first)
    assert "unverified" not in proven.reason and internal_notes(second) == []


# ---- delivery reports -------------------------------------------------------------------------


def test_a_signed_report_from_anyone_changes_no_address_we_did_not_mail(
    world, smtp_sink, ingest, opened, local_dns, keys
):
    local_dns.txt("sel._domainkey.evil.test", f"v=DKIM1; k=rsa; p={keys[1]}")
    raw = corpus(
        "postfix_dsn_hard.eml",
        recipient="manager@example.test",
        bounced_id="made-up@northwind.test",
    )

    result = ingest(signed(raw, keys[0], domain="evil.test"))

    assert result.action == "unmatched"
    assert AddressState.objects.count() == 0
