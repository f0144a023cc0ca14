"""Reads of the knowledge base, each starting from ``policies.visible``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.core.errors import NotFound
from tierdesk.kb import policies, search
from tierdesk.kb.models import Article, Section

MAX_SEARCH_RESULTS = 50


def article_list(*, user: Any, section: Section | None = None) -> QuerySet[Article]:
    """The articles the user may read (published), with their published revision."""
    articles = policies.visible(user, policies.READ, Article.objects.all())
    if section is not None:
        articles = articles.filter(section=section)
    return articles.select_related("section", "published_revision").order_by(
        "section__position", "published_revision__title"
    )


def article_get(*, user: Any, slug: str) -> Article:
    """One article the user may read; another's or a missing one is ``NotFound`` alike."""
    article = article_list(user=user).filter(slug=slug).first()
    if article is None:
        raise NotFound("No such article.")
    return article


def article_search(*, user: Any, q: str, limit: int = 10) -> list[Article]:
    """The readable articles matching ``q``, best first, each with ``score``."""
    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
    articles = policies.visible(user, policies.READ, Article.objects.all())
    matches = search.matching(articles, q).select_related("section", "published_revision")
    return list(matches[:limit])


def section_tree() -> list[Section]:
    """Every section, parents before children (the tree is small: one query)."""
    return list(Section.objects.order_by("parent_id", "position", "title"))
