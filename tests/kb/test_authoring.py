"""Authoring and review in the desk: draft -> in review -> published -> archived, the author
told of each review, revisions compared and restored."""

from __future__ import annotations

from django.test import Client

from tierdesk.accounts.models import Notification
from tierdesk.kb.models import Article, State
from tierdesk.kb.services import REVIEWED_KIND, article_submit, article_update


def _as(user):
    client = Client()
    client.force_login(user)
    return client


def _new(client, kb, title="Printer offline", body="Restart the spooler."):
    response = client.post(
        "/desk/kb/new/",
        {"section": kb.section.pk, "title": title, "summary": "", "body": body,
         "visibility": "public", "tags": "printing, spooler"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return Article.objects.get(slug="printer-offline")


def test_an_author_drafts_a_reviewer_asks_for_changes_and_then_publishes(world, kb):
    author, reviewer = _as(kb.author), _as(kb.reviewer)
    article = _new(author, kb)
    assert article.state == State.DRAFT and article.tags == ["printing", "spooler"]
    assert author.post(f"/desk/kb/articles/{article.slug}/submit/").status_code == 302
    page = reviewer.get("/desk/kb/").content.decode()
    queue = page[page.index('id="review-queue"') :]
    assert f"/desk/kb/articles/{article.slug}/" in queue[: queue.index("</ul>")]
    reviewer.post(
        f"/desk/kb/articles/{article.slug}/request_changes/", {"comment": "Say which spooler."}
    )
    article.refresh_from_db()
    assert article.state == State.DRAFT
    told = Notification.objects.get(recipient=kb.author, kind=REVIEWED_KIND)
    assert "needs changes" in told.title and told.body == "Say which spooler."
    author.post(
        f"/desk/kb/articles/{article.slug}/edit/",
        {"section": kb.section.pk, "title": "Printer offline", "summary": "",
         "body": "Restart the print spooler service.", "visibility": "public", "tags": ""},
    )  # fmt: skip
    author.post(f"/desk/kb/articles/{article.slug}/submit/")
    reviewer.post(f"/desk/kb/articles/{article.slug}/approve/", {"comment": "Good."})
    article.refresh_from_db()
    assert article.state == State.PUBLISHED and article.published_revision.number == 2
    assert Client().get(f"/kb/articles/{article.slug}/").status_code == 200
    assert Notification.objects.filter(recipient=kb.author, kind=REVIEWED_KIND).count() == 2


def test_a_reviewer_never_reviews_a_revision_they_wrote(world, kb):
    reviewer = _as(kb.reviewer)
    article = kb.in_review
    article_update(actor=kb.reviewer, article=article, title="Reviewed public", body="Mine.")
    article_submit(actor=kb.reviewer, article=article)
    assert 'id="review-queue"' not in reviewer.get("/desk/kb/").content.decode()
    response = reviewer.post(f"/desk/kb/articles/{article.slug}/approve/")
    assert response.status_code == 400 and "wrote" in response.content.decode()
    article.refresh_from_db()
    assert article.state == State.IN_REVIEW


def test_request_changes_needs_a_comment(world, kb):
    response = _as(kb.reviewer).post(f"/desk/kb/articles/{kb.in_review.slug}/request_changes/")
    assert response.status_code == 400 and "Say what should change" in response.content.decode()


def test_editing_a_published_article_keeps_it_live_until_approved(world, kb):
    article = kb.published["public"]
    _as(kb.author).post(
        f"/desk/kb/articles/{article.slug}/edit/",
        {"section": kb.section.pk, "title": "Published public", "summary": "",
         "body": "A better text.", "visibility": "public", "tags": ""},
    )  # fmt: skip
    article.refresh_from_db()
    assert article.state == State.DRAFT
    live = Client().get(f"/kb/articles/{article.slug}/").content.decode()
    assert "About Published public." in live and "A better text." not in live
    work = _as(kb.author).get(f"/desk/kb/articles/{article.slug}/").content.decode()
    assert "A better text." in work


def test_two_revisions_are_compared_and_an_old_one_restored(world, kb):
    article = kb.published["public"]
    article_update(actor=kb.author, article=article, title="Renamed", body="New words.")
    author = _as(kb.author)
    diff = author.get(f"/desk/kb/articles/{article.slug}/diff/", {"old": 1, "new": 2})
    text = diff.content.decode()
    assert 'kb-diff-removed">- Title: Published public' in text
    assert 'kb-diff-added">+ Title: Renamed' in text
    assert author.get(f"/desk/kb/articles/{article.slug}/diff/", {"old": 9}).status_code == 404
    author.post(f"/desk/kb/articles/{article.slug}/revisions/1/restore/")
    latest = article.revisions.order_by("-number").first()
    assert (latest.number, latest.title, latest.body) == (
        3,
        "Published public",
        "About Published public.",
    )


def test_archiving_hides_the_article_from_readers(world, kb):
    article = kb.published["public"]
    _as(kb.author).post(f"/desk/kb/articles/{article.slug}/archive/")
    assert Client().get(f"/kb/articles/{article.slug}/").status_code == 404
    assert _as(kb.author).get(f"/desk/kb/articles/{article.slug}/").status_code == 200


def test_an_agent_without_the_author_permission_may_not_write(world, kb):
    response = _as(world.l2).post(
        "/desk/kb/new/",
        {"section": kb.section.pk, "title": "X", "body": "Y", "visibility": "public"},
    )
    assert response.status_code == 422
    assert "may not write" in response.content.decode()
    assert not Article.objects.filter(slug="x").exists()


def test_stale_articles_are_listed_for_re_verification(world, kb):
    article = kb.published["internal"]
    # Published two years ago: its deadline (its section's 12 months) passed a year ago.
    two_years_ago = article.published_at.replace(year=article.published_at.year - 2)
    Article.objects.filter(pk=article.pk).update(
        published_at=two_years_ago, verify_by=article.section.verification_due(two_years_ago)
    )
    page = _as(kb.reviewer).get("/desk/kb/").content.decode()
    assert "Due for re-verification" in page and "Published internal" in page
