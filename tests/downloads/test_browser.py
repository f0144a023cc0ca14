"""The download centre in a real browser: a release manager links a defect to a planned patch
and publishes it; the reporter receives the mail (a real SMTP server), signs in, finds the patch
under Downloads and downloads it, and the file's checksum is the one the page shows."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps

from tests.conftest import build_world
from tests.downloads.conftest import publish, subscribe
from tests.web.axe import assert_accessible
from tests.web.browser import Session, browser  # noqa: F401 (the fixture)
from tierdesk.core.clock import now
from tierdesk.sla.seed import seed_plans
from tierdesk.tickets.models import Category, Ticket, TicketType
from tierdesk.tickets.seed import seed_categories
from tierdesk.tickets.services import ticket_open

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long and quiet passphrase"


@pytest.fixture
def setting(downloads_dir: Path, tmp_path: Path, mailbox: Any, smtp_sink: Any) -> Any:
    seed_categories(Category)
    seed_plans(django_apps)
    world = build_world()
    for user in (world.acme_contact, world.admin):
        user.set_password(PASSWORD)
        user.save()
    sources = tmp_path / "sources"
    sources.mkdir()
    content = b"ledger patch 3.1.1\n" * 10_000
    draft = publish(sources, "ledger", "3.1.1", "patch", "ledger-3.1.1.zip", content, days_ago=None)
    draft.notes = "Totals are right again."
    draft.save()
    subscribe(world.acme, draft.version.product, starts_on=now().date() - timedelta(days=1))
    ticket = ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Totals are wrong",
        body="Off by one since 3.1.", type=TicketType.DEFECT,
    )  # fmt: skip
    return world, draft, ticket, hashlib.sha256(content).hexdigest()


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


def test_a_patch_that_fixes_a_defect_reaches_its_reporter(setting, sessions, smtp_sink):
    world, draft, ticket, checksum = setting
    manager = sessions("admin")
    page = manager.page
    page.goto(f"/desk/tickets/{ticket.reference}/")
    page.wait_for_selector("#fixed-in-release")
    page.select_option("#fixed-in-release", label=draft.title)
    page.click("#fixed-in button[type=submit]")
    page.wait_for_selector("text=Planned for")
    assert_accessible(manager, "downloads-ticket-panel")
    page.click(f"text={draft.title}")
    page.wait_for_selector("#publish")
    assert_accessible(manager, "downloads-release")
    smtp_sink.clear()
    page.click("#publish")
    page.wait_for_selector("text=is published")
    manager.assert_clean()

    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    mails = smtp_sink.to(world.acme_contact.email)
    texts = [m.get_body(preferencelist=("plain",)).get_content() for m in mails]
    told = [t for t in texts if draft.title in t and "/downloads/products/ledger/3.1.1/" in t]
    assert told, [m["Subject"] for m in mails]

    reporter = sessions("acme_contact")
    page = reporter.page
    page.click("nav >> text=Downloads")
    page.wait_for_selector(f"text={draft.title}")
    assert_accessible(reporter, "downloads-portal")
    shown = page.inner_text(f"#release-{draft.pk} [data-sha256]")
    with page.expect_download() as waiting:
        page.click("text=ledger-3.1.1.zip")
    downloaded = Path(waiting.value.path()).read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == shown == checksum
    page.goto("/downloads/products/ledger/3.1.1/")
    assert_accessible(reporter, "downloads-release-notes")
    reporter.assert_clean()
