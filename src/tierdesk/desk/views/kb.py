"""Knowledge-base authoring and review in the desk (M4), and the composer's article search.

Draft -> in review -> published -> archived, through ``kb.services`` (which check who may do
what); these pages parse, call one service and render. An article the agent may not see is a
404 (``agent_page``); one they may see but not change shows the service's refusal.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.attachments import file_response
from tierdesk.core.errors import TierdeskError
from tierdesk.core.text import MAX_BODY, MAX_SEARCH, MAX_SUBJECT, parse_int
from tierdesk.crm.models import Product
from tierdesk.crm.versions import version_lines
from tierdesk.desk import forms as desk_forms
from tierdesk.desk.views.base import agent_page, form_error
from tierdesk.kb import policies as kb_policies
from tierdesk.kb import selectors as kb
from tierdesk.kb import services as kb_services
from tierdesk.kb.models import MAX_VERSIONS, Article, Section, State, Visibility
from tierdesk.kb.rendering import with_files
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.domain import Action

COMPOSER_RESULTS = 8
TRANSITIONS = {"submit", "approve", "request_changes", "archive", "verify"}


class ArticleForm(forms.Form):
    section = forms.ModelChoiceField(queryset=Section.objects.order_by("parent_id", "position"))
    title = forms.CharField(max_length=MAX_SUBJECT)
    summary = forms.CharField(max_length=kb_services.MAX_SUMMARY, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 16}), max_length=MAX_BODY)
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.INTERNAL)
    tags = forms.CharField(required=False, help_text="Separated by commas.")
    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text="The products the article applies to.",
    )  # fmt: skip
    versions = forms.CharField(
        required=False, max_length=MAX_VERSIONS,
        help_text="The versions of its products it applies to, as version lines separated by "
        "commas: 2, 3.1 is 2.x and 3.1.x. Empty: every version.",
    )  # fmt: skip
    entitled_only = forms.BooleanField(
        required=False, label="Only for readers entitled to one of its products",
        help_text="Contacts and partners read it only with an active subscription for one of "
        "its products; agents always do.",
    )  # fmt: skip

    def product_ids(self) -> list[int]:
        return [product.pk for product in self.cleaned_data["products"]]

    def tag_list(self) -> list[str]:
        return [t for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def version_list(self) -> list[str]:
        return version_lines(self.cleaned_data["versions"])


@agent_page
@require_GET
def kb_home(request: HttpRequest) -> HttpResponse:
    """The agent's knowledge base: what awaits their review, every article they may see (by
    state), and the stale ones."""
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    context = {
        "review": list(kb.review_queue(user=request.user)[:50]),
        "articles": list(kb.work_list(user=request.user, state=state)[:200]),
        "stale": kb.stale_list(user=request.user)[:50],
        "state": state,
        "states": State.choices,
        "may_author": kb_policies.is_author(request.user),
    }
    return render(request, "desk/kb/home.html", context)


@agent_page
def kb_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = kb_services.article_create(
                actor=request.user, section=data["section"], title=data["title"],
                body=data["body"], summary=data["summary"], visibility=data["visibility"],
                tags=form.tag_list(), product_ids=form.product_ids(),
                entitled_only=data["entitled_only"], versions=form.version_list(),
            )  # fmt: skip
        except TierdeskError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("desk:kb_article", slug=article.slug)
    status = 422 if form.is_bound else 200
    return render(request, "desk/kb/edit.html", {"form": form, "article": None}, status=status)


@agent_page
@require_GET
def kb_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = kb.work_get(user=request.user, slug=slug)
    return render(request, "desk/kb/article.html", _article_context(request, article))


def _article_context(request: HttpRequest, article: Any, **extra: Any) -> dict[str, Any]:
    user = request.user
    latest = kb.shown_revision(user=user, article=article)
    ticket_ids = kb.linked_ticket_ids(article=article)
    tickets = list(ticket_selectors.ticket_list(user=user).filter(pk__in=ticket_ids)[:20])
    files = kb.article_files(user=user, article=article)
    return {
        "article": article,
        "latest": latest,
        "body_html": with_files(latest.body_html, files, lambda name: _file_url(article, name)),
        "files": files,
        "products": list(article.products.all()),
        "may_verify": kb_services.may_verify(user, article),
        "revisions": kb.revisions_of(user=user, article=article),
        "may_author": kb_policies.can(user, kb_policies.AUTHOR, article),
        "may_review": kb_policies.can(user, kb_policies.REVIEW, article)
        and latest.author_id != user.pk,
        "helpful_share": kb.helpful_share(article),
        "tickets": tickets,
        "ticket_total": len(ticket_ids),
        **extra,
    }


@agent_page
def kb_edit(request: HttpRequest, slug: str) -> HttpResponse:
    article = kb.work_get(user=request.user, slug=slug)
    if not kb.sees_work(request.user, article):
        raise Http404("No such article.")
    form = _edit_form(article, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kb_services.article_update(
                actor=request.user, article=article, title=data["title"], body=data["body"],
                summary=data["summary"], visibility=data["visibility"], tags=form.tag_list(),
                section=data["section"], product_ids=form.product_ids(),
                entitled_only=data["entitled_only"], versions=form.version_list(),
            )  # fmt: skip
        except TierdeskError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "A new draft revision is saved.")
            return redirect("desk:kb_article", slug=article.slug)
    return _edit_page(request, article, form, status=422 if form.is_bound else 200)


def _edit_form(article: Article, data: Any = None) -> ArticleForm:
    """The editor's form, filled with the newest revision and the article's settings."""
    latest = kb.latest_revision(article=article)
    initial = {
        "section": article.section_id, "title": latest.title, "summary": latest.summary,
        "body": latest.body, "visibility": article.visibility, "tags": ", ".join(article.tags),
        "products": list(article.products.all()), "entitled_only": article.entitled_only,
        "versions": ", ".join(article.version_lines),
    }  # fmt: skip
    return ArticleForm(data, initial=initial)


def _edit_page(
    request: HttpRequest, article: Article, form: ArticleForm, *, status: int = 200,
    file_error: str = "",
) -> HttpResponse:  # fmt: skip
    context = {
        "form": form, "article": article, "file_error": file_error,
        "files": kb.article_files(user=request.user, article=article, live=False),
    }  # fmt: skip
    return render(request, "desk/kb/edit.html", context, status=status)


@agent_page
@require_POST
def kb_transition(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """Submit for review, approve, request changes (with a comment) or archive."""
    article = kb.work_get(user=request.user, slug=slug)
    if name not in TRANSITIONS:
        return _refused(request, article, "Unknown action.")
    comment = request.POST.get("comment", "")
    try:
        if name == "submit":
            kb_services.article_submit(actor=request.user, article=article)
        elif name == "approve":
            kb_services.review_approve(actor=request.user, article=article, comment=comment)
        elif name == "request_changes":
            kb_services.review_request_changes(actor=request.user, article=article, comment=comment)
        elif name == "verify":
            kb_services.article_verify(actor=request.user, article=article)
        else:
            kb_services.article_archive(actor=request.user, article=article)
    except TierdeskError as exc:
        return _refused(request, article, exc.message)
    done = {
        "submit": "Sent for review.", "approve": "Published.",
        "request_changes": "Changes requested; the author is notified.", "archive": "Archived.",
        "verify": "Verified: the next re-verification is due in the section's interval.",
    }  # fmt: skip
    messages.success(request, done[name])
    return redirect("desk:kb_article", slug=article.slug)


def _refused(request: HttpRequest, article: Any, message: str) -> HttpResponse:
    context = _article_context(request, article, error=message)
    return render(request, "desk/kb/article.html", context, status=400)


# ---- an article's files and images ------------------------------------------------------------


def _file_url(article: Article, name: str) -> str:
    return reverse("desk:kb_file", args=[article.slug, name])


@agent_page
@require_GET
def kb_file(request: HttpRequest, slug: str, name: str) -> FileResponse:
    """One of the article's files as the agent sees the article: its workers the current files,
    other agents those of the live revision."""
    article = kb.work_get(user=request.user, slug=slug)
    attachment = kb.article_file(user=request.user, article=article, filename=name)
    return file_response(
        attachment.file, filename=attachment.filename, content_type=attachment.content_type,
        size=attachment.size, inline_image=attachment.image_type,
    )  # fmt: skip


@agent_page
@require_POST
def kb_file_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a file or an image to the article (its authors); back to the editor."""
    article = kb.work_get(user=request.user, slug=slug)
    upload = request.FILES.get("file")
    name = (upload.name or "") if upload else ""
    try:
        attachment = kb_services.article_file_add(
            actor=request.user, article=article, stream=upload, filename=name,
            content_type=(upload.content_type or "") if upload else "",
        )  # fmt: skip
    except TierdeskError as exc:
        return _file_refused(request, article, exc.message)
    messages.success(request, f"{attachment.filename} is added to the draft.")
    return redirect("desk:kb_edit", slug=article.slug)


