"""Each article's related articles, ranked once when it changes instead of on every view.

The rank is the search's (``search.matching`` on the article's title and tags), among the
articles the most privileged reader reads; ``KEPT`` of them are stored in order, so that a reader
who may not read some of them still gets ``selectors.RELATED`` of the rest. Which of them a
reader sees is decided when the page is read, by ``policies.visible``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from tierdesk.accounts.principal import SYSTEM
from tierdesk.kb import policies, search
from tierdesk.kb.models import Article, RelatedArticle, State

KEPT = 20
NEIGHBOURS = 5  # of a newly published article's list, whose own lists are ranked again


def related_refresh(articles: Sequence[Article]) -> None:
    """Rank and store the related articles of ``articles`` (their published revisions loaded),
    replacing their lists: one search each, then one DELETE and one INSERT for them all."""
    rows = [
        RelatedArticle(article_id=article.pk, related_id=related_id, position=position)
        for article in articles
        for position, related_id in enumerate(ranked(article))
    ]
    RelatedArticle.objects.filter(article_id__in=[a.pk for a in articles]).delete()
    RelatedArticle.objects.bulk_create(rows)


def related_refresh_ids(article_ids: Sequence[int]) -> int:
    """``related_refresh`` of the articles with these ids that are still published (the
    worker's half of an import: ranking costs a search per article, which the import leaves
    to the workers once its batch is committed). Returns how many were ranked."""
    articles = _with_revisions(
        Article.objects.filter(pk__in=list(article_ids), state=State.PUBLISHED).values_list(
            "pk", flat=True
        )
    )
    related_refresh(articles)
    return len(articles)


def related_refresh_published(article: Article) -> None:
    """A published article's list, and the lists of its best matches: they gain it."""
    related_refresh([article])
    neighbours = _with_revisions(
        RelatedArticle.objects.filter(article=article, position__lt=NEIGHBOURS).values_list(
            "related_id", flat=True
        )
    )
    related_refresh(neighbours)


def related_refresh_archived(article: Article) -> None:
    """An archived article has no list, and the lists that named it are ranked again."""
    naming = _with_revisions(
        RelatedArticle.objects.filter(related=article).values_list("article_id", flat=True)
    )
    RelatedArticle.objects.filter(article=article).delete()
    related_refresh(naming)


def ranked(article: Article, articles: QuerySet[Article] | None = None) -> list[int]:
    """The ids of the ``KEPT`` articles like this one, best first, among ``articles`` (all;
    a migration passes its own) that anybody reads."""
    revision = article.published_revision
    if revision is None or article.state == State.ARCHIVED:
        return []
    others = (Article.objects.all() if articles is None else articles).exclude(pk=article.pk)
    readable = policies.visible(SYSTEM, policies.READ, others)
    query = " ".join([revision.title, *article.tags])
    return list(search.matching(readable, query).values_list("pk", flat=True)[:KEPT])


def _with_revisions(ids: QuerySet[Any, int]) -> list[Article]:
    """The articles of the ids ``ids`` selects, with their published revisions."""
    return list(Article.objects.filter(pk__in=ids).select_related("published_revision"))
