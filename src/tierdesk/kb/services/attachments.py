"""An article's files and images (M4), stored by the one storage rule (``core.attachments``).

Adding or removing a file changes the article: like a new revision it goes through review. A
published article becomes a draft again, and its readers keep the files as they were at its
last publication (``kb.selectors.article_files``) until a reviewer approves.
"""

from __future__ import annotations

from typing import IO, Any

from django.db import transaction

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
    current = set(_current(article).values_list("filename", flat=True))
    if stored.name not in current and len(current) >= MAX_FILES:
        raise InvalidInput(f"At most {MAX_FILES} files per article.", field="file")
    at = now()
    with transaction.atomic():
        attachment = ArticleAttachment.objects.create(
            article=article, file=stored.path, filename=stored.name,
            content_type=stored.content_type, image_type=stored.image_type, size=stored.size,
            sha256=stored.sha256, uploaded_by=actor if getattr(actor, "pk", None) else None,
            created_at=at,
        )  # fmt: skip
        _changed(article, at)
    return attachment


def article_file_remove(*, actor: Any, article: Article, filename: str) -> None:
    """The article's file of that name goes (its earlier versions with it); readers keep it
    until the next publication. The stored bytes stay: other rows may share them."""
    _check_change(actor, article)
    at = now()
    with transaction.atomic():
        if not _current(article).filter(filename=filename).update(removed_at=at):
            raise NotFound("No such file.")
        _changed(article, at)


def _check_change(actor: Any, article: Article) -> None:
    _check(actor, policies.AUTHOR, article)
    if article.state == State.ARCHIVED:
        raise InvalidTransition("An archived article cannot be edited; restore a revision.")


def _current(article: Article) -> Any:
    return ArticleAttachment.objects.filter(article=article, removed_at__isnull=True)


def _changed(article: Article, at: Any) -> None:
    article.state = State.DRAFT  # changed files need a (fresh) review, as a changed text does
    article.updated_at = at
    article.save(update_fields=["state", "updated_at"])
