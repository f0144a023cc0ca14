"""Writes to the knowledge base: articles, their revisions and their review (M4).

Every save writes a new ``Revision``; the published one stays live until a reviewer approves a
later one. ``Article.state`` is the state of the newest revision: draft -> in review ->
published, and archived; an edit or a request for changes makes it a draft again. Readers read
``published_revision`` whatever the state, unless the article is archived. Markdown is rendered
and sanitised before any transaction opens.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.accounts.principal import SYSTEM
from tierdesk.accounts.services import notifications_raise
from tierdesk.core.clock import now
from tierdesk.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from tierdesk.core.text import MAX_BODY, MAX_REASON, MAX_SUBJECT, render_markdown
from tierdesk.crm.models import Product
from tierdesk.crm.versions import checked_lines
from tierdesk.kb import policies
from tierdesk.kb.models import (
    MAX_VERSIONS,
    Article,
    Review,
    Revision,
    Section,
    State,
    Verdict,
    Visibility,
    stored_versions,
)
from tierdesk.kb.search import index_articles
from tierdesk.kb.services.readers import asked_by
from tierdesk.kb.services.related import (
    related_refresh,
    related_refresh_archived,
    related_refresh_published,
)

MAX_SUMMARY = 1000
MAX_TAGS = 20
MAX_TAG = 50
# The kind of the notification an author gets when their revision is reviewed.
REVIEWED_KIND = NotificationKind.KB_REVIEWED


def article_create(
    *, actor: Any, section: Section, title: str, body: str, summary: str = "",
    visibility: str = Visibility.INTERNAL, tags: list[str] | None = None, slug: str = "",
    product_ids: list[int] | None = None, entitled_only: bool = False,
    versions: list[str] | None = None,
) -> Article:  # fmt: skip
    """A new article in draft, with its first revision; ``product_ids``: the products it
    applies to, ``entitled_only``: only readers entitled to one of them read it, ``versions``:
    the version lines of them it applies to (``["2", "3.1"]``; none: every version)."""
    if not policies.is_author(actor):
        raise Forbidden("You may not write knowledge-base articles.")
    _check_text(title=title, body=body, summary=summary)
    _check_choice(visibility)
    tags = _clean_tags(tags or [])
    products = _products(product_ids or [])
    versions_text = clean_versions(versions or [])
    body_html = render_markdown(body)
    at = now()
    with transaction.atomic():
        article = Article.objects.create(
            slug=free_slug(slug or title), section=section, visibility=visibility, tags=tags,
            entitled_only=entitled_only, versions=versions_text, created_at=at, updated_at=at,
        )  # fmt: skip
        if products:
            article.products.set(products)
        _revise(article, actor, title, summary, body, body_html, at)
    return article


def create_article(
    *, section: Section, title: str, body: str, visibility: str, author: Any,
    publish: bool = False, summary: str = "", tags: list[str] | None = None,
) -> Article:  # fmt: skip
    """The one call other apps use (problems' workarounds): a new article by ``author``.
    ``publish``: an agent's article goes to review at once (it is published when a reviewer
    approves); the system's (``SYSTEM``, like an import) is published at once."""
    if publish and author is SYSTEM:
        return _system_publish(section, title, body, summary, visibility, tags or [])
    article = article_create(
        actor=author, section=section, title=title, body=body, summary=summary,
        visibility=visibility, tags=tags,
    )  # fmt: skip
    return article_submit(actor=author, article=article) if publish else article


def _system_publish(
    section: Section, title: str, body: str, summary: str, visibility: str, tags: list[str]
) -> Article:
    _check_text(title=title, body=body, summary=summary)
    _check_choice(visibility)
    body_html = render_markdown(body)
    at = now()
    with transaction.atomic():
        article = Article.objects.create(
            slug=free_slug(title), section=section, visibility=visibility,
            tags=_clean_tags(tags), created_at=at, updated_at=at,
        )  # fmt: skip
        revision = _revise(article, SYSTEM, title, summary, body, body_html, at)
        _publish(article, revision, at)
    return article


