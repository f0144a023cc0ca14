"""The organizations and people: created through the ORM (a few thousand rows, bulk_create).

Returns a ``Cast`` of plain ids that the ticket plans draw from, so the bulk phase never goes
back to the database for them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from tierdesk.accounts.models import Agent, Team, User
from tierdesk.crm.models import Contact, Organization, OrganizationKind, Product
from tierdesk.tickets.models import Category

CITY = ["Berlin", "Lyon", "Porto", "Leeds", "Graz", "Turin", "Ghent", "Malmo", "Brno", "Cork"]
TRADE = ["Clinics", "Logistics", "Retail", "Dental", "Schools", "Hotels", "Foods", "Motors"]
FIRST = ["Anna", "Ben", "Chen", "Dana", "Emil", "Fatma", "Georg", "Hana", "Ivan", "Jana", "Karl"]
LAST = ["Meyer", "Novak", "Rossi", "Silva", "Jensen", "Kowalski", "Dubois", "Horvat", "Berg"]

# Vendor teams by level: (name, slug, level, agents)
VENDOR_TEAMS = [
    ("Service desk EMEA", "service-desk-emea", 1, 25),
    ("Service desk Americas", "service-desk-americas", 1, 25),
    ("Service desk APAC", "service-desk-apac", 1, 20),
    ("Technical support", "technical-support", 2, 25),
    ("Platform support", "platform-support", 2, 20),
    ("Engineering", "engineering", 3, 20),
]
MANAGERS = 5
PARTNER_AGENTS = 3


@dataclass
class Cast:
    customer_ids: list[int]
    customer_partner: dict[int, int]  # customer id -> partner id
    contacts_by_org: dict[int, list[int]]
    contact_user: dict[int, int]  # contact id -> user id (portal users only)
    vendor_teams_by_level: dict[int, list[int]]
    partner_desk: dict[int, int]  # partner id -> team id
    team_agents: dict[int, list[int]]  # team id -> agent user ids
    category_ids: list[int]
    product_ids: list[int]
    bench_users: dict[str, int] = field(default_factory=dict)


def build_cast(rng: random.Random, *, customers: int, partners: int, contacts: int) -> Cast:
    with transaction.atomic():
        vendor, partner_orgs, customer_orgs, customer_partner = _organizations(
            rng, customers, partners
        )
        contacts_by_org, contact_user = _contacts(rng, customer_orgs, contacts)
        vendor_teams, partner_desk, team_agents = _teams_and_agents(vendor, partner_orgs)
        products = Product.objects.bulk_create(
            Product(name=f"Product {n}", slug=f"bench-product-{n}") for n in range(1, 6)
        )
    leaves = Category.objects.filter(children__isnull=True).values_list("id", flat=True)
    return Cast(
        customer_ids=[o.pk for o in customer_orgs],
        customer_partner=customer_partner,
        contacts_by_org=contacts_by_org,
        contact_user=contact_user,
        vendor_teams_by_level=vendor_teams,
        partner_desk=partner_desk,
        team_agents=team_agents,
        category_ids=sorted(leaves),
        product_ids=[p.pk for p in products],
    )


def _organizations(
    rng: random.Random, customers: int, partners: int
) -> tuple[Organization, list[Organization], list[Organization], dict[int, int]]:
    vendor = Organization.objects.create(name="Northwind Software", kind=OrganizationKind.VENDOR)
    partner_orgs = Organization.objects.bulk_create(
        Organization(name=f"{CITY[n % 10]} IT Partners {n}", kind=OrganizationKind.PARTNER)
        for n in range(1, partners + 1)
    )
    customer_orgs = []
    for n in range(1, customers + 1):
        # About 30% of the customers get their level-1 support from a partner (P1).
        partner = rng.choice(partner_orgs) if partner_orgs and rng.random() < 0.3 else None
        name = f"{rng.choice(CITY)} {rng.choice(TRADE)} {n}"
        customer_orgs.append(
            Organization(name=name, partner=partner, email_domains=[f"customer{n}.test"])
        )
    customer_orgs = Organization.objects.bulk_create(customer_orgs, batch_size=2000)
    customer_partner = {o.pk: o.partner_id for o in customer_orgs if o.partner_id}
    return vendor, partner_orgs, customer_orgs, customer_partner


def _contacts(
    rng: random.Random, orgs: list[Organization], total: int
) -> tuple[dict[int, list[int]], dict[int, int]]:
    rows = []
    for index in range(total):
        # Every organization has at least one contact; the rest go to random organizations.
        org = orgs[index] if index < len(orgs) else rng.choice(orgs)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"contact{index + 1}@customer{org.pk}.test"
        rows.append(Contact(organization=org, name=name, email=email))
    created = Contact.objects.bulk_create(rows, batch_size=5000)
    contacts_by_org: dict[int, list[int]] = {}
    for contact in created:
        contacts_by_org.setdefault(contact.organization_id, []).append(contact.pk)
    return contacts_by_org, _portal_users(rng, created)


def _portal_users(rng: random.Random, contacts: list[Contact]) -> dict[int, int]:
    """A few hundred contacts sign in to the portal."""
    chosen = rng.sample(contacts, min(300, len(contacts)))
    users = User.objects.bulk_create(_user(f"contact-{c.pk}", c.name) for c in chosen)
    for contact, user in zip(chosen, users, strict=True):
        contact.user = user
    Contact.objects.bulk_update(chosen, ["user"], batch_size=1000)
    return {c.pk: u.pk for c, u in zip(chosen, users, strict=True)}


def _user(username: str, display_name: str) -> User:
    # An unusable password: hashing hundreds of real ones with argon2 would take minutes.
    return User(
        username=username,
        email=f"{username}@example.test",
        display_name=display_name,
        password=make_password(None),
    )


def _teams_and_agents(
    vendor: Organization, partner_orgs: list[Organization]
) -> tuple[dict[int, list[int]], dict[int, int], dict[int, list[int]]]:
    vendor_teams: dict[int, list[int]] = {}
    team_agents: dict[int, list[int]] = {}
    for name, slug, level, count in VENDOR_TEAMS:
        team = Team.objects.create(name=name, slug=slug, organization=vendor, support_level=level)
        vendor_teams.setdefault(level, []).append(team.pk)
        team_agents[team.pk] = _agents(f"agent-l{level}-{slug}", vendor, level, team, count)
    partner_desk = {}
    for partner in partner_orgs:
        team = Team.objects.create(
            name=f"{partner.name} desk", slug=f"desk-{partner.pk}", organization=partner
        )
        partner_desk[partner.pk] = team.pk
        team_agents[team.pk] = _agents(f"partner-{partner.pk}", partner, 1, team, PARTNER_AGENTS)
    managers = _agents("manager", vendor, 3, None, MANAGERS, is_manager=True)
    del managers  # managers see everything; they are in no team
    return vendor_teams, partner_desk, team_agents


def _agents(
    prefix: str,
    org: Organization,
    level: int,
    team: Team | None,
    count: int,
    *,
    is_manager: bool = False,
) -> list[int]:
    users = User.objects.bulk_create(
        _user(f"{prefix}-{n:02d}", f"{rng_name(prefix, n)}") for n in range(1, count + 1)
    )
    agents = Agent.objects.bulk_create(
        Agent(user=u, organization=org, support_level=level, is_manager=is_manager) for u in users
    )
    if team is not None:
        through = Agent.teams.through
        through.objects.bulk_create(through(agent_id=a.pk, team_id=team.pk) for a in agents)
        Team.objects.filter(pk=team.pk).update(lead=users[0])
    return [u.pk for u in users]


def rng_name(prefix: str, n: int) -> str:
    """A stable display name for an agent."""
    seed = sum(map(ord, prefix)) + n
    return f"{FIRST[seed % len(FIRST)]} {LAST[(seed // 3) % len(LAST)]}"


def benchmark_people() -> tuple[Agent, Agent]:
    """Who the benchmarks sign in as: the first L1 vendor agent with a team (by username) and
    a manager."""
    l1 = (
        Agent.objects.filter(support_level=1, is_manager=False, organization__kind="vendor")
        .exclude(teams=None)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    manager = Agent.objects.filter(is_manager=True).select_related("user").first()
    if l1 is None or manager is None:
        raise SystemExit("bench: no L1 vendor agent or manager: run bench/generate.py first")
    return l1, manager
