"""A configuration problem never becomes a 500 at intake: the ticket is taken, timed with a
default (24x7 in UTC), and the admins are told. Whatever the channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F

from tests.mail.conftest import corpus
from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.core.clock import now
from tierdesk.sla.models import Calendar, WorkingInterval
from tierdesk.tickets.models import Category, Ticket


def break_calendar(**broken: object) -> Calendar:
    """The Standard plan's business-hours calendar, broken behind validation's back (as one
    saved before validation existed would be)."""
    calendars = Calendar.objects.filter(slug="standard-ist")
    calendars.update(revision=F("revision") + 1, **broken)
    return calendars.get()


@pytest.fixture(params=["time zone", "night interval"])
def broken_calendar(request, db):
    if request.param == "time zone":
        return break_calendar(timezone="Mars/Olympus")
    calendar = break_calendar()
    WorkingInterval.objects.filter(calendar=calendar).update(opens_at="17:00", closes_at="09:00")
    return calendar


def portal_ticket(subject: str) -> dict[str, object]:
    enrollment = Category.objects.get(slug="enrollment")
    return {"category": enrollment.pk, "subject": subject, "body": "Since this morning.",
            "fact_system_details": "iOS 19", "fact_steps_tried": "Restarted"}  # fmt: skip


def told_admins(world) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=world.admin, kind=NotificationKind.CONFIGURATION)
    )


def test_the_portal_takes_the_ticket_and_the_admins_hear_of_it(world, client_as, broken_calendar):
    response = client_as("acme_contact").post("/tickets/new/", portal_ticket("Printer jam"))
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Printer jam")
    # P3's first response is one business day: around the clock in UTC, 24 hours.
    assert ticket.response_due_at - ticket.created_at == timedelta(days=1)
    [notice] = told_admins(world)
    assert "Standard hours (IST)" in notice.title and notice.urgent


def test_the_desk_preview_and_new_ticket_work(world, client_as, broken_calendar):
    client = client_as("l1")
    preview = client.get(f"/desk/tickets/new/commitment/?party=organization:{world.acme.pk}")
    assert preview.status_code == 200
    response = client.post("/desk/tickets/new/", {
        "party": f"organization:{world.acme.pk}", "channel": "phone", "type": "incident",
        "subject": "Phones dead", "body": "All of them.", "priority": "2",
    })  # fmt: skip
    assert response.status_code == 302
    assert Ticket.objects.get(subject="Phones dead").resolution_due_at is not None


def test_the_api_takes_the_ticket(world, api_as, broken_calendar):
    response = api_as("acme_contact").post(
        "/api/v1/tickets", {"subject": "API ticket", "body": "It broke."}
    )
    assert response.status_code == 201, response.json()
    assert told_admins(world)


def test_mail_takes_the_ticket(world, mailbox, ingest, broken_calendar):
    result = ingest(corpus("thunderbird_plain.eml"))
    ticket = Ticket.objects.latest("id")
    assert result.ticket_reference == ticket.reference
    assert ticket.response_due_at is not None
    assert told_admins(world)


def test_the_admins_are_told_once_per_broken_version(world, client_as, broken_calendar):
    for number in range(3):
        client_as("acme_contact").post("/tickets/new/", portal_ticket(f"Jam {number}"))
    assert len(told_admins(world)) == 1


def test_a_category_with_unknown_fact_keys_still_takes_tickets(world, client_as):
    category = Category.objects.get(slug="enrollment")
    Category.objects.filter(pk=category.pk).update(
        required_facts=["device_model", "api_request_id", "system_details"]
    )
    client = client_as("acme_contact")
    form = client.get("/tickets/new/facts/", {"category": category.pk}).content.decode()
    assert "device_model" not in form and 'name="fact_system_details"' in form
    response = client.post("/tickets/new/", {
        "category": category.pk, "subject": "Enrollment", "body": "Fails.",
        "fact_system_details": "iOS 19",
    })  # fmt: skip
    assert response.status_code == 302
    assert Ticket.objects.filter(subject="Enrollment").exists()


def test_a_valid_calendar_is_not_replaced(world, client_as):
    client_as("acme_contact").post("/tickets/new/", portal_ticket("Fine"))
    assert not told_admins(world)
    assert Ticket.objects.get(subject="Fine").response_due_at > now()
