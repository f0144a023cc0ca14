"""The virus outbreak (M10): a product, a burst of tickets from three organizations (Acme on
the Premium plan, Globex and the partner's customer Cobalt on Standard), and the helpers that
run what a worker would run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.mail.conftest import smtp_sink
from tests.notifications.conftest import IMMEDIATE, two_workers
from tierdesk.crm.models import Contact, Product, Subscription
from tierdesk.mail.models import Mailbox
from tierdesk.sla.models import Plan
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open

__all__ = ["IMMEDIATE", "smtp_sink", "two_workers"]

SUBJECTS = [
    ("acme_contact", "Antivirus quarantines every invoice PDF"),
    ("globex_contact", "Invoices blocked by antivirus since this morning"),
    ("cobalt_contact", "Antivirus flags our invoice exports as a virus"),
]


@dataclass
class Outbreak:
    product: Product
    tickets: list[Ticket]
    premium: Plan

    def ticket_of(self, organization: Any) -> Ticket:
        return next(t for t in self.tickets if t.organization_id == organization.pk)


def open_ticket(user: Any, subject: str, product: Product | None = None) -> Ticket:
    contact = Contact.objects.select_related("organization").get(user=user)
    return ticket_open(
        actor=user, organization=contact.organization, subject=subject,
        body=f"{subject}. Since the update this morning.", product=product,
    )  # fmt: skip


@pytest.fixture
def outbreak(world: Any) -> Outbreak:
    Mailbox.objects.create(
        name="support", address="support@northwind.test", display_name="Northwind Support",
        is_default=True,
    )  # fmt: skip
    product = Product.objects.create(name="Guardian AV", slug="guardian-av")
    premium = Plan.objects.get(slug="premium-24x7")
    Subscription.objects.create(organization=world.acme, plan=premium, starts_on=date(2020, 1, 1))
    tickets = [open_ticket(world.persona(p), s, product) for p, s in SUBJECTS]
    return Outbreak(product=product, tickets=tickets, premium=premium)


@pytest.fixture
def run_tasks(settings: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Commit callbacks run at once and tasks run in-process, as a worker would run them."""
    settings.TASKS = IMMEDIATE

    def run(action: Any, /, *args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def client_as(world: Any) -> Any:
    def make(persona: str | None) -> Client:
        client = Client()
        if persona:
            client.force_login(world.persona(persona))
        return client

    return make
