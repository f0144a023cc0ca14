"""Every time in the reader's zone, with the zone named: their own, else (a contact) their
organization's, else their browser's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone

from tests.web.conftest import open_ticket
from tierdesk.accounts.selectors import user_with_principal
from tierdesk.accounts.services import user_time_zone_set
from tierdesk.accounts.timezones import zone_for
from tierdesk.crm.models import Organization

NOON_UTC = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def render(text: str, **context: object) -> str:
    return Template("{% load tierdesk_time %}" + text).render(Context(context))


def test_a_time_is_shown_in_the_active_zone_with_its_name():
    with timezone.override("Asia/Kolkata"):
        assert render("{{ at|when_text }}", at=NOON_UTC) == "7 Dec 2026, 17:30 IST"
        assert 'datetime="2026-12-07T17:30:00+05:30"' in render("{{ at|when }}", at=NOON_UTC)
    with timezone.override("Europe/London"):
        assert render("{{ at|when_text }}", at=NOON_UTC) == "7 Dec 2026, 12:00 GMT"


def test_a_zone_without_an_abbreviation_shows_its_offset():
    with timezone.override("Asia/Dubai"):
        assert render("{{ at|when_text }}", at=NOON_UTC) == "7 Dec 2026, 16:00 UTC+04"


def test_the_users_own_zone_wins_over_the_browsers(world):
    world.l1.time_zone = "Asia/Kolkata"
    assert str(zone_for(world.l1, "Europe/Berlin")) == "Asia/Kolkata"
    world.l1.time_zone = ""
    assert str(zone_for(world.l1, "Europe/Berlin")) == "Europe/Berlin"
    assert str(zone_for(world.l1, "../../etc/passwd")) == "UTC"


def test_pages_are_rendered_in_the_readers_zone(world, client_as):
    user_time_zone_set(actor=world.l1, time_zone="Asia/Kolkata")
    page = client_as("l1").get("/desk/me/time-zone/").content.decode()
    assert "Now: Asia/Kolkata." in page
    client = client_as("l2")
    client.cookies["tz"] = "America%2FNew_York"
    assert "Now: America/New_York." in client.get("/desk/me/time-zone/").content.decode()


def test_a_person_sets_their_own_zone_and_a_bad_one_is_refused(world, client_as):
    client = client_as("l1")
    assert client.post("/desk/me/time-zone/", {"time_zone": "Europe/Paris"}).status_code == 302
    world.l1.refresh_from_db()
    assert world.l1.time_zone == "Europe/Paris"
    refused = client.post("/desk/me/time-zone/", {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 422 and "Unknown time zone" in refused.content.decode()


def test_a_contact_reads_times_in_their_organizations_zone_before_the_browsers(
    world, client_as, django_assert_num_queries
):
    ticket = open_ticket(world.acme_contact, world.acme, "Scanner offline")
    page = f"/tickets/{ticket.reference}/"

    def zone_shown() -> str:
        client = client_as("acme_contact")
        client.cookies["tz"] = "Europe/Berlin"
        html = client.get(page).content.decode()
        return next(z for z in ("Asia/Kolkata", "America/New_York", "Europe/Berlin") if z in html)

    assert zone_shown() == "Europe/Berlin"  # no zone of the organization's: the browser's
    Organization.objects.filter(pk=world.acme.pk).update(time_zone="Asia/Kolkata")
    assert zone_shown() == "Asia/Kolkata"
    user_time_zone_set(actor=world.acme_contact, time_zone="America/New_York")
    assert zone_shown() == "America/New_York"  # the person's own choice wins
    # Read from the organization the session's user is loaded with: no query of its own.
    user_time_zone_set(actor=world.acme_contact, time_zone="")
    loaded = user_with_principal(world.acme_contact.pk)
    with django_assert_num_queries(0):
        assert str(zone_for(loaded, "Europe/Berlin")) == "Asia/Kolkata"


def test_an_agent_does_not_take_the_zone_of_their_organization(world):
    Organization.objects.filter(pk=world.l1.agent.organization_id).update(time_zone="Asia/Tokyo")
    loaded = user_with_principal(world.l1.pk)
    assert str(zone_for(loaded, "Europe/Berlin")) == "Europe/Berlin"


def test_an_organization_with_an_unknown_zone_is_refused(world, client_as):
    world.acme.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError, match="Unknown time zone"):
        world.acme.full_clean()
    admin = client_as("admin")
    form = admin.get(f"/admin/crm/organization/{world.acme.pk}/change/").content.decode()
    assert 'name="time_zone"' in form
