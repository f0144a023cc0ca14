"""The portal shows the customer everything they sent and when support owes the next answer:
files and facts on the ticket page, who reported each ticket, their own or their whole
organization's, "waiting for you", the promise as a due time, and the acknowledgement mail."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.utils import timezone

from tierdesk.core.templatetags.tierdesk_ui import local_time
from tierdesk.mail.models import OutboundKind, OutboundMail
from tierdesk.sla.promise import first_response_due, ticket_promise
from tierdesk.tickets import services
from tierdesk.tickets.models import Category, Ticket


def submit(client, **extra):
    enrollment = Category.objects.get(slug="enrollment")
    data = {
        "category": enrollment.pk, "subject": "Phones fail", "body": "Since today.",
        "fact_system_details": "iOS 19 on iPhone 17", "fact_steps_tried": "Rebooted twice",
        "affected": "1", "total": "100",
        **extra,
    }  # fmt: skip
    return client.post("/tickets/new/", data)


def test_the_ticket_page_shows_the_files_and_facts_the_customer_sent(desk, client_as):
    client = client_as("globex_contact")
    upload = SimpleUploadedFile("phone.log", b"E enroll 0x80\n", content_type="text/plain")
    assert submit(client, attachments=upload).status_code == 302
    ticket = Ticket.objects.get(subject="Phones fail")
    html = client.get(f"/tickets/{ticket.reference}/").content.decode()
    sent = html[html.index('id="what-you-sent"') :]
    assert "iOS 19 on iPhone 17" in sent and "Rebooted twice" in sent
    assert "1 of 100" in sent and "Enrollment" in sent
    assert "phone.log" in sent[sent.index('id="ticket-files"') :]


def test_a_portal_ticket_gets_the_acknowledgement_a_mailed_one_gets(desk, client_as, world):
    assert submit(client_as("globex_contact")).status_code == 302
    ticket = Ticket.objects.get(subject="Phones fail")
    acks = OutboundMail.objects.filter(ticket=ticket, kind=OutboundKind.ACKNOWLEDGEMENT)
    assert [a.to_address for a in acks] == [world.globex_contact.email]


def test_a_refused_ticket_sends_no_acknowledgement(desk, client_as):
    response = submit(client_as("globex_contact"), fact_system_details="")
    assert response.status_code == 422
    assert not OutboundMail.objects.filter(kind=OutboundKind.ACKNOWLEDGEMENT).exists()


def test_the_list_names_the_requester_and_filters_mine_or_my_organization(desk, client_as, world):
    colleague = services.ticket_open(
        actor=world.acme_colleague, organization=world.acme, subject="Printer jams", body="Jams."
    )
    client = client_as("acme_contact")
    organization = client.get("/tickets/").content.decode()
    assert desk.acme.subject in organization and colleague.subject in organization
    row = organization[organization.index(f'data-ticket="{colleague.reference}"') :]
    assert "acme_colleague" in row[: row.index("</tr>")]
    own = organization[organization.index(f'data-ticket="{desk.acme.reference}"') :]
    assert "You" in own[: own.index("</tr>")]
    mine = client.get("/tickets/", {"who": "mine"}).content.decode()
    assert desk.acme.subject in mine and colleague.subject not in mine


def test_mine_never_shows_another_organizations_tickets(desk, client_as):
    html = client_as("globex_contact").get("/tickets/", {"who": "mine", "show": "all"})
    assert desk.acme.subject not in html.content.decode()


def test_a_ticket_pending_on_the_customer_says_waiting_for_you(desk, client_as, world):
    services.ticket_pend(actor=world.l1, ticket=desk.acme, reason="customer")
    client = client_as("acme_contact")
    assert "Waiting for you" in client.get("/tickets/").content.decode()
    page = client.get(f"/tickets/{desk.acme.reference}/").content.decode()
    assert 'id="waiting-for-you"' in page and "Support is waiting for you" in page


def test_a_ticket_pending_on_a_third_party_is_not_waiting_for_the_customer(desk, client_as, world):
    services.ticket_pend(actor=world.l1, ticket=desk.acme, reason="third_party")
    page = client_as("acme_contact").get(f"/tickets/{desk.acme.reference}/").content.decode()
    assert "Waiting for you" not in page


def test_the_ticket_page_gives_the_promise_as_a_due_time(desk, client_as):
    ticket = Ticket.objects.get(pk=desk.acme.pk)
    page = client_as("acme_contact").get(f"/tickets/{ticket.reference}/").content.decode()
    due = ticket.response_due_at.isoformat()
    assert f'First response due by <time class="due-local" datetime="{due}">' in page
    assert local_time(ticket.response_due_at) in page
    listed = client_as("acme_contact").get("/tickets/").content.decode()
    assert f'First response by <time datetime="{due}">' in listed


def test_the_new_ticket_form_gives_the_due_time_before_sending(desk, client_as, world):
    client = client_as("acme_contact")
    page = client.get("/tickets/new/").content.decode()
    assert "Sent now, at priority P3" in page and "due by" in page
    # Half the phones down implies a higher priority, and an earlier due time.
    preview = client.get("/tickets/new/promise/", {"affected": "50", "total": "100"})
    html = preview.content.decode()
    assert preview.status_code == 200 and "at priority P1" in html and "due by" in html


def test_the_due_time_before_sending_is_the_one_the_ticket_then_gets(desk, world):
    ticket = Ticket.objects.get(pk=desk.acme.pk)
    promised = first_response_due(
        ticket.sla_plan_id, ticket.priority, emergency=ticket.is_emergency, at=ticket.created_at
    )
    assert promised == ticket.response_due_at
    assert ticket_promise(ticket) is not None


def test_times_are_shown_in_the_readers_zone_with_its_name():
    instant = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with timezone.override("Asia/Kolkata"):
        assert local_time(instant) == "Mon 07 Dec 2026, 14:30 Asia/Kolkata"
        rendered = Template("{% load tierdesk_ui %}{{ t|local_time }}").render(
            Context({"t": instant})
        )
    assert rendered == "Mon 07 Dec 2026, 14:30 Asia/Kolkata"
    assert local_time(instant) == "Mon 07 Dec 2026, 09:00 UTC"


def test_the_promise_preview_is_for_contacts_only(desk, client_as):
    assert client_as(None).get("/tickets/new/promise/").status_code == 302  # to sign in
    assert client_as("l1").get("/tickets/new/promise/").status_code == 302  # to the desk
    assert client_as("partner_agent").get("/tickets/new/promise/").status_code == 302
    for contact in ("acme_contact", "globex_contact", "cobalt_contact", "umbrella_contact"):
        assert client_as(contact).get("/tickets/new/promise/").status_code == 200
