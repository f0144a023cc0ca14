"""Who sees which article: the two faces agree for every persona, and drafts stay private."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.conftest import PERSONAS
from tierdesk.kb import policies
from tierdesk.kb.models import Article, Visibility

EVERYONE = [None, *PERSONAS]
CONTACTS = [
    "acme_contact",
    "acme_colleague",
    "globex_contact",
    "cobalt_contact",
    "umbrella_contact",
]
PARTNERS = ["partner_agent", "other_partner_agent"]
VENDOR = ["l1", "l1_other", "l2", "l3", "manager", "admin"]


def _user(world: Any, persona: str | None) -> Any:
    return AnonymousUser() if persona is None else world.persona(persona)


def _seen(world: Any, persona: str | None, action: str) -> set[str]:
    articles = policies.visible(_user(world, persona), action, Article.objects.all())
    return set(articles.values_list("slug", flat=True))


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize("action", sorted(policies.ACTIONS))
def test_can_and_visible_agree(world, kb, persona, action):
    user = _user(world, persona)
    by_can = {
        a.slug for a in Article.objects.select_related("section") if policies.can(user, action, a)
    }
    assert by_can == _seen(world, persona, action)


@pytest.mark.parametrize("persona", EVERYONE)
def test_a_draft_is_seen_only_by_its_authors_and_reviewers(world, kb, persona):
    seen = _seen(world, persona, policies.VIEW)
    workers = {"l1", "l1_other"}
    assert (kb.draft.slug in seen) is (persona in workers)
    assert (kb.in_review.slug in seen) is (persona in workers)


@pytest.mark.parametrize("persona", EVERYONE)
def test_each_role_reads_the_visibilities_it_is_allowed(world, kb, persona):
    read = {
        v for v, article in kb.published.items() if article.slug in _seen(world, persona, "read")
    }
    if persona is None:
        assert read == {Visibility.PUBLIC}
    elif persona in CONTACTS:
        assert read == {Visibility.PUBLIC, Visibility.CUSTOMERS}
    elif persona in PARTNERS:
        assert read == {Visibility.PUBLIC, Visibility.CUSTOMERS, Visibility.PARTNERS}
    else:
        assert persona in VENDOR
        assert read == set(Visibility.values)


def test_reviewers_are_the_owner_teams_members_with_the_permission(world, kb):
    assert policies.can(kb.reviewer, policies.REVIEW, kb.in_review)
    assert not policies.can(kb.author, policies.REVIEW, kb.in_review)  # no reviewer permission
    assert not policies.can(world.l2, policies.REVIEW, kb.in_review)  # not in the owner team


def test_a_contact_never_authors(world, kb):
    assert not policies.is_author(world.acme_contact)
    assert not policies.can(world.acme_contact, policies.AUTHOR, kb.published["public"])
