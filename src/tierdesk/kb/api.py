"""Knowledge-base articles over HTTP: read, search and suggest, as far as the caller may read;
write and review for the roles ``kb.policies`` allows (through ``kb.services``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.responses import codes_2xx

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import (
    ERRORS,
    Id,
    In,
    PageOut,
    PageParams,
    SearchText,
    Slug,
    paginate,
)
from tierdesk.core.attachments import file_response
from tierdesk.core.errors import InvalidInput
from tierdesk.core.text import MAX_BODY, MAX_REASON, MAX_SUBJECT
from tierdesk.crm.versions import MAX_VERSION
from tierdesk.kb import selectors, services
from tierdesk.kb.models import Article, ArticleAttachment, Section, Visibility

router = Router(tags=["knowledge base"])

SearchLimit = Annotated[int, Field(ge=1, le=selectors.MAX_SEARCH_RESULTS)]
ArticleSlug = Annotated[str, Field(min_length=1, max_length=200)]
Version = Annotated[str, Field(min_length=1, max_length=MAX_VERSION)]
VERSIONS = "Version lines of its products it applies to (2, 3.1: 2.x and 3.1.x); empty: all."


class ArticleOut(Schema):
    slug: str
    title: str
    summary: str
    section: str = Field(description="The section's slug.")
    visibility: str
    tags: list[str]
    versions: list[str] = Field(description=VERSIONS)
    updated_at: datetime | None = Field(description="When the live revision was published.")


class ArticleDetail(ArticleOut):
    body: str = Field(description="Markdown.")
    body_html: str = Field(description="The body rendered and sanitised.")


class ArticlePage(PageOut):
    items: list[ArticleOut]


class SearchHit(ArticleOut):
    score: float = Field(description="Higher is better; comparable within one answer only.")


class SearchOut(Schema):
    items: list[SearchHit]


def article_out(article: Article) -> dict[str, Any]:
    revision = article.published_revision
    assert revision is not None  # readers only ever get published articles
    return {
        "slug": article.slug,
        "title": revision.title,
        "summary": revision.summary,
        "section": article.section.slug,
        "visibility": article.visibility,
        "tags": article.tags,
        "versions": article.version_lines,
        "updated_at": article.published_at,
    }


@router.get("/kb/articles", response={200: ArticlePage, **ERRORS})
def kb_article_list(
    request: ApiRequest, paging: Query[PageParams], section: Slug | None = None,
    product: Slug | None = None, version: Version | None = None,
) -> Any:  # fmt: skip
    """Published articles the caller may read; with ``product`` (a slug) and ``version``
    (2.4), those that apply to them: the product is among theirs or they have none, one of
    their version lines holds the version or they have none."""
    found = selectors.article_list(user=request.auth, product=product or "", version=version or "")
    if section is not None:
        found = found.filter(section__slug=section)
    return paginate(found, paging, article_out)


@router.get("/kb/articles/{slug}", response={200: ArticleDetail, **ERRORS})
def kb_article_get(request: ApiRequest, slug: ArticleSlug) -> Any:
    article = selectors.article_get(user=request.auth, slug=slug)
    revision = article.published_revision
    assert revision is not None
    return {**article_out(article), "body": revision.body, "body_html": revision.body_html}


@router.get("/kb/search", response={200: SearchOut, **ERRORS})
def kb_search(request: ApiRequest, q: SearchText, limit: SearchLimit = 10) -> Any:
    """Articles matching ``q``, best first (title words weigh more than body words)."""
    found = selectors.article_search(user=request.auth, q=q, limit=limit)
    return {"items": [{**article_out(a), "score": getattr(a, "score", 0.0)} for a in found]}


@router.get("/kb/suggest", response={200: SearchOut, **ERRORS})
def kb_suggest(request: ApiRequest, q: SearchText) -> Any:
    """At most five articles for what someone is typing (before they open a ticket)."""
    found = selectors.article_suggest(user=request.auth, q=q)
    return {"items": [{**article_out(a), "score": getattr(a, "score", 0.0)} for a in found]}


# ---- writing and review -------------------------------------------------------------------

Title = Annotated[str, Field(min_length=1, max_length=MAX_SUBJECT)]
Body = Annotated[str, Field(max_length=MAX_BODY)]
Summary = Annotated[str, Field(max_length=services.MAX_SUMMARY)]
Comment = Annotated[str, Field(max_length=MAX_REASON)]


class ArticleIn(In):
    section: Slug
    title: Title
    body: Body
    summary: Summary = ""
    visibility: Visibility = Visibility.INTERNAL
    tags: list[Annotated[str, Field(max_length=services.MAX_TAG)]] = Field(
        default_factory=list, max_length=services.MAX_TAGS
    )
    products: list[Id] = Field(
        default_factory=list, max_length=50, description="Product ids the article applies to."
    )
    entitled_only: bool = Field(
        default=False, description="Only readers entitled to one of its products read it."
    )
    versions: list[Version] = Field(default_factory=list, max_length=50, description=VERSIONS)


class ArticleChange(In):
    title: Title
    body: Body
    summary: Summary = ""
    section: Slug | None = None
    visibility: Visibility | None = None
    tags: list[Annotated[str, Field(max_length=services.MAX_TAG)]] | None = Field(
        default=None, max_length=services.MAX_TAGS
    )
    products: list[Id] | None = Field(
        default=None, max_length=50, description="Product ids the article applies to."
    )
    entitled_only: bool | None = Field(
        default=None, description="Only readers entitled to one of its products read it."
    )
    versions: list[Version] | None = Field(default=None, max_length=50, description=VERSIONS)


class ReviewIn(In):
    comment: Comment = ""


class WorkOut(Schema):
    slug: str
    state: str
    visibility: str
    section: str
    tags: list[str]
    revision: int = Field(description="The newest revision's number.")
    title: str = Field(description="The newest revision's title.")
    published_revision: int | None = Field(description="The live revision's number, if any.")
    verify_by: datetime | None = Field(
        None, description="When the live revision is due for re-verification."
    )
    entitled_only: bool = Field(
        False, description="Only readers entitled to one of its products read it."
    )
    versions: list[str] = Field(default_factory=list, description=VERSIONS)


def work_out(article: Article, user: Any) -> dict[str, Any]:
    latest = selectors.shown_revision(user=user, article=article)
    live = article.published_revision
    return {
        "slug": article.slug, "state": article.state, "visibility": article.visibility,
        "section": article.section.slug, "tags": article.tags, "revision": latest.number,
        "title": latest.title, "published_revision": live.number if live else None,
        "verify_by": article.verify_by, "entitled_only": article.entitled_only,
        "versions": article.version_lines,
    }  # fmt: skip


def _section(slug: str) -> Section:
    section = Section.objects.filter(slug=slug).first()
    if section is None:
        raise InvalidInput("No such section.", field="section")
    return section


def _work(request: ApiRequest, slug: str) -> Article:
    return selectors.work_get(user=request.auth, slug=slug)


@router.post("/kb/articles", response={201: WorkOut, **ERRORS})
def kb_article_create(request: ApiRequest, payload: ArticleIn) -> Any:
    """A new article in draft (authors: agents with the ``kb.author_article`` permission)."""
    article = services.article_create(
        actor=request.auth, section=_section(payload.section), title=payload.title,
        body=payload.body, summary=payload.summary, visibility=payload.visibility,
        tags=payload.tags, product_ids=payload.products, entitled_only=payload.entitled_only,
        versions=payload.versions,
    )  # fmt: skip
    return Status(201, work_out(article, request.auth))


@router.get("/kb/articles/{slug}/work", response={200: WorkOut, **ERRORS})
def kb_article_work(request: ApiRequest, slug: ArticleSlug) -> Any:
    """The article's state and newest revision, for its authors and reviewers (and, for a
    published article, its readers)."""
    return work_out(_work(request, slug), request.auth)


@router.patch("/kb/articles/{slug}", response={200: WorkOut, **ERRORS})
def kb_article_update(request: ApiRequest, slug: ArticleSlug, payload: ArticleChange) -> Any:
    """A new draft revision; a published article stays live until a reviewer approves."""
    article = _work(request, slug)
    services.article_update(
        actor=request.auth, article=article, title=payload.title, body=payload.body,
        summary=payload.summary, visibility=payload.visibility, tags=payload.tags,
        section=_section(payload.section) if payload.section else None,
        product_ids=payload.products, entitled_only=payload.entitled_only,
        versions=payload.versions,
    )  # fmt: skip
    return work_out(article, request.auth)


@router.post("/kb/articles/{slug}/submit", response={200: WorkOut, **ERRORS})
def kb_article_submit(request: ApiRequest, slug: ArticleSlug) -> Any:
    """Draft -> in review."""
    article = services.article_submit(actor=request.auth, article=_work(request, slug))
    return work_out(article, request.auth)


@router.post("/kb/articles/{slug}/approve", response={200: WorkOut, **ERRORS})
def kb_article_approve(request: ApiRequest, slug: ArticleSlug, payload: ReviewIn) -> Any:
    """Publish the revision in review (reviewers of the section; never its author)."""
    article = _work(request, slug)
    services.review_approve(actor=request.auth, article=article, comment=payload.comment)
    return work_out(article, request.auth)


@router.post("/kb/articles/{slug}/request-changes", response={200: WorkOut, **ERRORS})
def kb_article_request_changes(request: ApiRequest, slug: ArticleSlug, payload: ReviewIn) -> Any:
    """Back to draft with the comment (required); the author is notified."""
    article = _work(request, slug)
    services.review_request_changes(actor=request.auth, article=article, comment=payload.comment)
    return work_out(article, request.auth)


@router.post("/kb/articles/{slug}/verify", response={200: WorkOut, **ERRORS})
def kb_article_verify(request: ApiRequest, slug: ArticleSlug) -> Any:
    """The live text is still right (reviewers of the section): the next verification interval
    starts now, and the article leaves the stale list."""
    article = services.article_verify(actor=request.auth, article=_work(request, slug))
    return work_out(article, request.auth)


@router.post("/kb/articles/{slug}/archive", response={200: WorkOut, **ERRORS})
def kb_article_archive(request: ApiRequest, slug: ArticleSlug) -> Any:
    article = services.article_archive(actor=request.auth, article=_work(request, slug))
    return work_out(article, request.auth)


# ---- files and images -----------------------------------------------------------------------


class FileOut(Schema):
    id: int
    filename: str
    content_type: str = Field(description="As uploaded (or guessed from the name).")
    image: bool = Field(description="A raster image by its bytes: pages show it inline.")
    size: int
    sha256: str
    created_at: datetime


def file_out(attachment: ArticleAttachment) -> dict[str, Any]:
    return {
        "id": attachment.pk, "filename": attachment.filename,
        "content_type": attachment.content_type, "image": bool(attachment.image_type),
        "size": attachment.size, "sha256": attachment.sha256, "created_at": attachment.created_at,
    }  # fmt: skip


@router.get("/kb/articles/{slug}/attachments", response={200: list[FileOut], **ERRORS})
def kb_attachment_list(request: ApiRequest, slug: ArticleSlug) -> Any:
    """The article's files, newest per name: for its authors and reviewers the current ones,
    for its readers those of the live revision. In a body, an image or a link naming one of
    them (``![Diagram](diagram.png)``) shows that file on the pages."""
    article = _work(request, slug)
    return [file_out(a) for a in selectors.article_files(user=request.auth, article=article)]


@router.post("/kb/articles/{slug}/attachments", response={201: FileOut, **ERRORS})
def kb_attachment_add(
    request: ApiRequest,
    slug: ArticleSlug,
    file: UploadedFile = File(...),  # noqa: B008 - ninja's way to declare an upload
) -> Any:
    """Multipart upload (the article's authors). A file of a name already there replaces it; a
    published article becomes a draft: readers get the change when a reviewer publishes it."""
    attachment = services.article_file_add(
        actor=request.auth, article=_work(request, slug), stream=file, filename=file.name or "",
        content_type=file.content_type or "",
    )  # fmt: skip
    return Status(201, file_out(attachment))


@router.get(
    "/kb/articles/{slug}/attachments/{attachment_id}/download",
    response={codes_2xx: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "The file."}}},
)
def kb_attachment_download(request: ApiRequest, slug: ArticleSlug, attachment_id: Id) -> Any:
    """One of the files ``kb_attachment_list`` lists for the caller: an image inline, anything
    else as a download a browser never renders."""
    article = _work(request, slug)
    attachment = selectors.article_file(user=request.auth, article=article, pk=attachment_id)
    return file_response(
        attachment.file, filename=attachment.filename, content_type=attachment.content_type,
        size=attachment.size, inline_image=attachment.image_type,
    )  # fmt: skip


@router.delete("/kb/articles/{slug}/attachments/{attachment_id}", response={204: None, **ERRORS})
def kb_attachment_remove(request: ApiRequest, slug: ArticleSlug, attachment_id: Id) -> Any:
    """Remove the file of that one's name (the article's authors); readers keep it until the
    article is published again."""
    article = _work(request, slug)
    attachment = selectors.article_file(user=request.auth, article=article, pk=attachment_id)
    services.article_file_remove(actor=request.auth, article=article, filename=attachment.filename)
    return Status(204, None)
