"""Who may read, write and review knowledge-base articles: one rule, two faces (M4).

- Readers see articles **with a published revision** (and not archived: a later revision in
  draft or in review does not hide the live one) whose visibility their role allows: anonymous
  visitors public ones; contacts public and customers; partner agents also partners; vendor agents,
  managers and admins every visibility, internal included.
- An article marked ``entitled_only`` is read only by those entitled to one of its products: the
  organizations whose subscriptions count for them (a contact's, a partner's own and its
  customers') have an active subscription for one of its products, or for every product
  (``crm.selectors.subscribed_products``, the download centre's question). Vendor agents,
  managers and admins read it anyway; anonymous visitors never; without products, nobody else.
- Work in progress (drafts, revisions in review, archived articles) is seen only by the article's
  authors (anyone who wrote one of its revisions) and its reviewers: members of the section's
  owner team with the ``kb.review_article`` permission.
- Writing takes ``kb.author_article`` and an agent; a reviewer may review, never their own
  revision (the services check that, on the revision).

``visible(user, action, queryset)`` narrows a queryset of articles; ``can(user, action, article)``
answers for one. Both read the same facts, and ``tests/kb/test_policies.py`` checks that they
agree for every persona.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.core.clock import now
from tierdesk.crm.selectors import active_subscriptions, subscribed_products, subscriber_scope
from tierdesk.kb.models import Article, Revision, State, Visibility

READ = "read"  # the published text
VIEW = "view"  # the article at all: published for its readers, work in progress for its workers
WORK = "work"  # drafts and revisions in review: authors and reviewers
REVIEW = "review"
AUTHOR = "author"  # write: create articles, propose revisions of those one sees (group authoring)
ACTIONS = frozenset({READ, VIEW, WORK, REVIEW, AUTHOR})

AUTHOR_PERMISSION = "kb.author_article"
REVIEW_PERMISSION = "kb.review_article"

_READABLE: dict[Role, frozenset[str]] = {
    Role.NOBODY: frozenset({Visibility.PUBLIC}),
    Role.CONTACT: frozenset({Visibility.PUBLIC, Visibility.CUSTOMERS}),
    Role.PARTNER_AGENT: frozenset({Visibility.PUBLIC, Visibility.CUSTOMERS, Visibility.PARTNERS}),
}
_ALL = frozenset(Visibility.values)


def readable_visibilities(principal: Principal) -> frozenset[str]:
    return _READABLE.get(principal.role, _ALL)


def _restricted(principal: Principal) -> bool:
    """Whether ``entitled_only`` articles need an entitlement of this reader (not staff's)."""
    return principal.role in _READABLE


def _today() -> date:
    return timezone.localdate(now())  # the download centre's "today" too


def _entitled_q(principal: Principal) -> Q:
    """The ``_entitled`` rule as a filter: subqueries, no query of its own."""
    if not _restricted(principal):
        return Q()
    scope = subscriber_scope(principal)
    if scope is None:
        return Q(entitled_only=False)
    subscriptions = active_subscriptions(scope, _today())
    every_product = Exists(subscriptions.filter(product__isnull=True))
    one_of_its = Article.products.through.objects.filter(article_id=OuterRef("pk")).filter(
        Q(every_product) | Q(product_id__in=subscriptions.values("product_id"))
    )
    return Q(entitled_only=False) | Q(Exists(one_of_its))


def _entitled(principal: Principal, article: Article) -> bool:
    if not article.entitled_only or not _restricted(principal):
        return True
    products = subscribed_products(principal, _today())
    if not products:
        return False
    covered = set(article.products.values_list("pk", flat=True))
    return bool(covered) and (None in products or bool(covered & products))


def is_agent(user: Any) -> bool:
    """Agents see the knowledge base's statistics and send articles on tickets."""
    return principal_of(user).is_agent


def is_author(user: Any) -> bool:
    principal = principal_of(user)
    return principal.is_agent and user.has_perm(AUTHOR_PERMISSION)


def _reviewer_teams(user: Any, principal: Principal) -> frozenset[int]:
    if not principal.is_agent or not user.has_perm(REVIEW_PERMISSION):
        return frozenset()
    return principal.team_ids


def visible(user: Any, action: str, queryset: QuerySet[Article]) -> QuerySet[Article]:
    principal = principal_of(user)
    if action not in ACTIONS:
        return queryset.none()
    if action == AUTHOR:
        return visible(user, VIEW, queryset) if is_author(user) else queryset.none()
    if action == REVIEW:
        teams = _reviewer_teams(user, principal)
        return queryset.filter(section__owner_team_id__in=teams)
    read = Q(published_revision__isnull=False, visibility__in=readable_visibilities(principal))
    read &= ~Q(state=State.ARCHIVED)
    if action != WORK:
        read &= _entitled_q(principal)
    work = _work_q(user, principal)
    scope = {READ: read, WORK: work, VIEW: read | work}[action]
    return queryset.filter(scope)


def can(user: Any, action: str, article: Article) -> bool:
    principal = principal_of(user)
    if action not in ACTIONS:
        return False
    if action == AUTHOR:
        return is_author(user) and can(user, VIEW, article)
    if action == REVIEW:
        return article.section.owner_team_id in _reviewer_teams(user, principal)
    read = _reads(principal, article)
    if action == READ:
        return read
    work = _works_on(user, principal, article)
    return work if action == WORK else read or work


def _reads(principal: Principal, article: Article) -> bool:
    if article.published_revision_id is None or article.state == State.ARCHIVED:
        return False
    if article.visibility not in readable_visibilities(principal):
        return False
    return _entitled(principal, article)


def _work_q(user: Any, principal: Principal) -> Q:
    teams = _reviewer_teams(user, principal)
    scope = Q(section__owner_team_id__in=teams) if teams else Q(pk__in=[])
    if principal.is_agent and principal.user_id is not None:
        wrote = Revision.objects.filter(article=OuterRef("pk"), author_id=principal.user_id)
        scope |= Q(Exists(wrote))
    return scope


def _works_on(user: Any, principal: Principal, article: Article) -> bool:
    if article.section.owner_team_id in _reviewer_teams(user, principal):
        return True
    if not principal.is_agent or principal.user_id is None:
        return False
    return article.revisions.filter(author_id=principal.user_id).exists()
