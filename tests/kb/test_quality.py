"""How well the search answers questions asked in customers' own words (tests/kb/corpus.py).

The figure is the share of questions whose article is among the first three results. It is a
floor: a change to the ranking that lowers it fails here. Run with ``-s`` to see the figure and
the misses (recorded in docs/benchmarks.md).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from tests.kb.corpus import ARTICLES, QUESTIONS
from tierdesk.accounts.principal import SYSTEM
from tierdesk.kb import search
from tierdesk.kb.models import Section, Visibility
from tierdesk.kb.selectors import article_search
from tierdesk.kb.services import create_article

TOP = 3
FLOOR = 0.85  # measured 0.976 (SQLite, 41 of 42) and 0.905 (PostgreSQL, 38 of 42)


def _load_corpus() -> None:
    section = Section.objects.get(slug="faq")
    for slug, title, tags, body in ARTICLES:
        article = create_article(
            section=section, title=title, body=body, visibility=Visibility.PUBLIC,
            author=SYSTEM, publish=True, tags=tags,
        )  # fmt: skip
        article.slug = slug
        article.save(update_fields=["slug"])


def hits_in_top(top: int = TOP) -> tuple[float, list[tuple[str, str, list[str]]]]:
    misses = []
    for question, expected in QUESTIONS:
        found = [a.slug for a in article_search(user=AnonymousUser(), q=question, limit=top)]
        if expected not in found:
            misses.append((question, expected, found))
    return 1 - len(misses) / len(QUESTIONS), misses


def test_questions_in_customers_words_find_their_article_in_the_first_three(db):
    _load_corpus()
    share, misses = hits_in_top()
    print(f"\nkb search quality: {share:.2%} of {len(QUESTIONS)} questions in the top {TOP}")
    for question, expected, found in misses:
        print(f"  miss: {question!r} -> expected {expected}, got {found}")
    assert share >= FLOOR


def test_the_corpus_is_a_fair_test(db):
    """Each article is expected somewhere, and no question simply repeats its title."""
    titles = {slug: title.lower() for slug, title, _, _ in ARTICLES}
    assert {slug for _, slug in QUESTIONS} <= set(titles)
    assert len(QUESTIONS) >= 40
    for question, slug in QUESTIONS:
        assert question.lower() != titles[slug]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_the_figure_holds_when_the_rarest_words_choose_the_articles(db, monkeypatch):
    """With statistics, a question's rarest words choose which articles are ranked, up to a
    budget (``search.distinctive_words``); here half the corpus, as 1,000 of 10,000 would cut
    far more. Measured 90.5 % (38 of 42) at half, 88.1 % at 8 of 26, 83.3 % at 5 of 26."""
    _load_corpus()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kb_search")
    monkeypatch.setattr(search, "CANDIDATE_BUDGET", len(ARTICLES) // 2)
    share, _ = hits_in_top()
    print(f"\nkb search quality, rarest words choosing: {share:.2%}")
    assert share >= FLOOR