@agent_page
@require_POST
def kb_file_remove(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    article = kb.work_get(user=request.user, slug=slug)
    try:
        kb_services.article_file_remove(actor=request.user, article=article, filename=name)
    except TierdeskError as exc:
        return _file_refused(request, article, exc.message)
    messages.success(request, f"{name} is removed from the draft.")
    return redirect("desk:kb_edit", slug=article.slug)


def _file_refused(request: HttpRequest, article: Article, message: str) -> HttpResponse:
    if not kb.sees_work(request.user, article):
        return _refused(request, article, message)  # no editor for them: the article page
    return _edit_page(request, article, _edit_form(article), status=400, file_error=message)


@agent_page
@require_POST
def kb_restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    article = kb.work_get(user=request.user, slug=slug)
    try:
        revision = kb_services.revision_restore(actor=request.user, article=article, number=number)
    except TierdeskError as exc:
        return _refused(request, article, exc.message)
    messages.success(request, f"Revision {number} restored as draft revision {revision.number}.")
    return redirect("desk:kb_article", slug=article.slug)


@agent_page
@require_GET
def kb_diff(request: HttpRequest, slug: str) -> HttpResponse:
    article = kb.work_get(user=request.user, slug=slug)
    if not kb.sees_work(request.user, article):
        raise Http404("No such article.")
    latest = kb.latest_revision(article=article).number
    old = parse_int(request.GET.get("old", ""), low=1) or max(1, latest - 1)
    new = parse_int(request.GET.get("new", ""), low=1) or latest
    lines = kb.revision_diff(article=article, old=old, new=new)  # NotFound: 404
    context = {"article": article, "old": old, "new": new, "lines": lines, "latest": latest}
    return render(request, "desk/kb/diff.html", context)


# ---- the ticket composer: find an article and insert its link ---------------------------------


@agent_page
@require_GET
def kb_compose_search(request: HttpRequest) -> HttpResponse:
    """Articles for the composer's search box (htmx), as far as the agent may read."""
    ticket = ticket_selectors.ticket_get(user=request.user, reference=request.GET.get("ticket", ""))
    q = request.GET.get("kb_q", "")[:MAX_SEARCH]
    results = kb.article_search(user=request.user, q=q, limit=COMPOSER_RESULTS) if q else []
    context = {"ticket": ticket, "results": results, "q": q}
    return render(request, "desk/kb/_composer_search.html#results", context)


@agent_page
@require_POST
def kb_compose_insert(request: HttpRequest) -> HttpResponse:
    """The composer's text with the article's link appended; the ticket records the article."""
    ticket = ticket_selectors.ticket_get(
        user=request.user, reference=request.POST.get("ticket", ""), action=Action.REPLY
    )
    article = kb.article_get(user=request.user, slug=request.POST.get("article", "")[:200])
    kb_services.ticket_article_send(actor=request.user, ticket=ticket, article=article)
    revision = article.published_revision
    assert revision is not None  # article_get answers published articles only
    link = request.build_absolute_uri(reverse("kb:article", args=[article.slug]))
    body = f"{request.POST.get('body', '').rstrip()}\n\n[{revision.title}]({link})".lstrip()
    form = desk_forms.ComposerForm(initial={"body": body[:MAX_BODY]})
    return render(request, "desk/ticket.html#composer_body", {"composer": form})
