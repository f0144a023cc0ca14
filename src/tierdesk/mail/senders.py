"""Who wrote a mail: an agent, a known contact, or a stranger; and the actor that acts for them.

A contact needs no portal account to write to support, but ticket services take an actor. A
``ContactActor`` stands for the contact: its principal is the contact's (their organization,
their visibility), computed here rather than from a user row, so the same policies that guard
the portal guard mail too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Agent, User
from tierdesk.accounts.principal import SYSTEM, Principal, Role, principal_of
from tierdesk.core.config_cache import ConfigCache
from tierdesk.crm.models import Contact, Organization
from tierdesk.mail.models import Mailbox, UnknownSenders


class ContactActor:
    """The acting party for a contact's mail; records their user id when they have one."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, contact: Contact):
        self.contact = contact
        self.pk = self.id = contact.user_id
        # principal_of() reads this cache first: the contact's principal, as for their user.
        self._tierdesk_principal = Principal(
            role=Role.CONTACT,
            user_id=contact.user_id,
            organization_id=contact.organization_id,
            contact_id=contact.pk,
            sees_whole_organization=contact.organization.contacts_see_all_tickets,
        )

    def __str__(self) -> str:
        return str(self.contact)


@dataclass(frozen=True)
class Sender:
    address: str
    name: str = ""
    agent_user: Any = None
    contact: Contact | None = None

    @property
    def is_agent(self) -> bool:
        return self.agent_user is not None

    @property
    def actor(self) -> Any:
        if self.agent_user is not None:
            return self.agent_user
        if self.contact is not None:
            return ContactActor(self.contact)
        return SYSTEM

    @property
    def label(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


def sender_resolve(
    address: str, name: str = "", *, known: dict[str, Contact] | None = None
) -> Sender:
    """Agents first (an agent who is also a contact somewhere answers as the agent).

    ``known``: contacts looked up beforehand for many senders (``known_contacts``); an address
    missing there is looked up as usual (it may be a contact made since, or an agent)."""
    if not address:
        return Sender(address="", name=name)
    # The usual sender is a known contact: one query finds them; the agent is loaded only when
    # an agent has the address too (or when no contact matched).
    if known is not None and address in known:
        contact: Contact | None = known[address]
    else:
        contact = _contact(address, exact=True)
    if contact is None or address.lower() in agent_addresses():
        agent = _agent(address)
        if agent is not None and principal_of(agent.user).is_agent:
            return Sender(address=address, name=name, agent_user=agent.user)
    if contact is None:
        contact = _contact(address, exact=False)
    return Sender(address=address, name=name, contact=contact)


def _agents_with(address: str) -> QuerySet[Agent]:
    return Agent.objects.filter(user__email__iexact=address, user__is_active=True)


def _agent(address: str) -> Agent | None:
    return _agents_with(address).select_related("user").order_by("id").first()


def _contact(address: str, *, exact: bool) -> Contact | None:
    """The oldest contact of an active organization with the address. The exact match uses
    the index; addresses stored with capitals fall back to iexact."""
    lookup = {"email": address} if exact else {"email__iexact": address}
    return (
        Contact.objects.select_related("organization")
        .filter(organization__is_active=True, **lookup)
        .order_by("id")
        .first()
    )


def known_contacts(addresses: Iterable[str]) -> dict[str, Contact]:
    """What ``_contact(address, exact=True)`` finds, for many addresses in one query: the
    oldest contact of an active organization per address."""
    wanted = {address for address in addresses if address}
    if not wanted:
        return {}
    found: dict[str, Contact] = {}
    for contact in (
        Contact.objects.select_related("organization")
        .filter(organization__is_active=True, email__in=wanted)
        .order_by("id")
    ):
        found.setdefault(contact.email, contact)
    return found


# Agents' addresses, per process. Asking the database for every mail whether an agent has the
# sender's address (a case-insensitive match on the users table) cost more than the contact
# lookup itself. A user or agent saved in this process clears the set at once; other
# processes see a change within a minute (``ConfigCache``). The set only decides whether the
# agent is looked up: an address still in it after its agent went is looked up and found
# wanting (a contact again at once); a new agent who is also a contact is taken for the
# contact for at most that long.
AGENT_ADDRESSES = ConfigCache("agent addresses")


def agent_addresses() -> frozenset[str]:
    """Lower-cased addresses of the active users who have an agent profile."""
    return AGENT_ADDRESSES.get("all", _load_agent_addresses)


def _load_agent_addresses() -> frozenset[str]:
    emails = User.objects.filter(is_active=True, agent__isnull=False).values_list(
        "email", flat=True
    )
    return frozenset(email.lower() for email in emails if email)


# Signal receiver (users, agents): the next mail reloads the set.
forget_agent_addresses = AGENT_ADDRESSES.clear


def organization_for_domain(address: str) -> Organization | None:
    """The active organization listing the address's domain (or a parent domain) in its
    ``email_domains``; the oldest wins when several claim it."""
    domain = address.rpartition("@")[2].lower()
    candidates = []
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        candidates.append(".".join(labels[start:]))
    for candidate in candidates:
        query = Q(email_domains__icontains=f'"{candidate}"')
        for organization in Organization.objects.filter(query, is_active=True).order_by("id"):
            domains = {str(d).lower().lstrip("@") for d in organization.email_domains or []}
            if candidate in domains:
                return organization
    return None


def contact_for_stranger(sender: Sender, mailbox: Mailbox | None) -> Contact | None:
    """A new contact for an unknown sender, if the mailbox takes strangers; else ``None``."""
    if mailbox is not None and mailbox.unknown_senders == UnknownSenders.REFUSE:
        return None
    organization = organization_for_domain(sender.address)
    if organization is None and mailbox is not None:
        organization = mailbox.fallback_organization
    if organization is None:
        return None
    name = sender.name or sender.address.partition("@")[0]
    return Contact.objects.create(organization=organization, name=name[:200], email=sender.address)
