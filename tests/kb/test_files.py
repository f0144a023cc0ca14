"""An article's files and images: authors add them in the desk's editor and over the API; the
article's pages list them and show images where the text names them; readers get the files of
the live revision only, and nobody gets a file of an article they may not read."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.conftest import PERSONAS
from tests.kb.conftest import publish
from tierdesk.core.clock import now
from tierdesk.crm.models import Product, Subscription
from tierdesk.kb import policies
from tierdesk.kb.models import Article, ArticleAttachment, State, Visibility
from tierdesk.kb.services import (
    article_file_add,
    article_file_remove,
    article_submit,
    article_update,
    review_approve,
)
from tierdesk.sla.models import Plan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7 the installation guide"
EVERYONE = [None, *PERSONAS]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _client(world, persona):
    client = Client()
    if persona:
        client.force_login(world.persona(persona))
    return client


def _add(kb, article, name, data):
    return article_file_add(
        actor=kb.author, article=article, stream=io.BytesIO(data), filename=name
    )


def _republish(article):
    """Publish again (the fixtures' shortcut): the files added so far go live."""
    article.updated_at = now()
    return publish(article)


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_an_author_adds_files_in_the_editor_and_the_desk_page_shows_the_image_inline(world, kb):
    article_update(
        actor=kb.author, article=kb.draft, title="Draft public",
        body="See the diagram:\n\n![Network diagram](diagram.png)\n\n[The guide](guide.pdf)",
    )  # fmt: skip
    author = _client(world, "l1")
    for name, data in [("diagram.png", PNG), ("guide.pdf", PDF)]:
        upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
        response = author.post(f"/desk/kb/articles/{kb.draft.slug}/files/", {"file": upload})
        assert response.status_code == 302

    editor = author.get(f"/desk/kb/articles/{kb.draft.slug}/edit/").content.decode()
    assert "diagram.png" in editor and "guide.pdf" in editor
    page = author.get(f"/desk/kb/articles/{kb.draft.slug}/").content.decode()
    base = f"/desk/kb/articles/{kb.draft.slug}/files/"
    assert f'<img src="{base}diagram.png" alt="Network diagram">' in page
    assert f'href="{base}guide.pdf"' in page
    image = author.get(f"{base}diagram.png")
    assert image["Content-Type"] == "image/png"
    assert image["Content-Disposition"].startswith("inline;")
    assert _content(image) == PNG
    guide = author.get(f"{base}guide.pdf")
    assert guide["Content-Disposition"].startswith('attachment; filename="guide.pdf"')
    assert guide["X-Content-Type-Options"] == "nosniff"
    assert _content(guide) == PDF


def test_readers_get_the_files_of_the_live_revision_until_a_reviewer_publishes(world, kb):
    article = kb.published[Visibility.PUBLIC]
    article_update(
        actor=kb.author, article=article, title="Published public", body="![Shot](shot.png)"
    )
    article_submit(actor=kb.author, article=article)
    review_approve(actor=kb.reviewer, article=article)
    _add(kb, article, "shot.png", PNG)
    article.refresh_from_db()
    assert article.state == State.DRAFT  # a new file needs a review, as a new text does
    visitor = Client()
    url = f"/kb/articles/{article.slug}/files/shot.png"
    assert visitor.get(url).status_code == 404
    before = visitor.get(f"/kb/articles/{article.slug}/").content.decode()
    assert 'id="article-files"' not in before and f'src="{url}"' not in before

    article_submit(actor=kb.author, article=article)
    review_approve(actor=kb.reviewer, article=article)
    page = visitor.get(f"/kb/articles/{article.slug}/").content.decode()
    assert f'<img src="{url}" alt="Shot">' in page
    assert 'id="article-files"' in page
    image = visitor.get(url)
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")

    article_file_remove(actor=kb.author, article=article, filename="shot.png")
    assert visitor.get(url).status_code == 200  # still live until the next publication
    article.refresh_from_db()
    article_submit(actor=kb.author, article=article)
    review_approve(actor=kb.reviewer, article=article)
    assert visitor.get(url).status_code == 404


def test_a_file_of_the_same_name_replaces_the_old_one_for_what_comes_next(world, kb):
    _add(kb, kb.draft, "guide.pdf", PDF)
    _add(kb, kb.draft, "guide.pdf", b"%PDF second edition")
    response = _client(world, "l1").get(f"/desk/kb/articles/{kb.draft.slug}/files/guide.pdf")
    assert _content(response) == b"%PDF second edition"
    assert ArticleAttachment.objects.filter(article=kb.draft).count() == 2  # rows never change


def test_a_hostile_file_name_or_an_image_that_is_not_one_cannot_run(world, kb):
    _add(kb, kb.draft, "a&b.png", b"<svg onload=alert(1)>")
    _add(kb, kb.draft, '<img src=x onerror=alert(1)>".png', b"x")
    article_update(actor=kb.author, article=kb.draft, title="Draft public", body="![x](a&b.png)")
    author = _client(world, "l1")
    page = author.get(f"/desk/kb/articles/{kb.draft.slug}/").content.decode()
    assert f'<img src="/desk/kb/articles/{kb.draft.slug}/files/a&amp;b.png" alt="x">' in page
    assert re.search(r"<[a-z]+[^>]*\son[a-z]+=", page) is None  # no tag carries a handler
    served = author.get(f"/desk/kb/articles/{kb.draft.slug}/files/a%26b.png")
    assert served["Content-Disposition"].startswith("attachment;")  # its bytes are no image
    assert served["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_only_authors_of_the_article_add_or_remove_files(world, kb):
    contact, l2 = _client(world, "acme_contact"), _client(world, "l2")
    upload = SimpleUploadedFile("x.txt", b"x")
    assert (
        contact.post(f"/desk/kb/articles/{kb.draft.slug}/files/", {"file": upload}).status_code
        == 404
    )
    live = kb.published[Visibility.PUBLIC]
    refused = l2.post(f"/desk/kb/articles/{live.slug}/files/", {"file": upload})
    assert refused.status_code == 400  # l2 reads it, may not write
    assert not ArticleAttachment.objects.exists()
    nothing = _client(world, "l1").post(f"/desk/kb/articles/{kb.draft.slug}/files/", {})
    assert nothing.status_code == 400 and "Choose a file" in nothing.content.decode()


# ---- every persona over every article's files ------------------------------------------------


@pytest.fixture
def filed(world, kb):
    """One file on every article (published ones republished with it); the customers' article
    is for Scanner subscribers only (Acme)."""
    scanner = Product.objects.create(name="Scanner", slug="scanner")
    plan = Plan.objects.order_by("id").first()
    Subscription.objects.create(
        organization=world.acme, plan=plan, product=scanner, starts_on=timezone.localdate()
    )
    customers = kb.published[Visibility.CUSTOMERS]
    customers.entitled_only = True
    customers.save()
    customers.products.set([scanner])
    for article in Article.objects.all():
        _add(kb, article, f"{article.slug}.png", PNG)
        if article.published_revision_id:
            _republish(article)
    return {a.slug: a for a in Article.objects.all()}


def _slugs(world, persona, action):
    user = world.persona(persona) if persona else None
    return set(policies.visible(user, action, Article.objects.all()).values_list("slug", flat=True))


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_file_url_answers_only_those_who_may_read_its_article(world, kb, filed, persona):
    client = _client(world, persona)
    readable = _slugs(world, persona, policies.READ)
    viewable = _slugs(world, persona, policies.VIEW)
    agent = persona in {"l1", "l1_other", "l2", "l3", "manager", "admin", "partner_agent",
                        "other_partner_agent"}  # fmt: skip
    for slug in filed:
        help_centre = client.get(f"/kb/articles/{slug}/files/{slug}.png")
        assert help_centre.status_code == (200 if slug in readable else 404), slug
        desk = client.get(f"/desk/kb/articles/{slug}/files/{slug}.png")
        expected = 200 if agent and slug in viewable else 302 if persona is None else 404
        assert desk.status_code == expected, slug
        remove = client.post(f"/desk/kb/articles/{slug}/files/{slug}.png/remove/")
        assert remove.status_code in ({302, 400} if agent and slug in viewable else {302, 404})
    if persona is None:
        assert kb.published[Visibility.CUSTOMERS].slug not in readable
    if persona and persona.endswith(("_contact", "_colleague")):
        assert kb.published[Visibility.INTERNAL].slug not in readable
        assert kb.draft.slug not in readable
    if persona == "globex_contact":  # no Scanner subscription
        assert kb.published[Visibility.CUSTOMERS].slug not in readable


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_files_api_answers_only_those_who_may_see_the_article(
    world, kb, filed, api_as, persona
):
    api = api_as(persona)
    user = world.persona(persona)
    viewable = _slugs(world, persona, policies.VIEW)
    for slug, article in filed.items():
        listed = api.get(f"/api/v1/kb/articles/{slug}/attachments")
        assert listed.status_code == (200 if slug in viewable else 404), slug
        row = ArticleAttachment.objects.get(article=article)
        download = api.get(f"/api/v1/kb/articles/{slug}/attachments/{row.pk}/download")
        assert download.status_code == (200 if slug in viewable else 404), slug
        if listed.status_code == 200:
            assert [f["filename"] for f in listed.json()] == [f"{slug}.png"]
            assert _content(download) == PNG
        upload = SimpleUploadedFile("new.txt", b"new")
        added = api.upload(f"/api/v1/kb/articles/{slug}/attachments", {"file": upload})
        may_write = policies.can(user, policies.AUTHOR, article)
        assert added.status_code == (201 if may_write else 403 if slug in viewable else 404)


def test_an_author_uploads_lists_and_removes_files_over_the_api(world, kb, api_as):
    api = api_as("l1")
    slug = kb.draft.slug
    upload = SimpleUploadedFile("diagram.png", PNG, content_type="image/png")
    added = api.upload(f"/api/v1/kb/articles/{slug}/attachments", {"file": upload})
    assert added.status_code == 201
    body = added.json()
    assert (body["filename"], body["image"], body["size"]) == ("diagram.png", True, len(PNG))
    assert [f["id"] for f in api.get(f"/api/v1/kb/articles/{slug}/attachments").json()] == [
        body["id"]
    ]
    gone = api.client.delete(
        f"/api/v1/kb/articles/{slug}/attachments/{body['id']}", headers=api.headers
    )
    assert gone.status_code == 204
    assert api.get(f"/api/v1/kb/articles/{slug}/attachments").json() == []


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(world, kb, api_as, settings):
    settings.TIERDESK_ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.log", b"x" * 11)
    refused = api_as("l1").upload(
        f"/api/v1/kb/articles/{kb.draft.slug}/attachments", {"file": upload}
    )
    assert refused.status_code in {400, 413}
    assert not ArticleAttachment.objects.exists()
