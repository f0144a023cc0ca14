"""An article's files and images (M4), stored by the one storage rule (``core.attachments``).

Adding or removing a file changes the article: like a new revision it goes through review. A
published article becomes a draft again, and its readers keep the files as they were at its
last publication (``kb.selectors.article_files``) until a reviewer approves.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet

from tierdesk.core.attachments import StoredFile, store
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, InvalidTransition, NotFound
from tierdesk.kb import policies
from tierdesk.kb.models import Article, ArticleAttachment, State
from tierdesk.kb.services.articles import _check

MAX_FILES = 100  # current files per article


def article_file_add(
    *, actor: Any, article: Article, stream: IO[bytes] | None = None, filename: str = "",
    content_type: str = "", stored: StoredFile | None = None,
) -> ArticleAttachment:  # fmt: skip
    """A file on the article (authors of it); one of a name already there replaces it. The file
    is stored before the transaction opens (``stored``, or from ``stream``)."""
    _check_change(actor, article)
    if stored is None:
        if stream is None:
            raise InvalidInput("Choose a file.", field="file")
        stored = store(stream=stream, filename=filename, content_type=content_type)
    check_room(_current(article).values_list("filename", flat=True), [stored.name])
    at = now()
    with transaction.atomic():
        attachment = file_row(article=article, stored=stored, actor=actor, at=at)
        attachment.save(force_insert=True)
        _changed(article, at)
    return attachment


def article_file_remove(*, actor: Any, article: Article, filename: str) -> None:
    """The article's file of that name goes (its earlier versions with it); readers keep it
    until the next publication. The stored bytes stay: other rows may share them."""
    _check_change(actor, article)
    at = now()
    with transaction.atomic():
        if not files_remove(_current(article).filter(filename=filename), at):
            raise NotFound("No such file.")
        _changed(article, at)


def _check_change(actor: Any, article: Article) -> None:
    _check(actor, policies.AUTHOR, article)
    if article.state == State.ARCHIVED:
        raise InvalidTransition("An archived article cannot be edited; restore a revision.")


def _current(article: Article) -> Any:
    return current_files([article])


# The rules of a file on an article, for the editor's services above and ``kb import``
# (``services.imports``), which adds a batch's files in a few statements.


def current_files(articles: Iterable[Article]) -> QuerySet[ArticleAttachment]:
    """The articles' current files: not removed (of one name, the newest row is the file)."""
    return ArticleAttachment.objects.filter(article__in=articles, removed_at__isnull=True)


def check_room(current: Iterable[str], adding: Collection[str]) -> None:
    """At most ``MAX_FILES`` current files per article (``current``: their names); a file of a
    name already there replaces it and takes no room."""
    names = set(current)
    if len(names | set(adding)) > max(len(names), MAX_FILES):
        raise InvalidInput(f"At most {MAX_FILES} files per article.", field="file")


def file_row(*, article: Article, stored: StoredFile, actor: Any, at: Any) -> ArticleAttachment:
    """The row of a stored file on the article, not saved yet; once saved it never changes but
    for its removal."""
    return ArticleAttachment(
        article=article, file=stored.path, filename=stored.name,
        content_type=stored.content_type, image_type=stored.image_type, size=stored.size,
        sha256=stored.sha256, uploaded_by=actor if getattr(actor, "pk", None) else None,
        created_at=at,
    )  # fmt: skip


def files_remove(rows: QuerySet[ArticleAttachment], at: Any) -> int:
    """Remove the files of ``rows`` at ``at``: readers keep them until the next publication
    (``selectors.article_files``). Returns how many rows it removed."""
    return rows.update(removed_at=at)


def _changed(article: Article, at: Any) -> None:
    article.state = State.DRAFT  # changed files need a (fresh) review, as a changed text does
    article.updated_at = at
    article.save(update_fields=["state", "updated_at"])
