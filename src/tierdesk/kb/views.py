"""The public help centre (``/kb/``): sections, articles and search, for anybody; and the
answers offered before a ticket is opened (suggestions, "This solved my problem").

Each page shows what its visitor may read (``selectors`` start from ``policies.visible``):
anonymous visitors the public articles, signed-in contacts and agents more. An article one may
not read is a 404, on every URL here.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.attachments import file_response
from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.core.text import MAX_SEARCH
from tierdesk.kb import search as kb_search
from tierdesk.kb import selectors, services
from tierdesk.kb.models import Article, Section
from tierdesk.kb.rendering import with_files

SEARCH_RESULTS = 20
SUGGEST_CHARS = 500  # of subject and description: enough words to find an article


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


def _readable(request: HttpRequest, slug: str) -> Article:
    try:
        return selectors.article_get(user=request.user, slug=slug)
    except NotFound as error:
        raise Http404(error.message) from error


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = _readable(request, slug)
    services.article_viewed(article=found)
    return _article_page(request, found)


def _article_page(request: HttpRequest, found: Article, **extra: object) -> HttpResponse:
    trail = [found.section.parent, found.section] if found.section.parent_id else [found.section]
    revision = found.published_revision
    assert revision is not None  # article_get answers published articles only
    files = selectors.article_files(user=request.user, article=found, live=True)
    context = {
        "article": found,
        "revision": revision,
        "body_html": with_files(revision.body_html, files, lambda name: _file_url(found, name)),
        "files": files,
        "products": list(found.products.all()),
        "trail": trail,
        "related": selectors.article_related(user=request.user, article=found),
        **extra,
    }
    return render(request, "kb/article.html", context)


def _file_url(article: Article, name: str) -> str:
    return reverse("kb:file", args=[article.slug, name])


@require_GET
def file_download(request: HttpRequest, slug: str, name: str) -> FileResponse:
    """One of the article's files as its readers have it (those of the live revision): a
    download, or an image shown inline; 404 to whoever may not read the article."""
    found = _readable(request, slug)
    try:
        attachment = selectors.article_file(
            user=request.user, article=found, filename=name, live=True
        )
    except NotFound as error:
        raise Http404(error.message) from error
    return file_response(
        attachment.file, filename=attachment.filename, content_type=attachment.content_type,
        size=attachment.size, inline_image=attachment.image_type,
    )  # fmt: skip


@require_POST
def feedback(request: HttpRequest, slug: str, answer: str) -> HttpResponse:
    """ "Was this helpful?": ``yes`` or ``no`` (in the URL), with an optional comment."""
    found = _readable(request, slug)
    if answer not in {"yes", "no"}:
        raise Http404("No such answer.")
    error = ""
    try:
        services.feedback_record(
            actor=request.user, article=found, helpful=answer == "yes",
            comment=request.POST.get("comment", ""),
        )  # fmt: skip
    except TierdeskError as exc:
        error = exc.message
    status = 400 if error else 200
    extra = {"feedback_error": error, "thanked": not error}
    if getattr(request, "htmx", False):
        context = {"article": found, **extra}
        return render(request, "kb/article.html#feedback", context, status=status)
    response = _article_page(request, found, **extra)
    response.status_code = status
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:MAX_SEARCH]
    results = selectors.article_search(user=request.user, q=q, limit=SEARCH_RESULTS)
    hits = [(a, kb_search.snippet(_text_of(a), q)) for a in results]
    return render(request, "kb/search.html", {"q": q, "hits": hits})


def _text_of(article: Article) -> str:
    revision = article.published_revision
    return f"{revision.summary}\n{revision.body}" if revision else ""


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Up to five articles for what a contact is typing in the new-ticket form (htmx)."""
    q = _typed(request)
    results = selectors.article_suggest(user=request.user, q=q) if q.strip() else []
    return render(request, "kb/_suggestions.html", {"results": results, "q": q})


def _typed(request: HttpRequest) -> str:
    subject = request.GET.get("subject", "")[:SUGGEST_CHARS]
    body = request.GET.get("body", "")[:SUGGEST_CHARS]
    return f"{subject} {body}".strip()[:SUGGEST_CHARS]


@require_POST
def solved(request: HttpRequest, slug: str) -> HttpResponse:
    """ "This solved my problem": counts a deflection; no ticket is opened."""
    found = _readable(request, slug)
    try:
        services.deflection_record(
            actor=request.user, article=found, query=request.POST.get("q", "")[:SUGGEST_CHARS]
        )
    except TierdeskError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    if getattr(request, "htmx", False):
        return render(request, "kb/_suggestions.html#solved", {"article": found})
    return _article_page(request, found, solved=True)
