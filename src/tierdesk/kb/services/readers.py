"""What readers do with articles: views, "Was this helpful?", deflections, articles sent on
tickets; and what they asked, which joins the search (``kb.search``'s ``asked`` field)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber

from tierdesk.core.clock import now
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.core.limits import NUL_REFUSED, has_nul
from tierdesk.kb import policies
from tierdesk.kb.models import Article, Deflection, Feedback, TicketArticle
from tierdesk.kb.search import MAX_ASKED, index_article

MAX_COMMENT = 2000
MAX_QUERY = 1000


def article_viewed(*, article: Article) -> None:
    """Count a reader's visit (one UPDATE; a concurrent visit is never lost)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def feedback_record(*, actor: Any, article: Article, helpful: bool, comment: str = "") -> Feedback:
    """A reader's "Was this helpful?" answer. Anybody who may read the article may answer."""
    _check_readable(actor, article)
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"At most {MAX_COMMENT} characters.", field="comment")
    if has_nul(comment):
        raise InvalidInput(NUL_REFUSED, field="comment")
    counter = "helpful_yes" if helpful else "helpful_no"
    with transaction.atomic():
        feedback = Feedback.objects.create(
            article=article, helpful=helpful, comment=comment.strip(), user=_user(actor),
            created_at=now(),
        )  # fmt: skip
        Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return feedback


def deflection_record(*, actor: Any, article: Article, query: str = "") -> Deflection:
    """A contact found their answer in ``article`` before opening a ticket: no ticket is
    opened; the article counts it, and what they typed joins its searchable questions."""
    _check_readable(actor, article)
    if has_nul(query):
        raise InvalidInput(NUL_REFUSED, field="q")
    with transaction.atomic():
        deflection = Deflection.objects.create(
            article=article, user=_user(actor), query=query.strip()[:MAX_QUERY], created_at=now()
        )
        Article.objects.filter(pk=article.pk).update(deflection_count=F("deflection_count") + 1)
        index_article(article, asked_of(article))
    return deflection


def ticket_article_send(*, actor: Any, ticket: Any, article: Article) -> TicketArticle:
    """Record that an agent sent ``article`` on ``ticket`` (the caller has checked, through the
    tickets app, that the agent may work on the ticket). Sending it twice records it once."""
    if not policies.is_agent(actor):
        raise Forbidden("Only agents send articles on tickets.")
    _check_readable(actor, article)
    with transaction.atomic():
        link, created = TicketArticle.objects.get_or_create(
            ticket=ticket, article=article,
            defaults={"sent_by": _user(actor), "created_at": now()},
        )  # fmt: skip
        if created:
            Article.objects.filter(pk=article.pk).update(ticket_count=F("ticket_count") + 1)
            index_article(article, asked_of(article))
    return link


def asked_of(article: Article) -> list[str]:
    return asked_by([article.pk]).get(article.pk, [])


def asked_by(article_ids: Iterable[int]) -> dict[int, list[str]]:
    """What people asked when each article answered them: subjects of the tickets it was sent
    on, then deflected questions, newest first, at most ``MAX_ASKED`` (the search's ``asked``
    field). Two queries however many articles."""
    ids = list(article_ids)
    asked: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return asked
    subjects = _newest(TicketArticle.objects.filter(article_id__in=ids), "ticket__subject")
    questions = _newest(Deflection.objects.filter(article_id__in=ids).exclude(query=""), "query")
    for article_id, text in [*subjects, *questions]:
        if len(asked[article_id]) < MAX_ASKED:
            asked[article_id].append(text)
    return asked


def _newest(rows: QuerySet[Any], text: str) -> list[tuple[int, str]]:
    """Each article's ``MAX_ASKED`` newest ``text`` values (a window per article)."""
    newest = Window(RowNumber(), partition_by=F("article_id"), order_by=F("created_at").desc())
    ranked = rows.annotate(n=newest).filter(n__lte=MAX_ASKED).order_by("article_id", "n")
    return list(ranked.values_list("article_id", text))


def _check_readable(actor: Any, article: Article) -> None:
    if not policies.can(actor, policies.READ, article):
        raise NotFound("No such article.")


def _user(actor: Any) -> Any:
    return (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )
