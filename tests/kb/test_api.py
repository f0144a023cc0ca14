"""The knowledge-base API answers each caller with what they may read, and nothing else."""

from __future__ import annotations

import pytest

from tests.conftest import PERSONAS
from tierdesk.kb import policies
from tierdesk.kb.models import Article


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_caller_lists_reads_and_finds_exactly_what_they_may_read(world, kb, api_as, persona):
    api = api_as(persona)
    user = world.persona(persona)
    listed = {a["slug"] for a in api.get("/api/v1/kb/articles", page_size=100).json()["items"]}
    readable = set(
        policies.visible(user, policies.READ, Article.objects.all()).values_list("slug", flat=True)
    )
    assert listed == readable
    found = {a["slug"] for a in api.get("/api/v1/kb/search", q="published about").json()["items"]}
    assert found == readable
    for article in Article.objects.all():
        status = api.get(f"/api/v1/kb/articles/{article.slug}").status_code
        assert status == (200 if article.slug in readable else 404)


def test_a_draft_is_a_404_even_for_its_author_on_the_reading_api(world, kb, api_as):
    assert api_as("l1").get(f"/api/v1/kb/articles/{kb.draft.slug}").status_code == 404


def test_an_article_reads_with_its_rendered_body(world, kb, api_as):
    slug = kb.published["customers"].slug
    body = api_as("acme_contact").get(f"/api/v1/kb/articles/{slug}").json()
    assert body["title"] == "Published customers"
    assert body["body_html"].strip() == "<p>About Published customers.</p>"


def test_search_limits_are_documented_and_enforced(world, kb, api_as):
    api = api_as("l2")
    assert api.get("/api/v1/kb/search", q="published", limit=2).json()["items"].__len__() == 2
    assert api.get("/api/v1/kb/search", q="x", limit=51).status_code == 422
    assert api.get("/api/v1/kb/search", q="x" * 201).status_code == 422


def test_anonymous_callers_must_sign_in(world, kb, api_as):
    assert api_as(None).get("/api/v1/kb/articles").status_code == 401
