"""An administrator can open every admin page; tickets are shown but not edited there."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_open, ticket_reply


@pytest.fixture
def admin_client(world: Any) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


@pytest.fixture
def ticket(world: Any) -> Ticket:
    opened = ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Printer on fire",
        body="Smoke rises from the printer.",
    )  # fmt: skip
    ticket_reply(actor=world.l1, ticket=opened, body="We are on our way.")
    return opened


def test_every_admin_list_page_opens(admin_client: Client, ticket: Ticket) -> None:
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url


def test_the_ticket_page_shows_its_timeline_read_only(admin_client: Client, ticket: Ticket) -> None:
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])

    page = admin_client.get(url)

    assert page.status_code == 200
    assert b"Printer on fire" in page.content
    assert b"Replied" in page.content
    assert b'name="_save"' not in page.content


def test_tickets_cannot_be_added_in_the_admin(admin_client: Client, world: Any) -> None:
    assert admin_client.get(reverse("admin:tickets_ticket_add")).status_code == 403


def test_the_ticket_search_finds_a_subject(admin_client: Client, ticket: Ticket) -> None:
    page = admin_client.get(reverse("admin:tickets_ticket_changelist"), {"q": "printer"})

    assert ticket.reference.encode() in page.content
