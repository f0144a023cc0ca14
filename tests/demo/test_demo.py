"""The demo data: a believable installation, built through the services, loaded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count

from tierdesk.crm.models import Organization
from tierdesk.demo import loader
from tierdesk.sla.models import EscalationStep
from tierdesk.tickets import policies
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

SOURCE_COMPANIES = ["mithi", "1mobility", "exotel"]


@pytest.fixture
def loaded(db: None, settings: Any, tmp_path: Path) -> loader.Cast:
    settings.DATA_DIR = tmp_path
    # Argon2 is slow on purpose; the demo's passwords need not be strong in a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return loader.load(tickets=40, seed=7, report=lambda message: None)


def test_the_demo_tickets_are_in_every_status_and_at_every_level(loaded: loader.Cast) -> None:
    statuses = set(Ticket.objects.values_list("status", flat=True))
    levels = set(Ticket.objects.values_list("support_level", flat=True))

    assert statuses == {"new", "open", "pending", "resolved", "closed"}
    assert levels == {1, 2, 3}
    assert Ticket.objects.count() == 40


def test_every_demo_ticket_has_a_timeline_that_starts_with_its_opening(loaded: loader.Cast) -> None:
    for ticket in Ticket.objects.annotate(events_count=Count("events")):
        first = TicketEvent.objects.filter(ticket=ticket).order_by("at", "id").first()
        assert first is not None and first.kind == EventKind.OPENED
        assert first.at == ticket.created_at
    assert TicketEvent.objects.filter(kind=EventKind.ESCALATED).exists()


def test_a_partners_customers_tickets_are_worked_by_the_partners_desk(loaded: loader.Cast) -> None:
    partner_ticket_events = TicketEvent.objects.filter(
        ticket__organization__partner__isnull=False, kind=EventKind.REPLIED,
        actor__agent__organization__kind="partner",
    )  # fmt: skip
    assert partner_ticket_events.exists()


def test_a_demo_contact_sees_only_their_own_organizations_tickets(loaded: loader.Cast) -> None:
    organization = loaded.customers[-1]
    contact = loaded.contacts[organization.pk][0]

    seen = policies.visible(contact, policies.VIEW, Ticket.objects.all())

    assert set(seen.values_list("organization_id", flat=True)) <= {organization.pk}


def test_the_printed_passwords_work_and_the_file_is_private(loaded: loader.Cast) -> None:
    path = loader.credentials_path()
    assert path.stat().st_mode & 0o777 == 0o600
    username, password = loader.credentials_text().splitlines()[0].split()[:2]

    assert authenticate(username=username, password=password) is not None


def test_no_company_from_the_source_documents_appears(loaded: loader.Cast) -> None:
    names = " ".join(Organization.objects.values_list("name", flat=True)).lower()
    assert not [name for name in SOURCE_COMPANIES if name in names]


def test_loading_twice_is_refused_and_changes_nothing(loaded: loader.Cast) -> None:
    with pytest.raises(loader.DemoError, match="already loaded"):
        loader.load(tickets=5, report=lambda message: None)

    assert Ticket.objects.count() == 40


def test_each_step_of_the_demo_chain_names_its_own_person(loaded: loader.Cast) -> None:
    for plan_id in set(EscalationStep.objects.values_list("plan_id", flat=True)):
        steps = EscalationStep.objects.filter(plan_id=plan_id).order_by("position")
        assert steps[0].notify_roles == ["team_lead"]
        named = [list(step.notify_users.values_list("username", flat=True)) for step in steps[1:]]
        assert named == [["pm.nadia"], ["vp.arjun"], ["cto.helen"]]
        assert all(step.notify_roles == [] for step in steps[1:])
