"""A week of support for the report tests, lived through the real services with time travel.

The week of Monday 16 November 2026 (no Indian holidays), Standard plan (IST business hours
08:00-18:00 for P2-P4, around the clock for P1):

- ``met`` (Acme, P2): answered after an hour, waits on the customer Monday 11:00 to Tuesday
  15:00, resolved Tuesday 16:00, rated bad by mail, reopened Thursday and resolved again.
- ``breach`` (Acme, P1): answered in 30 minutes, paused an hour for the customer, resolution
  breached at 14:00 (4 h target + the hour's pause); the sweep records the breach and two
  chain steps; resolved at 16:00 after 6 h of clock time.
- ``silent`` (Acme, P3): never answered, resolved Wednesday (the first-response clock stops
  then, breached), rated good in the portal, closed by the reporter.
- ``escalated`` (Globex, P3): escalated to L2 on Tuesday, still open.
- ``partner`` (Cobalt, a customer of the partner Bluebird, P3): opened Wednesday, still open.
- ``old`` (Umbrella, P4): opened the week before, still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from tests.conftest import World
from tierdesk.accounts.principal import SYSTEM
from tierdesk.crm.models import Contact
from tierdesk.monitoring.models import AlertGroup
from tierdesk.monitoring.services import source_create
from tierdesk.problems.models import (
    ChangeOrganization,
    ChangeRequest,
    ChangeStatus,
    Decision,
    Incident,
    PlanTerms,
    RcaState,
    RootCauseReport,
)
from tierdesk.reports import services as report_services
from tierdesk.reports.models import RatingChannel, ReportRecipient
from tierdesk.sla.models import Plan
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services.sweep import sla_sweep

IST = ZoneInfo("Asia/Kolkata")
MON, TUE, WED, THU, FRI = range(5)
NOVEMBER = date(2026, 11, 1)
MONTH_LAST = date(2026, 11, 30)


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 16, hour, minute, tzinfo=IST) + timedelta(days=day)


AFTER_THE_WEEK = ist(FRI, 20)


@dataclass
class Week:
    world: World
    met: Ticket
    breach: Ticket
    silent: Ticket
    escalated: Ticket
    partner: Ticket
    old: Ticket


def _at(instant: datetime, action: Any, **arguments: Any) -> Any:
    with time_machine.travel(instant, tick=False):
        return action(**arguments)


def _contact(user: Any) -> Contact:
    return Contact.objects.get(user=user)


def _open(
    world: World, instant: datetime, org: Any, reporter: Any, subject: str, **extra: Any
) -> Ticket:
    return _at(
        instant, services.ticket_open, actor=world.l1, organization=org, subject=subject,
        body=f"{subject}.", reporter=_contact(reporter), **extra,
    )  # fmt: skip


def live_the_week(world: World) -> Week:
    l1 = world.l1
    old = _open(world, ist(MON - 7, 10), world.umbrella, world.umbrella_contact, "Old printer",
                priority=4)  # fmt: skip
    met = _open(world, ist(MON, 9), world.acme, world.acme_contact, "Calls drop", priority=2,
                channel="email")  # fmt: skip
    breach = _open(world, ist(MON, 9), world.acme, world.acme_contact, "Site down", priority=1)
    silent = _open(world, ist(MON, 12), world.acme, world.acme_contact, "Slow reports", priority=3)
    _at(ist(MON, 9, 5), services.ticket_assign, actor=l1, ticket=met, assignee=l1)
    _at(ist(MON, 9, 5), services.ticket_assign, actor=l1, ticket=breach, assignee=l1)
    _at(ist(MON, 9, 30), services.ticket_reply, actor=l1, ticket=breach, body="On it.")
    _at(ist(MON, 10), services.ticket_reply, actor=l1, ticket=met, body="Which version?")
    _at(ist(MON, 10), services.ticket_pend, actor=l1, ticket=breach, reason="customer")
    _at(ist(MON, 11), services.ticket_resume, actor=l1, ticket=breach)
    _at(ist(MON, 11), services.ticket_pend, actor=l1, ticket=met, reason="customer")
    _at(ist(MON, 14, 30), sla_sweep)  # the P1 resolution breached at 14:00: breach + step 1
    _at(ist(MON, 15, 10), sla_sweep)  # step 2, an hour after the breach
    _at(ist(MON, 16), services.ticket_resolve, actor=l1, ticket=breach, summary="Restarted.")
    escalated = _open(world, ist(TUE, 10), world.globex, world.globex_contact, "Invoices")
    _at(
        ist(TUE, 11), services.ticket_escalate, actor=l1, ticket=escalated, reason="Needs L2",
        facts={"system_details": "ERP 7.2", "steps_tried": "Restarted the export"},
    )  # fmt: skip
    _at(ist(TUE, 15), services.ticket_resume, actor=l1, ticket=met)
    _at(ist(TUE, 16), services.ticket_resolve, actor=l1, ticket=met, summary="Upgrade.")
    partner = _open(world, ist(WED, 10), world.cobalt, world.cobalt_contact, "Tablets")
    _at(ist(WED, 9), services.ticket_resolve, actor=l1, ticket=silent, summary="Index rebuilt.")
    _at(
        ist(WED, 10), report_services.ticket_rate, actor=None, ticket=met, good=False,
        comment="Took two days.", contact_id=_contact(world.acme_contact).pk,
        channel=RatingChannel.MAIL,
    )  # fmt: skip
    _at(ist(THU, 9), services.ticket_reopen, actor=world.acme_contact, ticket=met, reason="Again")
    _at(
        ist(THU, 10), report_services.ticket_rate, actor=world.acme_contact, ticket=silent,
        good=True, channel=RatingChannel.PORTAL,
    )  # fmt: skip
    _at(ist(THU, 11), services.ticket_close, actor=world.acme_contact, ticket=silent)
    _at(ist(THU, 12), services.ticket_resolve, actor=l1, ticket=met, summary="Really fixed.")
    tickets = {t.pk: t for t in Ticket.objects.all()}
    return Week(
        world, tickets[met.pk], tickets[breach.pk], tickets[silent.pk], tickets[escalated.pk],
        tickets[partner.pk], tickets[old.pk],
    )  # fmt: skip


@pytest.fixture
def week(world: World) -> Week:
    return live_the_week(world)


@pytest.fixture
def rolled_up(week: Week) -> Week:
    """The week, with November's rollups built the evening after it."""
    _at(AFTER_THE_WEEK, report_services.days_rebuild, first=NOVEMBER, last=MONTH_LAST)
    return week


