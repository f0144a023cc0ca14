"""Every desk and portal URL keeps tenants apart: another organization's ticket answers 404.

The URL patterns are enumerated from the URLconf, so a new page without a row in ``URLS``
fails ``test_every_desk_and_portal_url_is_covered`` until someone says how to call it.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tierdesk.core.attachments import store
from tierdesk.kb.models import Article, ArticleAttachment, Revision, Section
from tierdesk.portal.models import Announcement

# name -> (method, kwargs from the Desk fixture, extra data); the objects named belong to Acme
# (its ticket and attachment) or to l1 (the saved view and private canned response).
URLS: dict[str, tuple[str, Any]] = {
    "desk:home": ("get", lambda d: {}),
    "desk:queue": ("get", lambda d: {"view": "team"}),
    "desk:saved_view_create": ("post", lambda d: {"view": "team"}),
    "desk:saved_view_delete": ("post", lambda d: {"pk": d.l1_view.pk}),
    "desk:ticket_new": ("get", lambda d: {}),
    "desk:party_search": ("get", lambda d: {}),
    "desk:commitment_preview": ("get", lambda d: {}),
    "desk:ticket": ("get", lambda d: {"ref": d.acme.reference}),
    "desk:ticket_message": ("post", lambda d: {"ref": d.acme.reference}),
    "desk:ticket_action": ("post", lambda d: {"ref": d.acme.reference, "name": "resolve"}),
    "desk:ticket_action_form": ("get", lambda d: {"ref": d.acme.reference, "name": "resolve"}),
    "desk:attachment": ("get", lambda d: {"ref": d.acme.reference, "pk": d.acme_file.pk}),
    "desk:preview": ("post", lambda d: {}),
    "desk:canned_insert": ("get", lambda d: {}),
    "desk:impact_preview": ("get", lambda d: {}),
    "desk:notifications": ("get", lambda d: {}),
    "desk:notification_bell": ("get", lambda d: {}),
    "desk:notification_read": ("post", lambda d: {"pk": 1}),
    "desk:notification_read_all": ("post", lambda d: {}),
    "desk:notification_preferences": ("get", lambda d: {}),
    # Find anything, the directory, bulk actions, take it, presence (tests/desk/test_tenancy.py
    # walks them for every persona).
    "desk:queue_bulk": ("post", lambda d: {"view": "team"}),
    "desk:search": ("get", lambda d: {}),
    "desk:organization": ("get", lambda d: {"pk": d.world.acme.pk}),
    "desk:contact": ("get", lambda d: {"pk": d.acme.reporter_id}),
    "desk:ticket_take": ("post", lambda d: {"ref": d.acme.reference}),
    "desk:ticket_presence": ("post", lambda d: {"ref": d.acme.reference}),
    # The configuration pages, managers and admins only (tests/config/test_pages.py walks them
    # for every persona), and each agent's own time zone.
    "desk:config": ("get", lambda d: {}),
    "desk:config_calendars": ("get", lambda d: {}),
    "desk:config_calendar_new": ("get", lambda d: {}),
    "desk:config_calendar": ("get", lambda d: {"pk": first("sla.Calendar")}),
    "desk:config_preview_new": ("post", lambda d: {}),
    "desk:config_preview": ("post", lambda d: {"pk": first("sla.Calendar")}),
    "desk:config_plans": ("get", lambda d: {}),
    "desk:config_plan_new": ("get", lambda d: {}),
    "desk:config_plan": ("get", lambda d: {"pk": first("sla.Plan")}),
    "desk:config_categories": ("get", lambda d: {}),
    "desk:config_category_new": ("get", lambda d: {}),
    "desk:config_category": ("get", lambda d: {"pk": first("tickets.Category")}),
    "desk:config_mailboxes": ("get", lambda d: {}),
    "desk:config_mailbox_new": ("get", lambda d: {}),
    "desk:config_mailbox": ("get", lambda d: {"pk": 1}),
    "desk:config_mailbox_test": ("post", lambda d: {"pk": 1}),
    "desk:config_teams": ("get", lambda d: {}),
    "desk:config_team_new": ("get", lambda d: {}),
    "desk:config_team": ("get", lambda d: {"pk": d.world.service_desk.pk}),
    "desk:config_agents": ("get", lambda d: {}),
    "desk:config_agent": ("get", lambda d: {"pk": d.world.l1.agent.pk}),
    "desk:my_time_zone": ("get", lambda d: {}),
    "portal:home": ("get", lambda d: {}),
    "portal:support_policy": ("get", lambda d: {}),
    "portal:news": ("get", lambda d: {}),
    "portal:news_feed": ("get", lambda d: {}),
    "portal:news_item": ("get", lambda d: {"pk": published_news()}),
    "portal:tickets": ("get", lambda d: {}),
    "portal:ticket_new": ("get", lambda d: {}),
    "portal:ticket_new_facts": ("get", lambda d: {}),
    "portal:ticket_new_promise": ("get", lambda d: {}),
    "portal:ticket": ("get", lambda d: {"ref": d.acme.reference}),
    "portal:ticket_reply": ("post", lambda d: {"ref": d.acme.reference}),
    "portal:ticket_close": ("post", lambda d: {"ref": d.acme.reference}),
    "portal:ticket_reopen": ("post", lambda d: {"ref": d.acme.reference}),
    "portal:attachment": ("get", lambda d: {"ref": d.acme.reference, "pk": d.acme_file.pk}),
    "kb:home": ("get", lambda d: {}),
    "kb:search": ("get", lambda d: {}),
    "kb:section": ("get", lambda d: {"slug": "troubleshooting"}),
    "kb:article": ("get", lambda d: {"slug": public_article().slug}),
    # The knowledge base's answers and authoring (tests/kb/test_tenancy.py walks them for every
    # persona and article).
    "kb:suggest": ("get", lambda d: {}),
    "kb:feedback": ("post", lambda d: {"slug": kb_article().slug, "answer": "yes"}),
    "kb:solved": ("post", lambda d: {"slug": kb_article().slug}),
    "desk:kb_home": ("get", lambda d: {}),
    "desk:kb_new": ("get", lambda d: {}),
    "desk:kb_compose_search": ("get", lambda d: {}),
    "desk:kb_compose_insert": ("post", lambda d: {}),
    "desk:kb_article": ("get", lambda d: {"slug": kb_article().slug}),
    "desk:kb_edit": ("get", lambda d: {"slug": kb_article().slug}),
    "desk:kb_diff": ("get", lambda d: {"slug": kb_article().slug}),
    "desk:kb_restore": ("post", lambda d: {"slug": kb_article().slug, "number": 1}),
    "desk:kb_transition": ("post", lambda d: {"slug": kb_article().slug, "name": "submit"}),
    # An article's files (tests/kb/test_files.py walks them for every persona and article).
    "kb:file": ("get", lambda d: {"slug": kb_article().slug, "name": kb_file()}),
    "desk:kb_file": ("get", lambda d: {"slug": kb_article().slug, "name": kb_file()}),
    "desk:kb_file_add": ("post", lambda d: {"slug": kb_article().slug}),
    "desk:kb_file_remove": ("post", lambda d: {"slug": kb_article().slug, "name": kb_file()}),
}
# Pages about one of Acme's objects (or l1's), as opposed to pages about nothing in particular.
OBJECT_URLS = {name for name in URLS if name.endswith(("ticket", "_message", "_action", "_form",
               "attachment", "_reply", "_close", "_reopen", "saved_view_delete"))}  # fmt: skip
PUBLIC = {"portal:home", "portal:support_policy", "portal:news", "portal:news_feed",
          "portal:news_item", "kb:home", "kb:search",
          "kb:section", "kb:article", "kb:suggest", "kb:feedback", "kb:solved",
          "kb:file"}  # fmt: skip


def first(model: str) -> int:
    """The id of a seeded configuration row (a calendar, a plan, a category)."""
    return apps.get_model(model).objects.order_by("pk").values_list("pk", flat=True)[0]


def published_news() -> int:
    """A published news item (its page needs one to show)."""
    return Announcement.objects.create(title="News", body="", published_at=timezone.now()).pk


def public_article() -> Any:
    """A published public article (the help centre's pages need one to show)."""
    at = timezone.now()
    article = Article.objects.create(
        slug="reset-password", section=Section.objects.get(slug="faq"), visibility="public",
        state="published", created_at=at, updated_at=at, published_at=at,
    )  # fmt: skip
    article.published_revision = Revision.objects.create(
        article=article, number=1, title="Reset a password", body="Click.",
        body_html="<p>Click.</p>", created_at=at,
    )  # fmt: skip
    article.save()
    return article


def kb_article() -> Any:
    """The published public article, made once however often a test asks for it."""
    return Article.objects.filter(slug="reset-password").first() or public_article()


def kb_file() -> str:
    """A file of the published public article, there since before its publication."""
    article = kb_article()
    if not article.attachments.exists():
        stored = store(stream=io.BytesIO(b"steps"), filename="steps.txt")
        ArticleAttachment.objects.create(
            article=article, file=stored.path, filename=stored.name, size=stored.size,
            content_type=stored.content_type, sha256=stored.sha256,
            created_at=article.published_at - timedelta(seconds=1),
        )  # fmt: skip
    return "steps.txt"


def named_patterns(namespace: str) -> set[str]:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == namespace:
            names |= {
                f"{namespace}:{p.name}" for p in entry.url_patterns if isinstance(p, URLPattern)
            }
    return names


def call(client: Any, desk: Any, name: str) -> Any:
    method, kwargs = URLS[name]
    url = reverse(name, kwargs=kwargs(desk))
    body = {"body": "hello", "reason": "why", "resolve-summary": "done", "name": "x"}
    return client.post(url, body) if method == "post" else client.get(url)


def test_every_desk_and_portal_url_is_covered() -> None:
    assert named_patterns("desk") | named_patterns("portal") | named_patterns("kb") == set(URLS)


@pytest.mark.parametrize("name", sorted(n for n in URLS if n.startswith("desk:")))
@pytest.mark.parametrize("persona", ["acme_contact", "globex_contact"])
def test_a_contact_finds_no_desk_page(desk, client_as, persona, name):
    assert call(client_as(persona), desk, name).status_code == 404


@pytest.mark.parametrize(
    "name", sorted(n for n in OBJECT_URLS if n.startswith("desk:") and "saved_view" not in n)
)
@pytest.mark.parametrize("persona", ["other_partner_agent", "partner_agent"])
def test_a_partner_agent_gets_404_for_a_direct_customers_ticket(desk, client_as, persona, name):
    assert call(client_as(persona), desk, name).status_code == 404


def test_an_agent_cannot_delete_a_colleagues_saved_view(desk, client_as):
    assert call(client_as("l1_other"), desk, "desk:saved_view_delete").status_code == 404
    assert call(client_as("l1"), desk, "desk:saved_view_delete").status_code == 302


@pytest.mark.parametrize("name", sorted(n for n in OBJECT_URLS if n.startswith("portal:")))
@pytest.mark.parametrize("persona", ["globex_contact", "cobalt_contact", "umbrella_contact"])
def test_another_customers_contact_gets_404_in_the_portal(desk, client_as, persona, name):
    assert call(client_as(persona), desk, name).status_code == 404


@pytest.mark.parametrize("name", sorted(n for n in URLS if n not in PUBLIC))
def test_anonymous_visitors_are_sent_to_sign_in(desk, client_as, name):
    response = call(client_as(None), desk, name)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_public_pages_answer_everybody(desk, client_as, name):
    assert call(client_as(None), desk, name).status_code == 200


def test_a_partner_sees_exactly_its_customers_tickets(desk, client_as):
    page = client_as("partner_agent").get("/desk/queue/all/")
    shown = {row.pk for row in page.context["queue"].rows}
    assert shown == {desk.cobalt.pk}


def test_a_contact_sees_only_their_organizations_tickets(desk, client_as):
    page = client_as("acme_contact").get("/tickets/")
    assert {row.ticket.pk for row in page.context["tickets"].rows} == {desk.acme.pk}


def test_the_all_queue_is_for_managers_and_partners_only(desk, client_as):
    assert client_as("l1").get("/desk/queue/all/").status_code == 404
    assert client_as("manager").get("/desk/queue/all/").status_code == 200
