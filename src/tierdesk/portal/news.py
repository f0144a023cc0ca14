"""The public news pages and their Atom feed (M1): news, announcements and release notes.

Everything published is public (``selectors.announcement_list``); ``?kind=`` narrows the page and
the feed to one kind.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET

from tierdesk.core.errors import NotFound
from tierdesk.portal import selectors
from tierdesk.portal.models import Announcement, NewsKind

FEED_ITEMS = 50


def _kind(request: HttpRequest) -> str:
    """The kind asked for; an unknown one is none (every kind)."""
    kind = request.GET.get("kind", "")
    return kind if kind in NewsKind.values else ""


@require_GET
def news(request: HttpRequest) -> HttpResponse:
    kind = _kind(request)
    context = {
        "news": selectors.announcement_list(kind=kind),
        "kind": kind,
        "kinds": NewsKind.choices,
        "kind_label": NewsKind(kind).label if kind else "",
    }
    return render(request, "portal/news.html", context)


@require_GET
def news_item(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = selectors.announcement_get(pk=pk)
    except NotFound as error:
        raise Http404(error.message) from None
    return render(request, "portal/news_item.html", {"item": item})


class NewsFeed(Feed[Announcement, str]):
    """``/news/feed/``: the newest published items as Atom (``?kind=`` for one kind)."""

    feed_type = Atom1Feed
    title = "Tierdesk news"
    subtitle = "News, announcements and release notes."

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> str:
        return _kind(request)

    def link(self, kind: str) -> str:
        return reverse("portal:news") + (f"?kind={kind}" if kind else "")

    def items(self, kind: str) -> list[Announcement]:
        return selectors.announcement_feed(limit=FEED_ITEMS, kind=kind)

    def item_title(self, item: Announcement) -> str:
        return f"{item.get_kind_display()}: {item.title}"

    def item_description(self, item: Announcement) -> str:
        return item.body_html  # rendered and sanitised when saved (services.announcement_save)

    def item_pubdate(self, item: Announcement) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Announcement) -> datetime | None:
        return item.published_at

    def item_categories(self, item: Announcement) -> list[str]:
        return [item.get_kind_display()]


news_feed = NewsFeed()
