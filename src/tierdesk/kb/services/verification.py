"""Re-verification of published articles (M4).

Each published article has a deadline, ``Article.verify_by``: its section's interval after its
publication or its last verification. A periodic sweep (``kb.tasks``) asks the section's owner
team to re-verify each article whose deadline passed, once per lapse (``verification_asked_at``
marks it asked; the dedupe key names the lapse); a reviewer of that team verifies it, which
starts the next interval. Lapsed articles are the stale list (``selectors.stale_list``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction

from tierdesk.accounts.models import Agent, Notification, NotificationKind
from tierdesk.accounts.services import notifications_raise
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidTransition
from tierdesk.kb import policies
from tierdesk.kb.models import Article, State
from tierdesk.kb.services.articles import _check

SWEEP_BATCH = 500


def article_verify(*, actor: Any, article: Article) -> Article:
    """A reviewer of the section's owner team confirms that the live text is still right: the
    next interval starts now."""
    _check(actor, policies.REVIEW, article)
    if not verifiable(article):
        raise InvalidTransition("Only a published article is verified.")
    article.verify_by = article.section.verification_due(now())
    article.verification_asked_at = None
    article.save(update_fields=["verify_by", "verification_asked_at"])
    return article


def verifiable(article: Article) -> bool:
    """Whether the article has a live text to verify (not archived)."""
    return article.published_revision_id is not None and article.state != State.ARCHIVED


def may_verify(user: Any, article: Article) -> bool:
    """Whether ``article_verify`` would accept the user's verification (the desk's button)."""
    return policies.can(user, policies.REVIEW, article) and verifiable(article)


def verification_sweep(*, at: datetime | None = None) -> int:
    """Ask the owner teams to re-verify the articles whose deadline passed and who were not
    asked yet for that lapse; returns how many articles were asked about."""
    at = at or now()
    lapsed = (
        Article.objects.filter(
            verify_by__lte=at, verification_asked_at__isnull=True, published_revision__isnull=False
        )
        .exclude(state=State.ARCHIVED)
        .select_related("section", "published_revision")
        .order_by("verify_by", "pk")
    )
    with transaction.atomic():
        # Two sweeps at once take different articles; a retried one asks nobody twice (the
        # notifications' dedupe keys name the lapse).
        articles = list(lapsed.select_for_update(skip_locked=True, of=("self",))[:SWEEP_BATCH])
        notifications_raise(_requests(articles, at))
        Article.objects.filter(pk__in=[a.pk for a in articles]).update(verification_asked_at=at)
    return len(articles)


def _requests(articles: list[Article], at: datetime) -> list[Notification]:
    teams = {a.section.owner_team_id for a in articles if a.section.owner_team_id is not None}
    members = _team_members(teams)
    return [
        _request(article, user_id, at)
        for article in articles
        if article.section.owner_team_id is not None
        for user_id in members.get(article.section.owner_team_id, ())
    ]


def _request(article: Article, user_id: int, at: datetime) -> Notification:
    lapse = f"{article.verify_by:%Y%m%dT%H%M%S}"  # the deadline names the lapse
    return Notification(
        recipient_id=user_id, kind=NotificationKind.KB_VERIFY,
        title=f"Re-verify: {_title(article)}"[:255],
        body=f"Due since {article.verify_by:%Y-%m-%d}: confirm the article is still right.",
        data={"article": article.slug}, created_at=at,
        dedupe_key=f"kb-verify:{article.pk}:{lapse}:{user_id}",
    )  # fmt: skip


def _team_members(team_ids: set[int]) -> dict[int, list[int]]:
    """The active agents of each team (one query)."""
    rows = Agent.objects.filter(teams__in=team_ids, user__is_active=True).values_list(
        "teams", "user_id"
    )
    members: dict[int, list[int]] = defaultdict(list)
    for team_id, user_id in rows:
        members[team_id].append(user_id)
    return members


def _title(article: Article) -> str:
    revision = article.published_revision
    return revision.title if revision else article.slug
