"""Every time in the reader's zone, with the zone named: their own, else their browser's."""

from __future__ import annotations

from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone

from tierdesk.accounts.services import user_time_zone_set
from tierdesk.accounts.timezones import zone_for

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
