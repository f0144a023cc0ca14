"""The help centre's pages show each visitor what they may read, and drafts to nobody."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PERSONAS
from tierdesk.kb import policies
from tierdesk.kb.models import Article


def _client(world, persona):
    client = Client()
    if persona:
        client.force_login(world.persona(persona))
    return client


@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_article_pages_and_search_answer_exactly_what_the_visitor_may_read(world, kb, persona):
    client = _client(world, persona)
    user = world.persona(persona) if persona else None
    readable = set(
        policies.visible(user, policies.READ, Article.objects.all()).values_list("slug", flat=True)
    )
    for article in Article.objects.all():
        status = client.get(f"/kb/articles/{article.slug}/").status_code
        assert status == (200 if article.slug in readable else 404), article.slug
    page = client.get("/kb/search/", {"q": "published about draft reviewed"}).content.decode()
    for article in Article.objects.all():
        assert (f"/kb/articles/{article.slug}/" in page) is (article.slug in readable)
    section = client.get(f"/kb/sections/{kb.section.slug}/").content.decode()
    for article in Article.objects.all():
        assert (f"/kb/articles/{article.slug}/" in section) is (article.slug in readable)


def test_the_help_centre_shows_the_manuals_tree(world, kb):
    page = Client().get("/kb/").content.decode()
    for title in ["Administrators&#x27; manual", "Applications manual", "Troubleshooting", "FAQ"]:
        assert title in page


def test_an_article_page_has_breadcrumbs_and_last_updated(world, kb):
    page = Client().get(f"/kb/articles/{kb.published['public'].slug}/").content.decode()
    assert "/kb/sections/administrators/" in page and "/kb/sections/troubleshooting/" in page
    assert "Last updated" in page and "<p>About Published public.</p>" in page


def test_unknown_section_and_hostile_search_are_harmless(world, kb):
    client = Client()
    assert client.get("/kb/sections/nope/").status_code == 404
    assert client.get("/kb/search/", {"q": '"NEAR( * ' + "x" * 500}).status_code == 200
