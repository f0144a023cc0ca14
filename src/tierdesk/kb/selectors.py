"""Reads of the knowledge base, each starting from ``policies.visible``."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.crm.versions import MAX_VERSION, is_valid, lines_holding
from tierdesk.kb import policies, search
from tierdesk.kb.models import (
    Article,
    ArticleAttachment,
    Revision,
    Section,
    State,
    TicketArticle,
)

MAX_SEARCH_RESULTS = 50
MAX_SUGGESTIONS = 5
RELATED = 5


def article_list(
    *, user: Any, section: Section | None = None, product: str = "", version: str = ""
) -> QuerySet[Article]:
    """The articles the user may read (published), with their published revision; with
    ``product`` (a slug) or ``version``, those that apply to them (``applying_to``)."""
    articles = policies.visible(user, policies.READ, Article.objects.all())
    if section is not None:
        articles = articles.filter(section=section)
    articles = applying_to(articles, product=product, version=version)
    return articles.select_related("section", "published_revision").order_by(
        "section__position", "published_revision__title"
    )


def applying_to(
    articles: QuerySet[Article], *, product: str = "", version: str = ""
) -> QuerySet[Article]:
    """Those of ``articles`` that apply to the product of slug ``product`` (it is among their
    products, or they have none) and to ``version`` (one of their version lines holds it,
    ``crm.versions.in_line``, or they have none). Conditions on each article's own row: the
    database pages the answer. An article's lines are stored ``,2,3.1,``, and the lines that
    hold 2.4.1 are its prefixes 2, 2.4 and 2.4.1 (``lines_holding``): the lines hold it when the
    text contains one of them between commas (letters' case ignored, on either database)."""
    if product:
        links = Article.products.through.objects.filter(article=OuterRef("pk"))
        articles = articles.filter(Exists(links.filter(product__slug=product)) | ~Exists(links))
    if version:
        if not is_valid(version):
            raise InvalidInput(
                f"A version like 2.4 or 3.0.1-rc1 (at most {MAX_VERSION} characters).",
                field="version",
            )
        holds = Q(versions="")
        for line in lines_holding(version):
            holds |= Q(versions__icontains=f",{line},")
        articles = articles.filter(holds)
    return articles


def article_get(*, user: Any, slug: str) -> Article:
    """One article the user may read; another's or a missing one is ``NotFound`` alike."""
    article = article_list(user=user).select_related("section__parent").filter(slug=slug).first()
    if article is None:
        raise NotFound("No such article.")
    return article


def article_search(*, user: Any, q: str, limit: int = 10) -> list[Article]:
    """The readable articles matching ``q``, best first, each with ``score``."""
    limit = max(1, min(limit, MAX_SEARCH_RESULTS))
    articles = policies.visible(user, policies.READ, Article.objects.all())
    return _best(search.matching(articles, q), limit)


def article_suggest(*, user: Any, q: str) -> list[Article]:
    """At most five readable articles for what someone is typing (the portal's new-ticket
    form, the API's ``suggest``)."""
    return article_search(user=user, q=q, limit=MAX_SUGGESTIONS)


def article_related(*, user: Any, article: Article) -> list[Article]:
    """Readable articles like this one (its title and tags), best first: ranked by the search
    when it was published (``services.related``), read here in one query."""
    listed = Article.objects.filter(listed_in__article=article)
    readable = policies.visible(user, policies.READ, listed)
    readable = readable.select_related("section", "published_revision")
    return list(readable.order_by("listed_in__position")[:RELATED])


def _best(matches: QuerySet[Article], limit: int) -> list[Article]:
    """The first ``limit`` of ``matches`` (best first), each with ``score``. They are ranked on
    the articles' own columns, then only those are read with their section and revision: a
    question's words can match most articles, and joining every match's revision cost more
    than ranking it."""
    best = list(matches.values_list("pk", "score")[:limit])  # type: ignore[misc]  # annotated
    articles = Article.objects.select_related("section", "published_revision")
    found = articles.in_bulk([pk for pk, _ in best])
    for pk, score in best:
        found[pk].score = score  # type: ignore[attr-defined]  # as ``matching`` annotates it
    return [found[pk] for pk, _ in best]


def export_list() -> QuerySet[Article]:
    """Every published (not archived) article with its live revision: the export is the
    system's, not one reader's."""
    return (
        Article.objects.filter(published_revision__isnull=False)
        .exclude(state=State.ARCHIVED)
        .select_related("section", "published_revision")
        .prefetch_related("products")
        .order_by("pk")
    )


def section_tree() -> list[Section]:
    """Every section, parents before children (the tree is small: one query)."""
    return list(Section.objects.order_by("parent_id", "position", "title"))


# ---- authoring and review (the desk) --------------------------------------------------------


def work_list(*, user: Any, state: str = "", section: Section | None = None) -> QuerySet[Article]:
    """Articles the user may see at all (published for readers, work for authors and
    reviewers), newest change first, with their newest revision's title via ``latest``."""
    articles = policies.visible(user, policies.VIEW, Article.objects.all())
    if state:
        articles = articles.filter(state=state)
    if section is not None:
        articles = articles.filter(section=section)
    return articles.select_related("section", "published_revision").order_by("-updated_at", "pk")


def review_queue(*, user: Any) -> QuerySet[Article]:
    """Articles in review that the user may review; those whose revision in review they wrote
    stay out (they may not review it)."""
    articles = policies.visible(
        user, policies.REVIEW, Article.objects.filter(state=State.IN_REVIEW)
    )
    latest_author = Revision.objects.filter(article=OuterRef("pk")).order_by("-number")
    articles = articles.annotate(latest_author=Subquery(latest_author.values("author_id")[:1]))
    mine = Q(latest_author=getattr(user, "pk", None))
    return articles.exclude(mine).select_related("section").order_by("updated_at", "pk")


def work_get(*, user: Any, slug: str) -> Article:
    """One article the user may see at all (``view``); otherwise ``NotFound``."""
    article = (
        policies.visible(user, policies.VIEW, Article.objects.all())
        .select_related("section__parent", "section__owner_team", "published_revision")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        raise NotFound("No such article.")
    return article


def revisions_of(*, user: Any, article: Article) -> list[Revision]:
    """The article's revisions, newest first, with authors and reviews; none for those who do
    not see its work (they read the live revision only)."""
    if not sees_work(user, article):
        return []
    return list(
        article.revisions.select_related("author")
        .prefetch_related("reviews__reviewer")
        .order_by("-number")
    )


def latest_revision(*, article: Article) -> Revision:
    revision = article.revisions.order_by("-number").first()
    assert revision is not None  # every article has its first revision
    return revision


def sees_work(user: Any, article: Article) -> bool:
    """Whether the user sees work in progress on the article (its authors and reviewers, and
    agents who may author it: group authoring); others see only the live revision."""
    return policies.can(user, policies.WORK, article) or policies.can(
        user, policies.AUTHOR, article
    )


def shown_revision(*, user: Any, article: Article) -> Revision:
    """The newest revision for those who see the work, else the live one."""
    if sees_work(user, article) or article.published_revision is None:
        return latest_revision(article=article)
    return article.published_revision


def article_files(
    *, user: Any, article: Article, live: bool | None = None
) -> list[ArticleAttachment]:
    """The files of an article the user has (from ``article_get`` or ``work_get``), newest per
    name, by name. ``live``: as its readers see them, the files as they were when the live
    revision was published (a file added since waits for the next publication, as a text does);
    otherwise the current ones. Unsaid: readers the live files, its workers the current."""
    if live is None:
        live = not sees_work(user, article)
    rows = ArticleAttachment.objects.filter(article=article)
    if live:
        at = article.published_at
        if at is None or article.published_revision_id is None:
            return []
        rows = rows.filter(created_at__lte=at).filter(
            Q(removed_at__isnull=True) | Q(removed_at__gt=at)
        )
    else:
        rows = rows.filter(removed_at__isnull=True)
    newest = {row.filename: row for row in rows.order_by("created_at", "pk")}
    return [newest[name] for name in sorted(newest)]


def article_file(
    *, user: Any, article: Article, filename: str = "", pk: int | None = None,
    live: bool | None = None,
) -> ArticleAttachment:  # fmt: skip
    """One of ``article_files`` by its name or id; any other is ``NotFound``."""
    for row in article_files(user=user, article=article, live=live):
        if row.filename == filename or row.pk == pk:
            return row
    raise NotFound("No such file.")


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added", "removed"
    text: str


def revision_diff(*, article: Article, old: int, new: int) -> list[DiffLine]:
    """Line by line, revision ``old`` to ``new`` (title, summary and body)."""
    found = {r.number: r for r in article.revisions.filter(number__in=[old, new])}
    if old not in found or new not in found:
        raise NotFound("No such revision.")
    ops = {" ": "same", "+": "added", "-": "removed"}
    lines = difflib.ndiff(_lines(found[old]), _lines(found[new]))
    return [DiffLine(ops[line[0]], line[2:]) for line in lines if line[0] in ops]


def _lines(revision: Revision) -> list[str]:
    return [
        f"Title: {revision.title}",
        f"Summary: {revision.summary}",
        "",
        *revision.body.split("\n"),
    ]


def stale_list(*, user: Any, at: datetime | None = None, limit: int = 200) -> list[Article]:
    """Published articles whose re-verification is due (``Article.verify_by`` passed), most
    overdue first, among those the user may see."""
    due = Article.objects.filter(state=State.PUBLISHED, verify_by__lte=at or now())
    articles = policies.visible(user, policies.VIEW, due).select_related(
        "section", "published_revision"
    )
    return list(articles.order_by("verify_by", "pk")[:limit])


def linked_ticket_ids(*, article: Article) -> list[int]:
    """The tickets the article was sent on (the desk narrows them to what the agent sees)."""
    return list(
        TicketArticle.objects.filter(article=article).values_list("ticket_id", flat=True)[:100]
    )


def helpful_share(article: Article) -> float | None:
    """The share of "Was this helpful?" answers that said yes; None without answers."""
    answers = article.helpful_yes + article.helpful_no
    return article.helpful_yes / answers if answers else None
