"""Find anything from the desk's one search box: a ticket by its reference, or tickets,
organizations, contacts and articles by name, address or words.

Each kind of thing is a ``Provider`` in ``PROVIDERS``: a title and a function that returns the
user's matches as ``Hit``s, each provider scoping through its own app's selectors (so through
its own ``visible``). Another kind (the downloads' releases, say) joins the results by adding
one provider here: the page, the counts and the tests walk the list.

The matching rules stay in their homes: ticket words in ``core.search`` (every word, as the start
of a word, closed tickets included), the reference in ``tickets.domain``, organizations and
contacts in ``crm.selectors`` (any part of a name or an e-mail address), articles in ``kb``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from tierdesk.crm import selectors as crm_selectors
from tierdesk.kb import selectors as kb_selectors
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.domain import reference, ticket_id_from_reference
from tierdesk.tickets.models import STATUS_CHOICES, Ticket

# Organizations and contacts are matched by any part of their names: a letter would match
# nearly all of them.
MIN_NAME_CHARS = 2
STATUS_LABELS = dict(STATUS_CHOICES)


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""
    badge: str = ""  # a short state: a ticket's status, an organization's kind


@dataclass(frozen=True)
class Provider:
    key: str
    title: str
    find: Callable[[Any, str, int], list[Hit]]
    limit: int


@dataclass(frozen=True)
class Group:
    provider: Provider
    hits: list[Hit]

    @property
    def more(self) -> bool:
        """More matches than shown (the provider was asked for one more than its limit)."""
        return len(self.hits) > self.provider.limit

    @property
    def shown(self) -> list[Hit]:
        return self.hits[: self.provider.limit]


@dataclass(frozen=True)
class Found:
    query: str
    groups: list[Group]

    @property
    def empty(self) -> bool:
        return not any(group.hits for group in self.groups)


def ticket_by_reference(*, user: Any, query: str) -> str | None:
    """The reference of the ticket the query names (``TD-1012``, ``1012``, ``#1012``), if the
    user may see it; ``None`` otherwise (the query is then searched as words)."""
    pk = ticket_id_from_reference(query.strip().removeprefix("#"))
    if pk is None:
        return None
    tickets = policies.visible(user, policies.VIEW, Ticket.objects.filter(pk=pk))
    return reference(pk) if tickets.exists() else None


def find(*, user: Any, query: str) -> Found:
    """Every provider's matches for the query (each asked for one more than it shows)."""
    query = query.strip()
    groups = [
        Group(provider, provider.find(user, query, provider.limit + 1) if query else [])
        for provider in PROVIDERS
    ]
    return Found(query, groups)


# ---- the providers ---------------------------------------------------------------------------


def _tickets(user: Any, query: str, limit: int) -> list[Hit]:
    filters = ticket_selectors.TicketFilters(q=query)
    tickets = ticket_selectors.ticket_list(user=user, filters=filters)
    rows = tickets.select_related(None).prefetch_related(None)
    url = reverse("desk:ticket", kwargs={"ref": "__ref__"})
    return [
        Hit(
            title=f"{reference(row['id'])} {row['subject']}",
            url=url.replace("__ref__", reference(row["id"])),
            detail=row["organization__name"],
            badge=STATUS_LABELS.get(row["status"], row["status"]),
        )
        for row in rows.values("id", "subject", "status", "organization__name")[:limit]
    ]


def _organizations(user: Any, query: str, limit: int) -> list[Hit]:
    if len(query) < MIN_NAME_CHARS:
        return []
    found = crm_selectors.organization_list(user=user, q=query).select_related(None)
    url = reverse("desk:organization", kwargs={"pk": 0}).removesuffix("0/")
    return [
        Hit(title=name, url=f"{url}{pk}/", badge=kind.capitalize())
        for pk, name, kind in found.values_list("pk", "name", "kind")[:limit]
    ]


def _contacts(user: Any, query: str, limit: int) -> list[Hit]:
    if len(query) < MIN_NAME_CHARS:
        return []
    found = crm_selectors.contact_list(user=user, q=query)
    url = reverse("desk:contact", kwargs={"pk": 0}).removesuffix("0/")
    return [
        Hit(title=name, url=f"{url}{pk}/", detail=f"{email} · {organization}")
        for pk, name, email, organization in found.values_list(
            "pk", "name", "email", "organization__name"
        )[:limit]
    ]


def _articles(user: Any, query: str, limit: int) -> list[Hit]:
    found = kb_selectors.article_search(user=user, q=query, limit=limit)
    return [
        Hit(
            title=article.published_revision.title if article.published_revision else article.slug,
            url=reverse("kb:article", kwargs={"slug": article.slug}),
            detail=article.section.title if article.section_id else "",
        )
        for article in found
    ]


PROVIDERS: list[Provider] = [
    Provider("tickets", "Tickets", _tickets, limit=20),
    Provider("organizations", "Organizations", _organizations, limit=10),
    Provider("contacts", "Contacts", _contacts, limit=10),
    Provider("articles", "Articles", _articles, limit=5),
]
