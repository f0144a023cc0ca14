"""Writing, reviewing and publishing articles."""

from __future__ import annotations

import pytest

from tierdesk.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from tierdesk.kb import policies
from tierdesk.kb.models import State, Verdict
from tierdesk.kb.services import (
    article_archive,
    article_create,
    article_submit,
    article_update,
    review_approve,
    review_request_changes,
    revision_restore,
)


def test_an_article_goes_through_review_to_publication(world, kb):
    article = kb.draft
    article_submit(actor=kb.author, article=article)
    review = review_request_changes(actor=kb.reviewer, article=article, comment="Add a screenshot.")
    assert (article.state, review.verdict) == (State.DRAFT, Verdict.REQUEST_CHANGES)
    article_update(actor=kb.author, article=article, title="Draft public", body="Now *fixed*.")
    article_submit(actor=kb.author, article=article)
    review_approve(actor=kb.reviewer, article=article)
    article.refresh_from_db()
    assert article.state == State.PUBLISHED
    assert article.published_revision.number == 2
    assert "<em>fixed</em>" in article.published_revision.body_html
    assert policies.can(None, policies.READ, article)


def test_editing_a_published_article_keeps_the_published_revision_live(world, kb):
    article = kb.published["public"]
    live = article.published_revision
    article_update(actor=kb.author, article=article, title="New title", body="Changed.")
    article.refresh_from_db()
    assert article.published_revision == live
    article_submit(actor=kb.author, article=article)
    assert policies.can(None, policies.READ, article)  # still live while in review
    assert not policies.can(world.l2, policies.WORK, article)
    review_approve(actor=kb.reviewer, article=article)
    article.refresh_from_db()
    assert article.published_revision.title == "New title"


def test_a_reviewer_never_approves_their_own_revision(world, kb):
    article = kb.in_review
    article_update(actor=kb.reviewer, article=article, title="Mine", body="By the reviewer.")
    article_submit(actor=kb.reviewer, article=article)
    with pytest.raises(Forbidden):
        review_approve(actor=kb.reviewer, article=article)


def test_only_reviewers_review(world, kb):
    with pytest.raises(Forbidden):
        review_approve(actor=kb.author, article=kb.in_review)
    with pytest.raises(NotFound):  # a draft the contact may not even see
        review_approve(actor=world.acme_contact, article=kb.in_review)


def test_a_draft_cannot_be_approved(world, kb):
    with pytest.raises(InvalidTransition):
        review_approve(actor=kb.reviewer, article=kb.draft)


def test_a_request_for_changes_says_what(world, kb):
    with pytest.raises(InvalidInput):
        review_request_changes(actor=kb.reviewer, article=kb.in_review, comment=" ")


def test_markdown_is_sanitised(world, kb):
    article = article_create(
        actor=kb.author, section=kb.section, title="Hostile", body="<script>x()</script>**b**"
    )
    html = article.revisions.get().body_html
    assert "<script>" not in html and "<strong>b</strong>" in html


def test_agents_without_the_permission_and_contacts_do_not_write(world, kb):
    for user in (world.l2, world.acme_contact):
        with pytest.raises(Forbidden):
            article_create(actor=user, section=kb.section, title="T", body="B")


def test_archive_hides_it_from_readers_and_restore_brings_back_old_text(world, kb):
    article = kb.published["public"]
    article_update(actor=kb.author, article=article, title="Second", body="Two.")
    article_archive(actor=kb.author, article=article)
    assert not policies.can(None, policies.READ, article)
    with pytest.raises(InvalidTransition):
        article_update(actor=kb.author, article=article, title="Third", body="Three.")
    restored = revision_restore(actor=kb.author, article=article, number=1)
    assert (restored.number, restored.title, article.state) == (3, "Published public", State.DRAFT)


def test_slugs_stay_unique(world, kb):
    first = article_create(actor=kb.author, section=kb.section, title="Same", body="a")
    second = article_create(actor=kb.author, section=kb.section, title="Same", body="b")
    assert (first.slug, second.slug) == ("same", "same-2")


def test_only_a_draft_is_submitted(world, kb):
    with pytest.raises(InvalidTransition):
        article_submit(actor=kb.author, article=kb.published["public"])