def article_update(
    *, actor: Any, article: Article, title: str, body: str, summary: str = "",
    visibility: str | None = None, tags: list[str] | None = None, section: Section | None = None,
    product_ids: list[int] | None = None, entitled_only: bool | None = None,
    versions: list[str] | None = None,
) -> Revision:  # fmt: skip
    """A new revision. A published article gets a draft revision; readers keep the published
    one until a reviewer approves. Who reads it (visibility, products, ``entitled_only``:
    only readers entitled to one of its products) and what it applies to (products,
    ``versions``) change at once."""
    _check(actor, policies.AUTHOR, article)
    if article.state == State.ARCHIVED:
        raise InvalidTransition("An archived article cannot be edited; restore a revision.")
    _check_text(title=title, body=body, summary=summary)
    if visibility is not None:
        _check_choice(visibility)
        article.visibility = visibility
    if tags is not None:
        article.tags = _clean_tags(tags)
    if section is not None:
        article.section = section
    if entitled_only is not None:
        article.entitled_only = entitled_only
    if versions is not None:
        article.versions = clean_versions(versions)
    products = _products(product_ids) if product_ids is not None else None
    body_html = render_markdown(body)
    at = now()
    with transaction.atomic():
        revision = _revise(article, actor, title, summary, body, body_html, at)
        article.state = State.DRAFT  # a changed text needs a (fresh) review
        article.updated_at = at
        article.save()
        if products is not None:
            article.products.set(products)
        related_refresh([article])  # its tags are half of what it is searched by
    return revision


def clean_versions(lines: list[str]) -> str:
    """``Article.versions`` for the version lines ``lines`` (``crm.versions``: each a version
    line, kept in order, once); ``InvalidInput`` naming the first that is not."""
    try:
        text = stored_versions(checked_lines(lines))
    except ValueError as error:
        raise InvalidInput(str(error), field="versions") from error
    if len(text) > MAX_VERSIONS:
        raise InvalidInput(f"At most {MAX_VERSIONS} characters of versions.", field="versions")
    return text


def _products(ids: list[int]) -> list[Product]:
    found = list(Product.objects.filter(pk__in=set(ids)))
    if len(found) != len(set(ids)):
        raise InvalidInput("No such product.", field="products")
    return found


def article_submit(*, actor: Any, article: Article) -> Article:
    """Draft -> in review: the latest revision goes to the section's reviewers."""
    _check(actor, policies.AUTHOR, article)
    if article.state != State.DRAFT:
        raise InvalidTransition("There is no draft to submit.")
    article.state = State.IN_REVIEW
    article.updated_at = now()
    article.save(update_fields=["state", "updated_at"])
    return article


def review_approve(*, actor: Any, article: Article, comment: str = "") -> Review:
    """Publish the revision in review. A reviewer never approves a revision they wrote."""
    revision = _under_review(actor, article, comment)
    at = now()
    with transaction.atomic():
        review = _review(revision, actor, Verdict.APPROVE, comment, at)
        _publish(article, revision, at)
        _tell_author(review, article, "approved and published")
    return review


def _publish(article: Article, revision: Revision, at: Any) -> None:
    article.published_revision = revision
    article.published_at = at
    article.state = State.PUBLISHED
    article.verify_by = article.section.verification_due(at)
    article.verification_asked_at = None
    article.updated_at = at
    article.save()
    # The search document and the related articles commit with the publication.
    index_articles([article], asked_by([article.pk]))
    related_refresh_published(article)


def review_request_changes(*, actor: Any, article: Article, comment: str) -> Review:
    """Back to draft, with the reviewer's comment for the author."""
    if not comment.strip():
        raise InvalidInput("Say what should change.", field="comment")
    revision = _under_review(actor, article, comment)
    at = now()
    with transaction.atomic():
        review = _review(revision, actor, Verdict.REQUEST_CHANGES, comment, at)
        article.state = State.DRAFT
        article.updated_at = at
        article.save(update_fields=["state", "updated_at"])
        _tell_author(review, article, "needs changes")
    return review


