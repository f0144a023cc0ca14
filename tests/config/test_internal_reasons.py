"""Text meant for colleagues never reaches the customer: not on the portal, not in their mail,
not through the API. What the agent chose to tell the customer does."""

from __future__ import annotations

import json

import pytest

from tests.mail.conftest import words
from tierdesk.sla.models import Plan
from tierdesk.tickets import services

PRIORITY_REASON = "Their CEO called our VP - handle with care"
PENDING_NOTE = "Suspect their firewall; do not say so yet"
ESCALATION_REASON = "L1 is out of ideas, customer is grumpy"
TO_THE_CUSTOMER = "We raised the priority: an engineer is on it now."
ASK_THE_CUSTOMER = "Could you send us the firewall logs from this morning?"
INTERNAL = [PRIORITY_REASON, PENDING_NOTE, ESCALATION_REASON]


@pytest.fixture
def worked(world, mailbox, smtp_sink, committed, settings):
    """A customer's ticket that support worked on: every action with an internal reason."""
    settings.TIERDESK_DEFAULT_REQUIRED_FACTS = ["description"]
    Plan.objects.update(remind_pending_after_days=None)
    ticket = committed(
        services.ticket_open, actor=world.acme_contact, organization=world.acme,
        subject="Gateway drops calls", body="Every call drops after a minute.",
    )  # fmt: skip
    committed(services.ticket_set_priority, actor=world.l1, ticket=ticket, priority=1,
              reason=PRIORITY_REASON, customer_message=TO_THE_CUSTOMER)  # fmt: skip
    committed(services.ticket_pend, actor=world.l1, ticket=ticket, reason="customer",
              note=ASK_THE_CUSTOMER, internal_note=PENDING_NOTE)  # fmt: skip
    committed(services.ticket_resume, actor=world.l1, ticket=ticket)
    committed(services.ticket_escalate, actor=world.l1, ticket=ticket,
              reason=ESCALATION_REASON)  # fmt: skip
    ticket.refresh_from_db()
    return ticket


def test_the_portal_shows_no_internal_reason(worked, client_as):
    page = client_as("acme_contact").get(f"/tickets/{worked.reference}/").content.decode()
    assert TO_THE_CUSTOMER in page and ASK_THE_CUSTOMER in page
    for text in INTERNAL:
        assert text not in page


def test_the_customers_mail_carries_no_internal_reason(worked, smtp_sink):
    mails = smtp_sink.to("acme_contact@example.test")
    everything = " ".join(words(mail) for mail in mails)
    assert TO_THE_CUSTOMER in everything and ASK_THE_CUSTOMER in everything
    for text in INTERNAL:
        assert text not in everything


def test_the_api_gives_a_contact_no_internal_reason(worked, api_as):
    contact = api_as("acme_contact")
    seen = json.dumps(contact.get(f"/api/v1/tickets/{worked.reference}").json())
    seen += json.dumps(contact.get(f"/api/v1/tickets/{worked.reference}/events").json())
    assert TO_THE_CUSTOMER in seen
    for text in INTERNAL:
        assert text not in seen


def test_colleagues_see_every_reason(worked, client_as):
    page = client_as("l2").get(f"/desk/tickets/{worked.reference}/").content.decode()
    for text in INTERNAL:
        assert text in page


def test_every_free_text_field_on_an_action_says_who_reads_it(desk, client_as):
    waiting = services.ticket_pend(actor=desk.world.l1, ticket=desk.globex, reason="customer")
    for ticket, action in [
        (desk.acme, "set_priority"), (desk.acme, "pend"), (waiting, "resume"),
        (desk.acme, "escalate"), (desk.acme, "hand_back"), (desk.acme, "resolve"),
        (desk.acme, "log_contact"), (desk.acme, "reopen"),
    ]:  # fmt: skip
        if action == "hand_back":
            facts = {"system_details": "x", "steps_tried": "x", "screenshots": "x"}
            services.ticket_escalate(actor=desk.world.l1, ticket=ticket, reason="x", facts=facts)
        if action == "reopen":
            services.ticket_resolve(actor=desk.world.l2, ticket=ticket, summary="Done.")
        url = f"/desk/tickets/{ticket.reference}/actions/{action}/form/"
        response = client_as("manager").get(url)
        assert response.status_code == 200, action
        form = response.content.decode()
        textareas = form.count("<textarea")
        said = form.count("(internal)") + form.count("(seen by the customer)")
        assert textareas and said == textareas, action


def test_the_desk_forms_keep_reasons_internal_by_default(desk, client_as, world):
    client = client_as("l1")
    ref = desk.acme.reference
    client.post(f"/desk/tickets/{ref}/actions/set_priority/",
                {"set_priority-priority": "2", "set_priority-reason": PRIORITY_REASON})  # fmt: skip
    client.post(f"/desk/tickets/{ref}/actions/pend/",
                {"pend-reason": "customer", "pend-internal_note": PENDING_NOTE})  # fmt: skip
    page = client_as("acme_contact").get(f"/tickets/{ref}/").content.decode()
    for text in (PRIORITY_REASON, PENDING_NOTE):
        assert text not in page
    assert PENDING_NOTE in client.get(f"/desk/tickets/{ref}/").content.decode()
