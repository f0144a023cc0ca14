"""A manager and an admin configure the desk in a real browser, on a laptop (1366 px) and a
phone (390 px): every page screenshotted and checked by axe-core, mistakes refused with their
message, the calendar's preview following the form."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.web.axe import assert_accessible
from tests.web.browser import Session, browser  # noqa: F401 (the fixture)
from tierdesk.mail.models import Mailbox
from tierdesk.sla.models import Calendar
from tierdesk.sla.seed import seed_plans
from tierdesk.tickets.models import Category
from tierdesk.tickets.seed import seed_categories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long and quiet passphrase"
WIDTHS = (1366, 390)
PAGES = [
    ("config", "/desk/config/"),
    ("calendars", "/desk/config/calendars/"),
    ("plans", "/desk/config/plans/"),
    ("plan", None),
    ("categories", "/desk/config/categories/"),
    ("category-new", "/desk/config/categories/new/"),
    ("mailboxes", "/desk/config/mailboxes/"),
    ("teams", "/desk/config/teams/"),
    ("agents", "/desk/config/agents/"),
]


@pytest.fixture
def people(settings: Any) -> Any:
    seed_categories(Category)
    seed_plans(django_apps)
    world = build_world()
    for user in (world.manager, world.admin):
        user.set_password(PASSWORD)
        user.save()
    return world


@pytest.fixture
def signed_in(browser: Any, live_server: Any, people: Any) -> Any:  # noqa: F811
    opened: list[Session] = []

    def open_as(name: str) -> Session:
        session = Session(browser, live_server.url, name)
        session.sign_in(name, PASSWORD)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()


def assert_clean(session: Session) -> None:
    """No script error, CSP violation or failed resource, except the refused forms themselves
    (answered 422 on purpose, which the browser reports)."""
    refusals = "the server responded with a status of 422"
    assert [error for error in session.errors if refusals not in error] == []


def visit(session: Session, path: str, name: str, width: int) -> None:
    session.page.goto(path)
    assert session.page_width() <= width, f"{path} is wider than {width} px"
    assert_accessible(session, f"config-{name}-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_manager_walks_through_every_configuration_page(signed_in, width):
    manager = signed_in("manager")
    manager.resize(width)
    plan_path = "/desk/config/plans/"
    for name, path in PAGES:
        if path is None:
            manager.page.goto(plan_path)
            manager.page.click("table a >> nth=0")
            path = manager.page.url
        visit(manager, path, name, width)
    manager.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_manager_fixes_a_calendar_with_the_preview(signed_in, width):
    manager = signed_in("manager")
    manager.resize(width)
    page = manager.page
    calendar = Calendar.objects.get(slug="standard-ist")
    visit(manager, f"/desk/config/calendars/{calendar.pk}/", "calendar", width)
    expect(page.locator("#calendar-preview")).to_contain_text("A ticket opened now would be due")

    # A night shift typed the wrong way round: the preview says so before anything is saved.
    page.fill("input[name=week-d0_0_opens]", "17:00")
    page.fill("input[name=week-d0_0_closes]", "09:00")
    page.locator("input[name=week-d0_0_closes]").dispatch_event("change")
    expect(page.locator("#calendar-preview")).to_contain_text("closes before it opens")
    page.click("form#calendar-form button[type=submit]:has-text('Save')")
    expect(page.locator(".alert-danger")).to_contain_text("Monday 17:00-09:00 closes before")
    assert_accessible(manager, f"config-calendar-refused-{width}")

    page.fill("input[name=week-d0_0_opens]", "09:00")
    page.fill("input[name=week-d0_0_closes]", "17:00")
    page.fill("input[name=timezone]", "Europe/London")
    page.locator("input[name=timezone]").dispatch_event("change")
    expect(page.locator("#calendar-preview")).to_contain_text("GMT")
    page.click("form#calendar-form button[type=submit]:has-text('Save')")
    expect(page.locator(".alert-success")).to_contain_text("saved")
    calendar.refresh_from_db()
    assert calendar.timezone == "Europe/London"
    assert_clean(manager)


def test_an_admin_adds_a_category_and_a_mailbox_and_is_told_what_is_wrong(signed_in):
    admin = signed_in("admin")
    admin.resize(1366)
    page = admin.page
    page.goto("/desk/config/categories/new/")
    page.fill("input[name=name]", "API errors")
    page.fill("input[name=slug]", "api-errors")
    page.check("text=Logs")
    page.click("form.td-form button:has-text('Save')")
    expect(page.locator(".alert-success")).to_contain_text("API errors")
    assert Category.objects.get(slug="api-errors").required_facts == ["logs"]

    page.goto("/desk/config/mailboxes/new/")
    page.fill("input[name=name]", "Support UK")
    page.fill("input[name=address]", "uk@northwind.test")
    page.fill("input[name=imap_host]", "127.0.0.1")
    page.fill("input[name=imap_port]", "1")
    page.uncheck("input[name=imap_ssl]")
    page.fill("input[name=imap_username]", "support")
    page.fill("input[name=imap_secret_env]", "correct horse")
    page.click("form.td-form button:has-text('Save')")
    expect(page.locator("form.td-form")).to_contain_text("NAME of an environment variable")
    assert_accessible(admin, "config-mailbox-refused-1366")
    page.fill("input[name=imap_secret_env]", "TIERDESK_IMAP_UK")
    page.click("form.td-form button:has-text('Save')")
    expect(page.locator(".alert-success")).to_contain_text("Support UK")
    page.click("button:has-text('Test connection')")
    expect(page.locator(".alert-danger")).to_contain_text("Connection failed")
    assert_accessible(admin, "config-mailbox-failed-poll-1366")
    assert Mailbox.objects.get(name="Support UK").last_poll_ok is False
    assert_clean(admin)