def _tell_author(review: Review, article: Article, outcome: str) -> None:
    """The revision's author hears of the review (the desk's bell, and mail by preference)."""
    author = review.revision.author
    if author is None or not author.is_active:
        return
    title = review.revision.title
    notifications_raise([
        Notification(
            recipient=author, kind=REVIEWED_KIND, title=f"{title}: {outcome}",
            body=review.comment, data={"article": article.slug, "verdict": review.verdict},
            dedupe_key=f"kb-review:{review.pk}", created_at=review.created_at,
        )
    ])  # fmt: skip


def article_archive(*, actor: Any, article: Article) -> Article:
    """Readers no longer see it; its authors and reviewers still do."""
    _check(actor, policies.AUTHOR, article)
    if article.state == State.ARCHIVED:
        raise InvalidTransition("The article is already archived.")
    article.state = State.ARCHIVED
    article.updated_at = now()
    with transaction.atomic():
        article.save(update_fields=["state", "updated_at"])
        related_refresh_archived(article)
    return article


def revision_restore(*, actor: Any, article: Article, number: int) -> Revision:
    """An old revision's text as a new draft revision: history is never rewritten."""
    _check(actor, policies.AUTHOR, article)
    old = article.revisions.filter(number=number).first()
    if old is None:
        raise NotFound("No such revision.")
    at = now()
    with transaction.atomic():
        revision = _revise(article, actor, old.title, old.summary, old.body, old.body_html, at)
        article.state = State.DRAFT
        article.updated_at = at
        article.save(update_fields=["state", "updated_at"])
        related_refresh([article])  # an archived article is read again
    return revision


def _check(actor: Any, action: str, article: Article) -> None:
    if not policies.can(actor, policies.VIEW, article):
        raise NotFound("No such article.")
    if not policies.can(actor, action, article):
        raise Forbidden("You may not do this to this article.")


def _under_review(actor: Any, article: Article, comment: str) -> Revision:
    _check(actor, policies.REVIEW, article)
    if len(comment) > MAX_REASON:
        raise InvalidInput(f"At most {MAX_REASON} characters.", field="comment")
    if article.state != State.IN_REVIEW:
        raise InvalidTransition("The article is not in review.")
    revision = article.revisions.order_by("-number").first()
    assert revision is not None  # every article has its first revision
    if revision.author_id == getattr(actor, "pk", None):
        raise Forbidden("You may not review a revision you wrote.")
    return revision


def _review(revision: Revision, actor: Any, verdict: str, comment: str, at: Any) -> Review:
    return Review.objects.create(
        revision=revision, reviewer=actor, verdict=verdict, comment=comment, created_at=at
    )


def _revise(
    article: Article, actor: Any, title: str, summary: str, body: str, body_html: str, at: Any
) -> Revision:
    last = article.revisions.aggregate(last=Max("number"))["last"] or 0
    return Revision.objects.create(
        article=article, number=last + 1, title=title, summary=summary, body=body,
        body_html=body_html, author=actor if getattr(actor, "pk", None) else None, created_at=at,
    )  # fmt: skip


def _check_text(*, title: str, body: str, summary: str) -> None:
    if not title.strip():
        raise InvalidInput("An article needs a title.", field="title")
    for field, value, most in [
        ("title", title, MAX_SUBJECT), ("summary", summary, MAX_SUMMARY), ("body", body, MAX_BODY)
    ]:  # fmt: skip
        if len(value) > most:
            raise InvalidInput(f"At most {most} characters.", field=field)


def _check_choice(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise InvalidInput("Unknown visibility.", field="visibility")


def _clean_tags(tags: list[str]) -> list[str]:
    cleaned = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    if len(cleaned) > MAX_TAGS or any(len(tag) > MAX_TAG for tag in cleaned):
        raise InvalidInput(f"At most {MAX_TAGS} tags of {MAX_TAG} characters.", field="tags")
    return cleaned


def slug_base(text: str) -> str:
    return slugify(text)[:180] or "article"


def free_slug(text: str, *, also_taken: frozenset[str] | set[str] = frozenset()) -> str:
    """A slug from ``text`` that no article has (nor any of ``also_taken``: an import's batch
    of articles not saved yet)."""
    base = slug_base(text)
    slug, n = base, 1
    while slug in also_taken or Article.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
