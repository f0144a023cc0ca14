"""Searching the knowledge base: ranked, stemmed, scoped to what the searcher may read."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from tests.kb.conftest import publish
from tierdesk.core.errors import NotFound
from tierdesk.kb import search
from tierdesk.kb.selectors import article_get, article_list, article_search
from tierdesk.kb.services import article_create, article_submit, review_approve


def _write(kb, title, body, visibility="public"):
    return publish(
        article_create(
            actor=kb.author, section=kb.section, title=title, body=body, visibility=visibility
        )
    )


def _slugs(results):
    return [article.slug for article in results]


def test_a_title_match_ranks_above_a_body_match(world, kb):
    body = _write(kb, "Backups", "Restoring after the mailbox filled up.")
    title = _write(kb, "The mailbox is full", "Delete old messages.")
    found = _slugs(article_search(user=AnonymousUser(), q="mailbox"))
    assert found[:2] == [title.slug, body.slug]


def test_words_are_stemmed_and_any_word_may_match(world, kb):
    article = _write(kb, "Printing invoices", "Invoices print from the billing page.")
    assert article.slug in _slugs(article_search(user=AnonymousUser(), q="why won't it print"))


def test_search_is_scoped_to_what_the_searcher_may_read(world, kb):
    secret = _write(kb, "Internal escalation matrix", "Escalation matrix.", "internal")
    customers = _write(kb, "Customer escalation path", "Escalation path.", "customers")
    assert _slugs(article_search(user=AnonymousUser(), q="escalation")) == []
    assert _slugs(article_search(user=world.acme_contact, q="escalation")) == [customers.slug]
    found = set(_slugs(article_search(user=world.l2, q="escalation")))
    assert found == {secret.slug, customers.slug}


def test_drafts_are_not_found(world, kb):
    assert article_search(user=kb.author, q="draft") == []


def test_a_published_revision_is_found_by_its_words(world, kb):
    article = kb.draft
    article_submit(actor=kb.author, article=article)
    review_approve(actor=kb.reviewer, article=article)
    assert _slugs(article_search(user=AnonymousUser(), q="draft")) == [article.slug]


def test_a_query_without_words_finds_nothing_and_hostile_input_is_text(world, kb):
    for query in ["", "  ", "?!", 'NEAR("a" OR', "title:x*", "a & | ! (b"]:
        article_search(user=AnonymousUser(), q=query)  # never an error
    assert article_search(user=AnonymousUser(), q="?!") == []


def test_article_get_is_not_found_for_what_one_may_not_read(world, kb):
    with pytest.raises(NotFound):
        article_get(user=world.acme_contact, slug=kb.published["internal"].slug)
    assert article_get(user=world.acme_contact, slug=kb.published["customers"].slug)
    assert kb.draft not in article_list(user=kb.author)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statistics choose the candidates"
)


def _analyze():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kb_search")


@postgresql_only
def test_the_rarest_words_choose_which_articles_are_ranked(world, kb, monkeypatch):
    common = [_write(kb, f"Gateway note {n}", "The gateway restarts nightly.") for n in range(6)]
    rare = _write(kb, "Gateway zeppelin mooring", "The gateway moors the zeppelin.")
    _analyze()
    monkeypatch.setattr(search, "CANDIDATE_BUDGET", 2)  # fewer than the gateway articles
    assert search.distinctive_words(["gateway", "zeppelin"]) == ["zeppelin"]
    # The common word still counts in the rank; it no longer brings its articles in.
    assert _slugs(article_search(user=AnonymousUser(), q="gateway zeppelin")) == [rare.slug]
    # A question of common words only is chosen by its rarest word, not by none.
    assert len(article_search(user=AnonymousUser(), q="gateway")) == len(common) + 1


@postgresql_only
def test_without_statistics_every_word_chooses(world, kb):
    _write(kb, "Gateway note", "The gateway restarts nightly.")
    assert search.distinctive_words(["gateway", "zeppelin"]) == ["gateway", "zeppelin"]
