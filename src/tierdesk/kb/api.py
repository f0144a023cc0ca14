"""Knowledge-base articles over HTTP: read and search, as far as the caller may read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import ERRORS, PageOut, PageParams, SearchText, Slug, paginate
from tierdesk.kb import selectors
from tierdesk.kb.models import Article

router = Router(tags=["knowledge base"])

SearchLimit = Annotated[int, Field(ge=1, le=selectors.MAX_SEARCH_RESULTS)]
ArticleSlug = Annotated[str, Field(min_length=1, max_length=200)]


class ArticleOut(Schema):
    slug: str
    title: str
    summary: str
    section: str = Field(description="The section's slug.")
    visibility: str
    tags: list[str]
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
        "updated_at": article.published_at,
    }


@router.get("/kb/articles", response={200: ArticlePage, **ERRORS})
def kb_article_list(
    request: ApiRequest, paging: Query[PageParams], section: Slug | None = None
) -> Any:
    """Published articles the caller may read."""
    found = selectors.article_list(user=request.auth)
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
