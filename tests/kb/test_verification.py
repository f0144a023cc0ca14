"""Re-verification: when an article's interval lapses its owner team is asked, once per lapse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.core import scheduler
from tierdesk.core.clock import now
from tierdesk.core.errors import NotFound
from tierdesk.kb import tasks
from tierdesk.kb.models import Visibility
from tierdesk.kb.selectors import stale_list
from tierdesk.kb.services import REVIEWED_KIND, article_verify, verification_sweep


def _asked(article):
    return Notification.objects.filter(kind=NotificationKind.KB_VERIFY, data__article=article.slug)


def _lapse(article, days_ago: int = 1):
    article.verify_by = now() - timedelta(days=days_ago)
    article.save(update_fields=["verify_by"])


def test_a_published_article_is_due_after_its_sections_interval(kb):
    article = kb.published[Visibility.PUBLIC]
    assert article.verify_by is None  # the fixture publishes without the service
    from tierdesk.kb.services import article_submit, article_update, review_approve

    article_update(actor=kb.author, article=article, title="Published public", body="New text.")
    article_submit(actor=kb.author, article=article)
    review_approve(actor=kb.reviewer, article=article)
    article.refresh_from_db()
    months = article.section.verification_months
    assert article.verify_by == article.section.verification_due(article.published_at)
    assert (article.verify_by - article.published_at).days == int(months * 30.44)


def test_the_owner_team_is_asked_once_per_lapse(kb, world):
    article = kb.published[Visibility.CUSTOMERS]
    _lapse(article)
    assert verification_sweep() == 1
    team = set(world.service_desk.agents.values_list("user_id", flat=True))
    assert set(_asked(article).values_list("recipient_id", flat=True)) == team
    assert verification_sweep() == 0  # asked already: not again
    assert _asked(article).count() == len(team)


def test_verifying_starts_the_next_interval_and_a_new_lapse_asks_again(kb):
    article = kb.published[Visibility.CUSTOMERS]
    _lapse(article)
    verification_sweep()
    assert article in stale_list(user=kb.reviewer)
    article_verify(actor=kb.reviewer, article=article)
    article.refresh_from_db()
    assert article.verify_by > now() + timedelta(days=300)
    assert article.verification_asked_at is None
    assert article not in stale_list(user=kb.reviewer)
    first = _asked(article).count()
    _lapse(article, days_ago=2)  # a later lapse (another deadline)
    assert verification_sweep() == 1
    assert _asked(article).count() == 2 * first


def test_only_a_reviewer_of_the_owner_team_verifies(kb, world):
    article = kb.published[Visibility.PUBLIC]
    _lapse(article)
    with pytest.raises(Exception) as refused:
        article_verify(actor=world.acme_contact, article=article)
    assert not isinstance(refused.value, AssertionError)
    with pytest.raises(NotFound):
        article_verify(actor=world.acme_contact, article=kb.published[Visibility.INTERNAL])


def test_archived_and_unpublished_articles_are_not_asked_about(kb):
    _lapse(kb.draft)
    assert verification_sweep() == 0


def test_the_sweep_is_a_periodic_job_of_the_scheduler():
    job = {j.name: j for j in scheduler.registered_jobs()}["kb.verification-sweep"]
    assert job.task is tasks.sweep_verifications and job.every == timedelta(hours=1)


def test_the_kinds_of_the_notifications_kb_raises_are_notification_kinds():
    assert REVIEWED_KIND in NotificationKind.values
    assert NotificationKind.KB_VERIFY in NotificationKind.values
