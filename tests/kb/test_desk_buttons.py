"""The desk's article page: a reviewer of the section confirms a live article is still right
("Verified"), and the editor sets the products an article applies to and whether only readers
entitled to one of them read it."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from tierdesk.core.clock import now
from tierdesk.crm.models import Product
from tierdesk.kb.models import Article, Visibility
from tierdesk.kb.selectors import stale_list


def _client(world, persona):
    client = Client()
    client.force_login(world.persona(persona))
    return client


def _form(article, **changes):
    data = {
        "section": article.section_id, "title": "Printer setup", "summary": "",
        "body": "Plug it in.", "visibility": Visibility.CUSTOMERS, "tags": "",
    }  # fmt: skip
    return {**data, **changes}


def test_a_reviewer_verifies_a_stale_article_with_the_verified_button(world, kb):
    article = kb.published[Visibility.PUBLIC]
    article.verify_by = now() - timedelta(days=3)
    article.save(update_fields=["verify_by"])
    reviewer = _client(world, "l1_other")
    assert [a.slug for a in stale_list(user=kb.reviewer)] == [article.slug]

    page = reviewer.get(f"/desk/kb/articles/{article.slug}/").content.decode()
    assert 'id="verify-button"' in page
    response = reviewer.post(f"/desk/kb/articles/{article.slug}/verify/", follow=True)

    assert "Verified: the next re-verification" in response.content.decode()
    article.refresh_from_db()
    assert article.verify_by > now() + timedelta(days=300)
    assert stale_list(user=kb.reviewer) == []


def test_only_a_reviewer_of_the_section_sees_and_uses_the_button(world, kb):
    live = kb.published[Visibility.PUBLIC]
    for persona in ["l1", "l2"]:  # the author has no reviewer permission; l2 is no reviewer
        client = _client(world, persona)
        assert (
            'id="verify-button"'
            not in client.get(f"/desk/kb/articles/{live.slug}/").content.decode()
        )
        assert client.post(f"/desk/kb/articles/{live.slug}/verify/").status_code == 400
    reviewer = _client(world, "l1_other")
    draft_page = reviewer.get(f"/desk/kb/articles/{kb.in_review.slug}/").content.decode()
    assert 'id="verify-button"' not in draft_page  # nothing live to verify
    assert reviewer.post(f"/desk/kb/articles/{kb.in_review.slug}/verify/").status_code == 400
    assert (
        _client(world, "acme_contact").post(f"/desk/kb/articles/{live.slug}/verify/").status_code
        == 404
    )


def test_the_editor_sets_products_and_entitled_readers_only(world, kb):
    scanner = Product.objects.create(name="Scanner", slug="scanner")
    printer = Product.objects.create(name="Printer", slug="printer")
    author = _client(world, "l1")
    edit = author.get(f"/desk/kb/articles/{kb.draft.slug}/edit/").content.decode()
    assert 'name="products"' in edit and 'name="entitled_only"' in edit

    saved = author.post(
        f"/desk/kb/articles/{kb.draft.slug}/edit/",
        _form(kb.draft, products=[scanner.pk, printer.pk], entitled_only="on"),
    )
    assert saved.status_code == 302
    article = Article.objects.get(pk=kb.draft.pk)
    assert article.entitled_only is True
    assert set(article.products.all()) == {scanner, printer}
    page = author.get(f"/desk/kb/articles/{article.slug}/").content.decode()
    assert "Printer, Scanner" in page and "entitled readers only" in page

    author.post(f"/desk/kb/articles/{article.slug}/edit/", _form(article, products=[printer.pk]))
    article.refresh_from_db()
    assert article.entitled_only is False
    assert list(article.products.all()) == [printer]


def test_a_new_article_is_written_with_its_products(world, kb):
    scanner = Product.objects.create(name="Scanner", slug="scanner")
    response = _client(world, "l1").post(
        "/desk/kb/new/", _form(kb.draft, title="Scanner jams", products=[scanner.pk],
                               entitled_only="on"),
    )  # fmt: skip
    assert response.status_code == 302
    article = Article.objects.get(slug="scanner-jams")
    assert (article.entitled_only, list(article.products.all())) == (True, [scanner])
