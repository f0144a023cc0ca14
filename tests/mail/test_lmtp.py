"""An MTA delivering to the LMTP and SMTP listeners: stored, answered 250, taken once."""

from __future__ import annotations

import smtplib

import pytest

from tests.mail.conftest import corpus, free_port
from tierdesk.mail.lmtp import IntakeController
from tierdesk.mail.models import InboundMessage
from tierdesk.tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("mailbox"),
]


@pytest.fixture
def listener(request):
    lmtp = getattr(request, "param", True)
    port = free_port()
    controller = IntakeController(host="127.0.0.1", port=port, lmtp=lmtp)
    controller.start()
    yield port
    controller.stop()


def test_an_lmtp_delivery_opens_a_ticket_and_answers_once_per_recipient(
    world, smtp_sink, listener, emergency_box
):
    with smtplib.LMTP("127.0.0.1", listener) as client:
        client.ehlo_or_helo_if_needed()
        client.mail("acme_contact@example.test")
        client.rcpt("support@northwind.test")
        client.rcpt("emergency@northwind.test")
        # LMTP answers DATA once per recipient (smtplib reads only the first by itself).
        replies = [client.data(corpus("thunderbird_plain.eml")), client.getreply()]

    assert [code for code, _text in replies] == [250, 250]
    ticket = Ticket.objects.get()
    assert ticket.is_emergency  # delivered to the emergency address too
    assert InboundMessage.objects.get().source.startswith("lmtp:")
    assert [m["To"] for m in smtp_sink.messages] == ["acme_contact@example.test"]


@pytest.mark.parametrize("listener", [False], indirect=True)
def test_the_same_message_delivered_twice_over_smtp_makes_one_ticket(world, smtp_sink, listener):
    raw = corpus("thunderbird_plain.eml")
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", listener) as client:
            client.sendmail("acme_contact@example.test", ["support@northwind.test"], raw)

    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().action == "created"
    assert len(smtp_sink.messages) == 1


def test_a_message_over_the_limit_is_refused_by_the_listener(world, settings, smtp_sink, request):
    settings.TIERDESK_MAIL_MAX_BYTES = 2000
    port = free_port()
    controller = IntakeController(host="127.0.0.1", port=port, lmtp=False)
    controller.start()
    request.addfinalizer(controller.stop)

    with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPException):
        client.sendmail(
            "a@acme.test", ["support@northwind.test"], b"Subject: x\r\n\r\n" + b"y" * 5000
        )
    assert InboundMessage.objects.count() == 0
