"""The public help centre (``/kb/``): sections, articles and search, for anybody.

Each page shows what its visitor may read (``selectors`` start from ``policies.visible``):
anonymous visitors the public articles, signed-in contacts and agents more.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.core.errors import NotFound
from tierdesk.core.text import MAX_SEARCH
from tierdesk.kb import selectors
from tierdesk.kb.models import Section

SEARCH_RESULTS = 20


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    sections = selectors.section_tree()
    roots = [s for s in sections if s.parent_id is None]
    children = {s.pk: [c for c in sections if c.parent_id == s.pk] for s in roots}
    tree = [(root, children[root.pk]) for root in roots]
    return render(request, "kb/home.html", {"tree": tree})


@require_GET
def section(request: HttpRequest, slug: str) -> HttpResponse:
    found = Section.objects.select_related("parent").filter(slug=slug).first()
    if found is None:
        raise Http404("No such section.")
    context = {
        "section": found,
        "children": list(found.children.all()),
        "articles": list(selectors.article_list(user=request.user, section=found)),
    }
    return render(request, "kb/section.html", context)


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        found = selectors.article_get(user=request.user, slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error
    trail = [found.section.parent, found.section] if found.section.parent_id else [found.section]
    context = {"article": found, "revision": found.published_revision, "trail": trail}
    return render(request, "kb/article.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:MAX_SEARCH]
    results = selectors.article_search(user=request.user, q=q, limit=SEARCH_RESULTS)
    return render(request, "kb/search.html", {"q": q, "results": results})
