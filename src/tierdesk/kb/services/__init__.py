"""Writes to the knowledge base (M4): ``articles`` (authoring and review), ``attachments``
(an article's files and images), ``readers`` (what readers do), ``imports`` (``tierdesk kb
import``), ``verification`` (re-verification)."""

from tierdesk.kb.services.articles import (
    MAX_SUMMARY,
    MAX_TAG,
    MAX_TAGS,
    REVIEWED_KIND,
    article_archive,
    article_create,
    article_submit,
    article_update,
    create_article,
    review_approve,
    review_request_changes,
    revision_restore,
)
from tierdesk.kb.services.attachments import MAX_FILES, article_file_add, article_file_remove
from tierdesk.kb.services.imports import Imported, ImportFile, article_import, articles_import
from tierdesk.kb.services.readers import (
    MAX_COMMENT,
    MAX_QUERY,
    article_viewed,
    asked_by,
    asked_of,
    deflection_record,
    feedback_record,
    ticket_article_send,
)
from tierdesk.kb.services.related import related_refresh
from tierdesk.kb.services.verification import (
    article_verify,
    may_verify,
    verifiable,
    verification_sweep,
)

__all__ = [
    "MAX_COMMENT",
    "MAX_FILES",
    "MAX_QUERY",
    "MAX_SUMMARY",
    "MAX_TAG",
    "MAX_TAGS",
    "REVIEWED_KIND",
    "ImportFile",
    "Imported",
    "article_archive",
    "article_create",
    "article_file_add",
    "article_file_remove",
    "article_import",
    "article_submit",
    "article_update",
    "article_verify",
    "article_viewed",
    "articles_import",
    "asked_by",
    "asked_of",
    "create_article",
    "deflection_record",
    "feedback_record",
    "may_verify",
    "related_refresh",
    "review_approve",
    "review_request_changes",
    "revision_restore",
    "ticket_article_send",
    "verifiable",
    "verification_sweep",
]
