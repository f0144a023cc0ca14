"""The knowledge base in a real browser: an author drafts, a reviewer asks for changes, the
author fixes it, the reviewer publishes; an anonymous visitor finds it under /kb/ and by search;
a contact typing a question in the new-ticket form sees it suggested, says it solved the problem,
and no ticket is opened while a deflection is counted."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps

from tests.conftest import build_world
from tests.kb.conftest import grant
from tests.web.axe import assert_accessible
from tests.web.browser import Session, browser  # noqa: F401 (the fixture)
from tierdesk.kb.models import Article, Section, State
from tierdesk.sla.seed import seed_plans
from tierdesk.tickets.models import Category, Ticket
from tierdesk.tickets.seed import seed_categories

# Committed data for the live server (see tests/web/test_browser.py for why no serialized
# rollback): what a flush removed (plans, categories, the section tree) is put back here.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long and quiet passphrase"
TITLE = "Calendars stop syncing on phones"


def _sections() -> Section:
    admins, _ = Section.objects.get_or_create(
        slug="administrators",
        defaults={"title": "Administrators' manual", "manual": "administrators"},
    )
    section, _ = Section.objects.get_or_create(
        slug="troubleshooting",
        defaults={"title": "Troubleshooting", "manual": "administrators", "parent": admins},
    )
    return section


@pytest.fixture
def people(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_categories(Category)
    seed_plans(django_apps)
    world = build_world()
    section = _sections()
    section.owner_team = world.service_desk
    section.save()
    grant(world.l1, "author_article")
    grant(world.l1_other, "review_article")
    for user in (world.acme_contact, world.l1, world.l1_other):
        user.set_password(PASSWORD)
        user.save()
    return world


@pytest.fixture
def sessions(browser: Any, live_server: Any) -> Any:  # noqa: F811
    opened: list[Session] = []

    def open_as(name: str | None) -> Session:
        session = Session(browser, live_server.url, name or "anonymous")
        if name:
            session.sign_in(name, PASSWORD)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.assert_clean()
        session.close()


def test_an_article_is_reviewed_published_found_and_answers_a_contact(people, sessions):
    section = Section.objects.get(slug="troubleshooting")
    author = sessions("l1")
    page = author.page
    page.goto("/desk/kb/")
    assert_accessible(author, "kb-desk-home")
    page.click("text=New article")
    page.select_option("select[name=section]", value=str(section.pk))
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=body]", "## Symptom\nThe phone calendar no longer updates.\n")
    page.select_option("select[name=visibility]", value="public")
    page.fill("input[name=tags]", "calendar, sync")
    assert_accessible(author, "kb-desk-new")
    page.click("#article-form button[type=submit]")
    page.wait_for_selector("text=Draft saved.")
    page.click("text=Submit for review")
    page.wait_for_selector("text=Sent for review.")
    slug = Article.objects.get().slug

    reviewer = sessions("l1_other")
    reviewer.page.goto("/desk/kb/")
    reviewer.page.click(f"#review-queue a[href='/desk/kb/articles/{slug}/']")
    reviewer.page.fill("#review-comment", "Say how to make it sync again.")
    assert_accessible(reviewer, "kb-desk-review")
    reviewer.page.click("text=Request changes")
    reviewer.page.wait_for_selector("text=Changes requested")

    page.goto(f"/desk/kb/articles/{slug}/")
    assert "Say how to make it sync again." in page.inner_text("main")
    page.click("text=Edit")
    page.fill(
        "textarea[name=body]",
        "## Symptom\nThe phone calendar no longer updates.\n\n"
        "## Fix\nRemove the account from the phone and add it again.\n",
    )
    page.click("#article-form button[type=submit]")
    page.wait_for_selector("text=A new draft revision is saved.")
    page.click("text=Submit for review")
    page.wait_for_selector("text=Sent for review.")

    reviewer.page.goto(f"/desk/kb/articles/{slug}/")
    reviewer.page.click("text=Approve and publish")
    reviewer.page.wait_for_selector("text=Published.")
    assert Article.objects.get().state == State.PUBLISHED

    visitor = sessions(None)
    visitor.page.goto("/kb/")
    assert_accessible(visitor, "kb-home")
    visitor.page.click("text=Troubleshooting")
    visitor.page.click(f"text={TITLE}")
    visitor.page.wait_for_selector("text=Remove the account from the phone")
    assert_accessible(visitor, "kb-article")
    visitor.page.goto("/kb/")
    visitor.page.fill("#kb-q", "my agenda is not synchronizing")
    visitor.page.fill("#kb-q", "phone calendar won't update")
    visitor.page.click("form[role=search] button[type=submit]")
    visitor.page.wait_for_selector(f"a[href='/kb/articles/{slug}/']")
    assert_accessible(visitor, "kb-search")

    tickets = Ticket.objects.count()
    contact = sessions("acme_contact")
    contact.page.goto("/tickets/new/")
    contact.page.fill("input[name=subject]", "calendar on my phone doesn't sync anymore")
    contact.page.wait_for_selector(f"#kb-suggestions a[href='/kb/articles/{slug}/']")
    assert_accessible(contact, "kb-portal-suggestions")
    contact.page.click(f"#suggestion-{slug} button")
    contact.page.wait_for_selector("#kb-solved")
    assert "no ticket was opened" in contact.page.inner_text("#kb-solved")
    assert Ticket.objects.count() == tickets
    assert Article.objects.get().deflection_count == 1
