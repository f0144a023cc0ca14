"""An article's related articles: ranked by the search when it is published, imported, changed
or archived, and read by the page in one query, only those its reader may read."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.kb.conftest import publish
from tests.notifications.conftest import IMMEDIATE
from tierdesk.kb import policies, search
from tierdesk.kb.importing import Source
from tierdesk.kb.models import Article, RelatedArticle
from tierdesk.kb.selectors import RELATED, article_related
from tierdesk.kb.services import (
    ImportFile,
    article_archive,
    article_create,
    article_update,
    articles_import,
)


def _write(kb, title, visibility="public", tags=None):
    article = article_create(
        actor=kb.author, section=kb.section, title=title, body=f"About {title}.",
        visibility=visibility, tags=tags,
    )  # fmt: skip
    return publish(article)


def _page(slug, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/kb/articles/{slug}/").content.decode()


def _searched(user, article):
    """What the page's search gave on each view before the lists were stored."""
    others = policies.visible(user, policies.READ, Article.objects.exclude(pk=article.pk))
    query = " ".join([article.published_revision.title, *article.tags])
    return list(search.matching(others, query).values_list("slug", flat=True)[:RELATED])


def test_the_related_articles_are_those_the_search_ranked(world, kb):
    printers = [_write(kb, f"Printer {word}", tags=["printer"]) for word in
                ["offline", "jams", "drivers", "toner", "queue", "colours", "network"]]  # fmt: skip
    _write(kb, "Backups at night")
    for article in printers:
        for user in [AnonymousUser(), world.acme_contact, world.l2]:
            shown = [a.slug for a in article_related(user=user, article=article)]
            assert shown == _searched(user, article), article.slug
    page = _page(printers[0].slug)
    assert "Related articles" in page
    assert "backups-at-night" not in page


def test_an_internal_or_draft_article_is_never_related_for_contacts_or_visitors(world, kb):
    article = _write(kb, "Printer offline", "customers")
    secret = _write(kb, "Printer offline internals", "internal")
    draft = article_create(
        actor=kb.author, section=kb.section, title="Printer offline draft", body="Draft.",
        visibility="public",
    )  # fmt: skip
    for user in [None, world.acme_contact, world.partner_agent]:
        page = _page(article.slug, user)
        assert f"/kb/articles/{secret.slug}/" not in page
        assert f"/kb/articles/{draft.slug}/" not in page
    assert f"/kb/articles/{secret.slug}/" in _page(article.slug, world.l2)


def test_an_archived_article_leaves_the_others_related_lists(world, kb):
    article = _write(kb, "Printer offline")
    gone = _write(kb, "Printer jams")
    assert f"/kb/articles/{gone.slug}/" in _page(article.slug)
    article_archive(actor=kb.author, article=gone)
    assert not RelatedArticle.objects.filter(related=gone).exists()
    assert not RelatedArticle.objects.filter(article=gone).exists()
    assert f"/kb/articles/{gone.slug}/" not in _page(article.slug, world.l2)


def test_changed_tags_rank_an_article_again(world, kb):
    article = _write(kb, "Offline devices")
    toner = _write(kb, "Toner empty")
    assert toner not in article_related(user=world.l2, article=article)
    article_update(
        actor=kb.author, article=article, title="Offline devices", body="About it.", tags=["toner"]
    )
    assert toner in article_related(user=world.l2, article=article)


def test_an_import_leaves_the_ranking_to_a_worker_which_ranks_its_batch_together(
    world, kb, settings, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    files = [
        ImportFile(
            f"printer-{n}.md",
            Source(f"Printer trouble {n}", "Restart it.", f"d{n}"),
            kb.section,
            "public",
        )
        for n in range(6)
    ]
    settings.TASKS = IMMEDIATE
    # The import itself searches nothing: its statements do not grow with related articles.
    with django_capture_on_commit_callbacks() as committed, django_assert_max_num_queries(20):
        outcomes = articles_import(files=files)
    imported = [outcome.article for outcome in outcomes]
    assert not RelatedArticle.objects.filter(article__in=imported).exists()
    # The worker's task: one search per article, then one DELETE and one INSERT.
    with django_assert_max_num_queries(4 + 2 * len(files)):
        for callback in committed:
            callback()
    for article in imported:
        related = set(article_related(user=None, article=article))
        assert len(related) == min(RELATED, len(imported) - 1)
        assert related <= set(imported)


def test_the_article_page_reads_its_related_articles_in_one_query(
    world, kb, django_assert_num_queries
):
    article = _write(kb, "Printer offline")
    _write(kb, "Printer jams")
    article_related(user=world.acme_contact, article=article)  # their principal, once a request
    with django_assert_num_queries(1):
        assert article_related(user=world.acme_contact, article=article)
    # The article, its view counted, its related articles, its files, its products.
    with django_assert_num_queries(5):
        Client().get(f"/kb/articles/{article.slug}/")
