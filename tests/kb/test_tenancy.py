"""Every knowledge-base URL and API endpoint, for every persona: a draft is never visible
outside its authors and reviewers, an internal article never reaches a contact, a
customers-only article never reaches an anonymous visitor; hostile input is refused cleanly."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PERSONAS
from tierdesk.kb import policies
from tierdesk.kb.models import Article, Visibility
from tierdesk.kb.selectors import sees_work
from tierdesk.kb.services import article_update

EVERYONE = [None, *PERSONAS]
WORKERS = {"l1", "l1_other"}  # the fixture's author and reviewer
# Who may see work in progress: its workers, and for a published article also every agent with
# the author permission (group authoring: the admin has every permission).
AUTHORS = {*WORKERS, "admin"}
AGENTS = {"l1", "l1_other", "l2", "l3", "manager", "admin", "partner_agent", "other_partner_agent"}
SECRET = "UNREVIEWED-DRAFT-WORDS"


@pytest.fixture
def pending(kb):
    """A published public article whose newer revision (a draft) says SECRET."""
    article = kb.published["public"]
    article_update(actor=kb.author, article=article, title="Published public", body=SECRET)
    return article


def _client(world, persona):
    client = Client()
    if persona:
        client.force_login(world.persona(persona))
    return client


def _readable(world, persona):
    user = world.persona(persona) if persona else None
    articles = policies.visible(user, policies.READ, Article.objects.all())
    return set(articles.values_list("slug", flat=True))


def _viewable(world, persona):
    user = world.persona(persona) if persona else None
    articles = policies.visible(user, policies.VIEW, Article.objects.all())
    return set(articles.values_list("slug", flat=True))


@pytest.mark.parametrize("persona", EVERYONE)
def test_help_centre_urls_answer_only_what_the_visitor_may_read(world, kb, pending, persona):
    client = _client(world, persona)
    readable = _readable(world, persona)
    seen = ""
    for article in Article.objects.all():
        slug = article.slug
        page = client.get(f"/kb/articles/{slug}/")
        assert page.status_code == (200 if slug in readable else 404), slug
        seen += page.content.decode()
        for action in ["feedback/yes", "feedback/no", "solved"]:
            status = client.post(f"/kb/articles/{slug}/{action}/", {"q": "x"}).status_code
            assert status == (200 if slug in readable else 404), (action, slug)
    for url, params in [
        ("/kb/", {}), ("/kb/search/", {"q": "published about draft reviewed"}),
        ("/kb/suggest/", {"subject": "published about", "body": "draft reviewed"}),
        (f"/kb/sections/{kb.section.slug}/", {}), ("/kb/sections/administrators/", {}),
    ]:  # fmt: skip
        page = client.get(url, params).content.decode()
        seen += page
        for article in Article.objects.all():
            if f"/kb/articles/{article.slug}/" in page:
                assert article.slug in readable, (url, article.slug)
    assert SECRET not in seen
    if persona is None:
        assert kb.published[Visibility.CUSTOMERS].slug not in readable
    if persona in {
        "acme_contact",
        "acme_colleague",
        "globex_contact",
        "cobalt_contact",
        "umbrella_contact",
    }:
        assert kb.published[Visibility.INTERNAL].slug not in readable


@pytest.mark.parametrize("persona", EVERYONE)
def test_desk_kb_pages_are_for_agents_and_drafts_for_their_workers(world, kb, pending, persona):
    client = _client(world, persona)
    agent = persona in AGENTS
    viewable = _viewable(world, persona)
    home = client.get("/desk/kb/")
    assert home.status_code == (200 if agent else 302 if persona is None else 404)
    for article in Article.objects.all():
        slug = article.slug
        expected = 200 if agent and slug in viewable else (302 if persona is None else 404)
        page = client.get(f"/desk/kb/articles/{slug}/")
        assert page.status_code == expected, slug
        works = agent and slug in viewable and sees_work(world.persona(persona), article)
        assert not works or persona in (AUTHORS if article.published_revision else WORKERS)
        shows_secret = SECRET in page.content.decode()
        assert shows_secret is (slug == pending.slug and works)
        for suffix in ["edit/", "diff/?old=1&new=1"]:
            status = client.get(f"/desk/kb/articles/{slug}/{suffix}").status_code
            assert status == (200 if works else 302 if persona is None else 404), (suffix, slug)
    assert (SECRET in home.content.decode()) is False


@pytest.mark.parametrize("persona", EVERYONE)
def test_desk_kb_writes_refuse_whoever_may_not_make_them(world, kb, persona):
    client = _client(world, persona)
    for name in ["submit", "approve", "request_changes", "archive"]:
        response = client.post(f"/desk/kb/articles/{kb.draft.slug}/{name}/", {"comment": "x"})
        if persona in WORKERS:
            assert response.status_code in {302, 400}
        else:
            assert response.status_code in {302, 404} and (persona is None) is (
                response.status_code == 302
            )
    kb.draft.refresh_from_db()
    internal = kb.published["internal"]
    restore = client.post(f"/desk/kb/articles/{internal.slug}/revisions/1/restore/")
    assert restore.status_code in ({302} if persona in AUTHORS else {302, 400, 404})
    assert (internal.revisions.count() == 2) is (persona in AUTHORS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_reads_and_suggest_answer_only_what_the_caller_may_read(
    world, kb, pending, api_as, persona
):
    api = api_as(persona)
    readable = _readable(world, persona)
    found = api.get("/api/v1/kb/suggest", q="published about draft reviewed").json()["items"]
    assert {a["slug"] for a in found} <= readable and len(found) <= 5
    for article in Article.objects.all():
        work = api.get(f"/api/v1/kb/articles/{article.slug}/work")
        assert work.status_code == (200 if article.slug in _viewable(world, persona) else 404)
        if work.status_code == 200 and persona not in AUTHORS:
            assert work.json()["revision"] == article.published_revision.number
        body = api.get(f"/api/v1/kb/articles/{article.slug}").content.decode()
        assert SECRET not in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_writes_are_for_authors_and_reviews_for_reviewers(world, kb, api_as, persona):
    api = api_as(persona)
    created = api.post(
        "/api/v1/kb/articles",
        {"section": kb.section.slug, "title": f"By {persona}", "body": "Text."},
    )
    assert created.status_code == (201 if persona in AUTHORS else 403)
    patch = api.patch(f"/api/v1/kb/articles/{kb.draft.slug}", {"title": "T", "body": "B"})
    assert patch.status_code == (200 if persona in WORKERS else 404)
    live = kb.published["public"].slug
    patch = api.patch(f"/api/v1/kb/articles/{live}", {"title": "T", "body": "B"})
    assert patch.status_code == (200 if persona in AUTHORS else 403)
    approve = api.post(f"/api/v1/kb/articles/{kb.in_review.slug}/approve", {})
    expected = {"l1_other": 200, "l1": 403}.get(persona, 404)  # l1 wrote it and may not review
    assert approve.status_code == expected


def test_anonymous_api_callers_must_sign_in_everywhere(world, kb, api_as):
    api = api_as(None)
    assert api.get("/api/v1/kb/suggest", q="x").status_code == 401
    assert api.post("/api/v1/kb/articles", {}).status_code == 401
    assert api.get(f"/api/v1/kb/articles/{kb.draft.slug}/work").status_code == 401


HOSTILE = [
    "' OR 1=1 --", '"NEAR(a b)"', "a* OR b^", "<script>alert(1)</script>", "\x00", "é" * 300,
    "title:x AND body:y", "a & | ! (b", "../../etc/passwd", "%00%27",
]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_on_kb_urls_is_harmless(world, kb, api_as, text):
    """Never a server error: an answer, or a clear refusal (a NUL byte is a 400 everywhere)."""
    refused = 400
    anonymous, contact = Client(), _client(world, "acme_contact")
    page = anonymous.get("/kb/search/", {"q": text})
    assert page.status_code in {200, refused}
    assert "<script>alert" not in page.content.decode()
    assert contact.get("/kb/suggest/", {"subject": text, "body": text}).status_code in {
        200, refused
    }  # fmt: skip
    assert anonymous.get("/kb/articles/x/", {"q": text}).status_code in {404, refused}
    slug = kb.published["public"].slug
    feedback = anonymous.post(f"/kb/articles/{slug}/feedback/yes/", {"comment": text})
    assert feedback.status_code in {200, refused}
    assert anonymous.post(f"/kb/articles/{slug}/solved/", {"q": text}).status_code in {
        200, refused
    }  # fmt: skip
    api = api_as("l1")
    assert api.get("/api/v1/kb/search", q=text[:200]).status_code in {200, refused, 422}
    assert api.get("/api/v1/kb/suggest", q=text[:200]).status_code in {200, refused, 422}
    bad = api.post("/api/v1/kb/articles", {"section": text[:100], "title": "x", "body": "y"})
    assert bad.status_code in {400, 422}
    agent = _client(world, "l1")
    assert agent.get("/desk/kb/compose/", {"ticket": text, "kb_q": text}).status_code in {
        404, refused
    }  # fmt: skip
    diff = agent.get(f"/desk/kb/articles/{slug}/diff/", {"old": text})
    assert diff.status_code in {200, refused}