@pytest.fixture
def delivered(week: Week) -> Week:
    """Beyond the tickets: an alert group behind the P1 (first seen Monday 08:50) and one that
    made no ticket; root-cause reports released to Acme (Thursday) and to Globex, one still
    due for Acme; a change done for Acme on Wednesday night and one cancelled. Then November's
    rollups, built the evening after the week."""
    world = week.world
    source, _ = source_create(actor=SYSTEM, name="Alertmanager", slug="am", kind="alertmanager")
    for ticket, key in ((week.breach, "site"), (None, "noise")):
        AlertGroup.objects.create(
            source=source, key_hash=key * 8, group_key=key, ticket=ticket, title=key,
            first_seen_at=ist(MON, 8, 50), last_seen_at=ist(MON, 9),
        )  # fmt: skip
    incident = Incident.objects.create(title="Data centre power", scope="linked",
                                       declared_at=ist(MON, 9))  # fmt: skip
    terms = PlanTerms.objects.create(plan=Plan.objects.order_by("pk")[0], rca_included=True)
    for org, state, released in (
        (world.acme, RcaState.RELEASED, ist(THU, 15)),
        (world.globex, RcaState.RELEASED, ist(THU, 16)),
        (world.umbrella, RcaState.DUE, None),
    ):
        RootCauseReport.objects.create(
            incident=incident, organization=org, terms=terms, state=state,
            starts_at=ist(TUE, 9), released_at=released,
        )  # fmt: skip
    for title, status in (
        ("Upgrade to 7.3", ChangeStatus.DONE),
        ("Reboot", ChangeStatus.CANCELLED),
    ):
        change = ChangeRequest.objects.create(
            title=title, kind="upgrade", risk="low", impact="Ten minutes down.", plan="p",
            rollback="r", status=status, window_start=ist(WED, 22), window_end=ist(WED, 23),
            created_at=ist(MON, 12),
        )  # fmt: skip
        ChangeOrganization.objects.create(change=change, organization=world.acme,
                                          decision=Decision.NOT_NEEDED)  # fmt: skip
    _at(AFTER_THE_WEEK, report_services.days_rebuild, first=NOVEMBER, last=MONTH_LAST)
    return week


@pytest.fixture
def recipients(world: World) -> None:
    """Acme's first contact and Cobalt's contact read (and receive) their reports."""
    for user in (world.acme_contact, world.cobalt_contact):
        ReportRecipient.objects.create(contact=_contact(user))


@pytest.fixture
def client_as(world: World) -> Any:
    """``client_as("l1")``: a Django test client signed in as that persona."""

    def make(persona: str | None) -> Client:
        client = Client()
        if persona:
            client.force_login(world.persona(persona))
        return client

    return make


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> Any:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()
