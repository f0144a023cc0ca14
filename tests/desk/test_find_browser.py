"""A working day in a real browser, at 1366 and at 390 px: a vendor L1 and a partner's L1 find
tickets by reference and organizations by name, act on queue rows in bulk, take a ticket, share
a saved view with the team, and are warned when a colleague works on the same ticket (two
browser contexts). axe-core checks every page visited; screenshots land in test-artifacts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.web.axe import assert_accessible
from tests.web.browser import Session, browser  # noqa: F401 (the fixture)
from tests.web.conftest import open_ticket
from tierdesk.desk.models import SavedView
from tierdesk.sla.seed import seed_plans
from tierdesk.tickets.models import Category, Ticket
from tierdesk.tickets.seed import seed_categories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long and quiet passphrase"
WIDTHS = {"wide": 1366, "narrow": 390}


@pytest.fixture
def people(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_categories(Category)
    seed_plans(django_apps)
    world = build_world()
    for user in (world.l1, world.l1_other, world.partner_agent):
        user.set_password(PASSWORD)
        user.save()
    world.tickets = {
        "acme": open_ticket(world.acme_contact, world.acme, "Phones do not enroll"),
        "acme2": open_ticket(world.acme_contact, world.acme, "Scanner offline"),
        "cobalt": open_ticket(world.cobalt_contact, world.cobalt, "Clinic tablets offline"),
    }
    return world


@pytest.fixture
def sessions(browser: Any, live_server: Any) -> Any:  # noqa: F811
    opened: list[Session] = []

    def open_as(name: str, width: str) -> Session:
        session = Session(browser, live_server.url, name)
        session.page.set_viewport_size({"width": WIDTHS[width], "height": 900})
        session.sign_in(name, PASSWORD)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()


def find(session: Session, text: str) -> None:
    """Type into the desk's search box the way an agent does: "/" focuses it."""
    page = session.page
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("/")
    expect(page.locator("#td-find")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_load_state()


def open_find_box(session: Session) -> None:
    """At 390 px the top bar's menu folds: open it first."""
    toggler = session.page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(session.page.locator("#td-find")).to_be_visible()


@pytest.mark.parametrize("width", ["wide", "narrow"])
def test_a_vendor_l1_finds_acts_in_bulk_takes_shares_and_is_warned(people, sessions, width):
    world, tickets = people, people.tickets
    l1 = sessions("l1", width)
    page = l1.page
    assert_accessible(l1, f"find-l1-queue-{width}")

    # By reference: straight to the ticket.
    open_find_box(l1)
    find(l1, tickets["acme"].reference)
    expect(page).to_have_url(re.compile(f"/desk/tickets/{tickets['acme'].reference}/$"))
    assert_accessible(l1, f"find-l1-by-reference-{width}")

    # By organization name (part of it): the organization page with its tickets.
    open_find_box(l1)
    find(l1, "acme ret")
    expect(page.locator("#results-organizations")).to_contain_text("Acme Retail")
    assert_accessible(l1, f"find-l1-results-{width}")
    page.locator("#results-organizations a", has_text="Acme Retail").click()
    expect(page.locator("#directory-tickets")).to_contain_text(tickets["acme2"].reference)
    assert_accessible(l1, f"find-l1-organization-{width}")

    # Bulk: both Acme tickets to a colleague, with a summary of what happened.
    page.goto("/desk/queue/team/")
    for key in ("acme", "acme2"):
        page.check(f"input[name=ticket][value='{tickets[key].pk}']")
    page.select_option("#id_bulk_action", "assign")
    page.select_option("#id_bulk_assignee", str(world.l1_other.pk))
    page.click("#bulk button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("2 done")
    assert_accessible(l1, f"find-l1-bulk-summary-{width}")
    assert Ticket.objects.get(pk=tickets["acme"].pk).assignee_id == world.l1_other.pk

    # Take it back in one click, from the ticket page.
    page.goto(f"/desk/tickets/{tickets['acme'].reference}/")
    page.click("#take-it")
    expect(page.locator(".messages")).to_contain_text("is yours")
    assert Ticket.objects.get(pk=tickets["acme"].pk).assignee_id == world.l1.pk

    # A saved view shared with the team reaches a colleague.
    page.goto("/desk/queue/team/?priority=3")
    page.fill("#id_name", f"Team P3 {width}")
    page.select_option("#id_team_share", str(world.service_desk.pk))
    page.click("text=Save view")
    expect(page.locator("#saved-views")).to_contain_text(f"Team P3 {width}")
    assert SavedView.objects.get(name=f"Team P3 {width}").team_id == world.service_desk.pk
    colleague = sessions("l1_other", width)
    expect(colleague.page.locator("#saved-views")).to_contain_text(f"Team P3 {width}")
    assert_accessible(colleague, f"find-l1-shared-view-{width}")

    # Presence: two browser contexts on the same ticket.
    ticket_url = f"/desk/tickets/{tickets['acme'].reference}/"
    page.goto(ticket_url)
    colleague.page.goto(ticket_url)
    expect(colleague.page.locator("#presence-others")).to_contain_text(
        "l1 is viewing", timeout=15_000
    )
    page.locator("#composer textarea").first.fill("Working on it")
    page.locator("#composer textarea").first.type(".")
    expect(colleague.page.locator("#presence-others")).to_contain_text("writing on", timeout=25_000)
    assert_accessible(colleague, f"find-l1-presence-{width}")
    l1.assert_clean()
    colleague.assert_clean()


@pytest.mark.parametrize("width", ["wide", "narrow"])
def test_a_partners_l1_finds_only_its_customers_and_takes_in_bulk(people, sessions, width):
    tickets = people.tickets
    partner = sessions("partner_agent", width)
    page = partner.page

    open_find_box(partner)
    find(partner, tickets["cobalt"].reference)
    expect(page).to_have_url(re.compile(f"/desk/tickets/{tickets['cobalt'].reference}/$"))
    assert_accessible(partner, f"find-partner-by-reference-{width}")

    # Another customer's ticket number is not opened, and reveals nothing.
    open_find_box(partner)
    find(partner, tickets["acme"].reference)
    expect(page.locator("main")).to_contain_text("Nothing found")
    expect(page.locator("main")).not_to_contain_text("Phones do not enroll")
    assert_accessible(partner, f"find-partner-nothing-{width}")

    open_find_box(partner)
    find(partner, "cobalt")
    page.locator("#results-organizations a", has_text="Cobalt Clinics").click()
    expect(page.locator("#directory-tickets")).to_contain_text(tickets["cobalt"].reference)
    assert_accessible(partner, f"find-partner-organization-{width}")

    page.goto("/desk/queue/all/")
    page.check(f"input[name=ticket][value='{tickets['cobalt'].pk}']")
    page.select_option("#id_bulk_action", "take")
    page.click("#bulk button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("1 done")
    assert_accessible(partner, f"find-partner-bulk-take-{width}")
    assert Ticket.objects.get(pk=tickets["cobalt"].pk).assignee_id == people.partner_agent.pk
    partner.assert_clean()
