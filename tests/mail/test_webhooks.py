"""Provider inbound webhooks (django-anymail, optional): the same intake behind them."""

from __future__ import annotations

import pytest

from tests.mail.conftest import corpus
from tierdesk.tickets.models import Ticket

anymail = pytest.importorskip("anymail")


def test_an_inbound_webhook_message_opens_a_ticket(
    world, mailbox, smtp_sink, django_capture_on_commit_callbacks
):
    from anymail.inbound import AnymailInboundMessage
    from anymail.signals import AnymailInboundEvent, inbound

    message = AnymailInboundMessage.parse_raw_mime_bytes(corpus("thunderbird_plain.eml"))
    event = AnymailInboundEvent(event_type="inbound", message=message)

    with django_capture_on_commit_callbacks(execute=True):
        inbound.send(sender=object, event=event, esp_name="Postmark")

    ticket = Ticket.objects.get()
    assert ticket.channel == "email"
    assert len(smtp_sink.messages) == 1
