"""In Chromium: a manager filters the dashboard and follows a figure to its tickets; a customer
contact opens the monthly report in the portal and downloads the PDF. Every page is checked by
axe-core. Run apart from the rest: ``pytest -m browser tests/reports/test_browser.py``."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps

from tests.conftest import build_world
from tests.reports.conftest import AFTER_THE_WEEK, MONTH_LAST, NOVEMBER, live_the_week
from tests.web.axe import assert_accessible
from tests.web.browser import Session, browser  # noqa: F401 (the fixture)
from tierdesk.crm.models import Contact
from tierdesk.reports.models import ReportRecipient
from tierdesk.reports.services import days_rebuild
from tierdesk.sla.seed import seed_plans
from tierdesk.tickets.models import Category
from tierdesk.tickets.seed import seed_categories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PASSWORD = "a long and quiet passphrase"


@pytest.fixture
def people(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_categories(Category)
    seed_plans(django_apps)
    world = build_world()
    week = live_the_week(world)
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        days_rebuild(first=NOVEMBER, last=MONTH_LAST)
    ReportRecipient.objects.create(contact=Contact.objects.get(user=world.acme_contact))
    for user in (world.manager, world.acme_contact):
        user.set_password(PASSWORD)
        user.save()
    return week


@pytest.fixture
def sessions(browser: Any, live_server: Any) -> Any:  # noqa: F811
    opened: list[Session] = []

    def open_as(name: str) -> Session:
        session = Session(browser, live_server.url, name)
        session.sign_in(name, PASSWORD)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()


def test_the_manager_filters_the_dashboard_and_follows_a_figure(people, sessions):
    manager = sessions("manager")
    page = manager.page
    page.goto("/reports/dashboard/?period=custom&from=2026-11-01&to=2026-11-30")
    assert_accessible(page, "reports-dashboard")
    # The organization is a search field: suggestions as one types, then the name.
    page.fill("#f-organization", "Acme")
    page.wait_for_selector("#f-organization-options option", state="attached")
    page.fill("#f-organization", "Acme Retail")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_load_state()
    assert f"organization={people.world.acme.pk}" in page.url
    # The period's first responses that came late: the P3 nobody answered.
    late = page.locator("table[data-table=compliance] tr", has_text="Selected period").first
    late.locator("td").nth(3).locator("a").click()
    page.wait_for_load_state()
    assert page.inner_text("#ticket-count") == "1"
    assert people.silent.reference in page.inner_text("main")
    assert_accessible(page, "reports-tickets")
    manager.assert_clean()


def test_a_contact_reads_the_monthly_report_and_downloads_the_pdf(people, sessions):
    contact = sessions("acme_contact")
    page = contact.page
    page.goto("/")
    page.click("nav >> text=Reports")
    page.wait_for_load_state()
    assert_accessible(page, "reports-monthly-list")
    page.click("a:has-text('Nov 2026')")
    page.wait_for_load_state()
    assert "Acme Retail: support report for November 2026" in page.inner_text("h1")
    assert page.inner_text("[data-figure=opened]") == "3"
    assert_accessible(page, "reports-monthly")
    with page.expect_download() as download_info:
        page.click("#report-pdf")
    download = download_info.value
    assert download.suggested_filename.endswith("2026-11.pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    contact.assert_clean()
