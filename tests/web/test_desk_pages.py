"""What the desk's queue and ticket pages show, read the cheap way: queue rows as plain values,
SLA warnings from the timeline, attachments grouped under their message, canned responses
from a per-process cache."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tierdesk.desk.models import CannedResponse
from tierdesk.sla.models import Target
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services.sweep import sla_sweep

IST = ZoneInfo("Asia/Kolkata")
MONDAY = datetime(2026, 11, 30, tzinfo=IST)  # no Indian holiday that week


def at(hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(hours=hour, minutes=minute)


@pytest.fixture
def p2_ticket(world):
    """P2 on the Standard plan, opened Monday 09:00 IST: the response warning comes at 12:00,
    the breach at 13:00 (tests/sla/test_sweep.py)."""
    with time_machine.travel(at(9), tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="Calls drop", body="Since 08:30",
            priority=2,
        )  # fmt: skip
    return ticket


def clock_level(client, ticket) -> str:
    html = client.get(f"/desk/tickets/{ticket.reference}/").content.decode()
    start = html.index('data-clock="first_response"')
    return html[start:].split('data-level="', 1)[1].split('"', 1)[0]


def queue_row(client, ticket) -> str:
    html = client.get("/desk/queue/team/").content.decode()
    start = html.index(f'<tr data-ticket="{ticket.pk}">')
    return html[start : html.index("</tr>", start)]


def test_a_clock_the_sweep_warned_about_shows_due_soon_on_both_pages(p2_ticket, client_as):
    client = client_as("l1")
    with time_machine.travel(at(11, 30), tick=False):
        assert clock_level(client, p2_ticket) == "ok"
        assert "On track" in queue_row(client, p2_ticket)
    with time_machine.travel(at(12), tick=False):
        sla_sweep()
    with time_machine.travel(at(12, 30), tick=False):
        assert clock_level(client, p2_ticket) == "warning"
        row = queue_row(client, p2_ticket)
        assert "Due soon · 30m left" in row
        assert "First response" in row
    with time_machine.travel(at(13, 5), tick=False):
        assert clock_level(client, p2_ticket) == "breach"
        assert "Overdue · overdue by 5m" in queue_row(client, p2_ticket)


def test_a_queue_row_shows_the_ticket_as_it_is(desk, client_as, world):
    services.ticket_assign(actor=world.l1, ticket=desk.acme, assignee=world.l1)
    Ticket.objects.filter(pk=desk.acme.pk).update(subject="<b>Phones</b> & tablets")
    row = queue_row(client_as("l1"), desk.acme)
    assert f'<td class="text-nowrap">{desk.acme.reference}</td>' in row
    assert f'href="/desk/tickets/{desk.acme.reference}/"' in row
    assert "&lt;b&gt;Phones&lt;/b&gt; &amp; tablets" in row
    assert world.acme.name in row
    assert f"L1 · {desk.acme.team.name}" in row
    assert f'<td data-label="Assignee">{world.l1}</td>' in row


def test_a_file_sent_with_a_reply_shows_under_the_reply_and_in_the_details(desk, client_as):
    client = client_as("l1")
    upload = SimpleUploadedFile("fix.txt", b"x")
    client.post(
        f"/desk/tickets/{desk.acme.reference}/messages/",
        {"kind": "reply", "body": "Here is the fix.", "attachments": upload},
    )
    html = client.get(f"/desk/tickets/{desk.acme.reference}/").content.decode()
    reply = html[html.index("Here is the fix.") :]
    assert "fix.txt" in reply[: reply.index("</article>")]
    details = html[html.index('id="details-title"') :]
    assert "fix.txt" in details and "enroll.log" in details  # all of the ticket's files
    assert html.count("icon-paperclip") == 1  # enroll.log came with no message


def test_canned_responses_appear_and_go_at_once(desk, client_as, world):
    client = client_as("l1")
    page = f"/desk/tickets/{desk.acme.reference}/"
    assert "Greeting" not in client.get(page).content.decode()
    greeting = CannedResponse.objects.create(title="Greeting", body="Hello!")
    assert "Greeting" in client.get(page).content.decode()
    greeting.is_active = False
    greeting.save()
    assert "Greeting" not in client.get(page).content.decode()
    # Another agent's own canned response is not offered.
    CannedResponse.objects.create(title="Not mine", body="...", owner=world.l1_other)
    html = client.get(page).content.decode()
    assert "Not mine" not in html
    assert desk.private_canned.title in html


def test_the_commitment_shown_follows_a_changed_target(p2_ticket, client_as):
    client = client_as("l1")
    page = f"/desk/tickets/{p2_ticket.reference}/"
    assert "Response 4 hours" in client.get(page).content.decode()
    target = Target.objects.get(plan=p2_ticket.sla_plan, priority=2, metric="first_response")
    target.amount = 3
    target.save()
    assert "Response 3 hours" in client.get(page).content.decode()


def test_queue_rows_built_in_python_escape_what_customers_typed(world, client_as):
    """The rows are one format string each, not template nodes: every text must still be
    escaped (a subject is whatever a customer's mail said)."""
    services.ticket_open(
        actor=world.acme_contact, organization=world.acme,
        subject='<img src=x onerror="alert(1)"> & "quotes"', body="b",
    )  # fmt: skip
    page = client_as("l1").get("/desk/queue/team/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &quot;quotes&quot;" in page
