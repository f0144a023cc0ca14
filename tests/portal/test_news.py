"""The public news: news, announcements and release notes, their pages and their Atom feed."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from tierdesk.core.clock import now
from tierdesk.portal.models import Announcement, NewsKind
from tierdesk.portal.services import announcement_save

ATOM = "{http://www.w3.org/2005/Atom}"


def _item(title: str, kind: str = NewsKind.NEWS, published: object = "now") -> Announcement:
    at = now() if published == "now" else published
    return announcement_save(
        announcement=Announcement(
            title=title, kind=kind, body=f"About **{title}**.", published_at=at
        )
    )


@pytest.fixture
def news(db):
    return {
        "news": _item("Office move"),
        "announcement": _item("Maintenance on Sunday", NewsKind.ANNOUNCEMENT),
        "release": _item("Release 4.2", NewsKind.RELEASE_NOTES),
        "draft": _item("Secret draft", published=None),
        "future": _item("Next week's release", NewsKind.RELEASE_NOTES, now() + timedelta(days=7)),
    }


def test_anonymous_visitors_see_every_published_kind_and_nothing_unpublished(news, client_as):
    html = client_as(None).get("/news/").content.decode()
    for title in ["Office move", "Maintenance on Sunday", "Release 4.2"]:
        assert title in html
    assert "Secret draft" not in html and "Next week" not in html


def test_the_page_narrows_to_one_kind(news, client_as):
    html = client_as(None).get("/news/?kind=release_notes").content.decode()
    assert "Release 4.2" in html
    assert "Office move" not in html and "Maintenance on Sunday" not in html
    every = client_as(None).get("/news/?kind=nonsense").content.decode()
    assert "Office move" in every  # an unknown kind is every kind


def test_a_published_item_has_its_page_and_an_unpublished_one_is_not_found(news, client_as):
    client = client_as(None)
    page = client.get(f"/news/{news['release'].pk}/")
    assert page.status_code == 200 and "<strong>Release 4.2</strong>" in page.content.decode()
    assert client.get(f"/news/{news['draft'].pk}/").status_code == 404
    assert client.get(f"/news/{news['future'].pk}/").status_code == 404


def _feed(client, query: str = "") -> ElementTree.Element:
    response = client.get(f"/news/feed/{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def test_the_feed_is_atom_with_the_published_items_newest_first(news, client_as):
    feed = _feed(client_as(None))
    assert feed.tag == f"{ATOM}feed"
    for required in ["id", "title", "updated"]:
        assert feed.find(f"{ATOM}{required}") is not None
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles == [
        "Release notes: Release 4.2", "Announcement: Maintenance on Sunday", "News: Office move"
    ]  # fmt: skip
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
        link = entry.find(f"{ATOM}link")
        assert link is not None and "/news/" in link.get("href", "")
    summary = entries[0].find(f"{ATOM}summary")
    assert summary is not None and summary.get("type") == "html"
    assert "<strong>Release 4.2</strong>" in (summary.text or "")


def test_the_feed_of_one_kind_has_only_that_kind(news, client_as):
    entries = _feed(client_as(None), "?kind=announcement").findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Announcement: Maintenance on Sunday"]


def test_signed_in_people_read_the_same_public_news(news, client_as):
    for persona in ["acme_contact", "l1"]:
        titles = [
            e.findtext(f"{ATOM}title") for e in _feed(client_as(persona)).iter(f"{ATOM}entry")
        ]
        assert len(titles) == 3 and not any("draft" in t.lower() for t in titles)
