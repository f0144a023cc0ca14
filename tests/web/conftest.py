"""Tickets and signed-in clients for the web tests, on top of the named personas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client

from tests.conftest import World
from tierdesk.desk.models import CannedResponse, SavedView
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, Category, Ticket


@dataclass
class Desk:
    world: World
    acme: Ticket  # reported by acme_contact, in the L1 service desk's queue
    globex: Ticket
    cobalt: Ticket  # a customer of the partner Bluebird
    umbrella: Ticket  # a customer of the other partner, Redline
    acme_file: Attachment
    l1_view: SavedView
    private_canned: CannedResponse


def open_ticket(actor: Any, organization: Any, subject: str, **extra: Any) -> Ticket:
    return services.ticket_open(
        actor=actor, organization=organization, subject=subject,
        body=f"{subject}: it stopped working this morning.", **extra,
    )  # fmt: skip


def build_desk(world: World) -> Desk:
    enrollment = Category.objects.get(slug="enrollment")
    acme = open_ticket(world.acme_contact, world.acme, "Phones do not enroll", category=enrollment)
    acme_file = services.attachment_add(
        actor=world.acme_contact, ticket=acme, stream=ContentFile(b"log line\n"),
        filename="enroll.log",
    )  # fmt: skip
    return Desk(
        world=world,
        acme=acme,
        globex=open_ticket(world.globex_contact, world.globex, "Invoices missing"),
        cobalt=open_ticket(world.cobalt_contact, world.cobalt, "Clinic tablets offline"),
        umbrella=open_ticket(world.umbrella_contact, world.umbrella, "Dental printer"),
        acme_file=acme_file,
        l1_view=SavedView.objects.create(
            owner=world.l1,
            name="P1 only",
            view="team",
            query="priority=1",
            created_at=acme.created_at,
        ),
        private_canned=CannedResponse.objects.create(
            title="Mine", body="Only for l1.", owner=world.l1
        ),
    )


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> Any:
    """Queue counts and sign-in rate limits live in the cache: each test starts without them."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(world: World, settings: Any, tmp_path: Any) -> Desk:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_desk(world)


@pytest.fixture
def client_as(world: World) -> Any:
    """``client_as("l1")``: a Django test client signed in as that persona."""

    def make(persona: str | None) -> Client:
        client = Client()
        if persona:
            client.force_login(world.persona(persona))
        return client

    return make
