"""Knowledge-base fixtures: authors and reviewers among the personas, and a few articles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tests.web.conftest import build_desk
from tierdesk.accounts.models import User
from tierdesk.kb.models import Article, Section, State, Visibility
from tierdesk.kb.search import index_article
from tierdesk.kb.services import article_create
from tierdesk.kb.services.related import related_refresh_published


def grant(user: User, codename: str) -> None:
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="kb", codename=codename)
    )
    for cached in ("_perm_cache", "_user_perm_cache", "_tierdesk_principal"):
        user.__dict__.pop(cached, None)


@dataclass
class Kb:
    section: Section
    author: User  # l1: writes
    reviewer: User  # l1_other: reviews the section (service desk)
    published: dict[str, Article]  # visibility -> a published article
    draft: Article
    in_review: Article


def publish(article: Article) -> Article:
    """Publish without review: the fixtures' shortcut for articles other tests only read."""
    article.published_revision = article.revisions.order_by("-number").first()
    article.state = State.PUBLISHED
    article.published_at = article.updated_at
    article.save()
    index_article(article)
    related_refresh_published(article)
    return article


@pytest.fixture
def kb(world: Any) -> Kb:
    section = Section.objects.get(slug="troubleshooting")
    section.owner_team = world.service_desk
    section.save()
    grant(world.l1, "author_article")
    grant(world.l1_other, "review_article")
    grant(world.l1_other, "author_article")

    def write(title: str, visibility: str) -> Article:
        return article_create(
            actor=world.l1, section=section, title=title, body=f"About {title}.",
            visibility=visibility,
        )  # fmt: skip

    published = {v: publish(write(f"Published {v}", v)) for v in Visibility.values}
    draft = write("Draft public", Visibility.PUBLIC)
    in_review = write("Reviewed public", Visibility.PUBLIC)
    in_review.state = State.IN_REVIEW
    in_review.save()
    return Kb(section, world.l1, world.l1_other, published, draft, in_review)


@pytest.fixture
def desk(world: Any, settings: Any, tmp_path: Any) -> Any:
    """The web tests' tickets (one per customer), for the composer and the article's tickets."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_desk(world)
