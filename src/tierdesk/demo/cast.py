"""Organizations, teams and people of the demo, each user with a fresh random password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from tierdesk.accounts.models import Agent, Team, User
from tierdesk.crm.models import Contact, Organization, OrganizationKind, Product
from tierdesk.demo import catalogue
from tierdesk.sla.models import EscalationStep


@dataclass
class SignIn:
    user: User
    role: str
    password: str = ""
    featured: bool = False


@dataclass
class Cast:
    vendor: Organization
    teams: dict[str, Team]
    agents: dict[str, User]
    manager: User
    admin: User
    partner_agents: dict[int, User]  # partner organization id -> its desk agent
    customers: list[Organization]
    contacts: dict[int, list[User]]  # organization id -> its contacts' users
    products: list[Product]
    sign_ins: list[SignIn] = field(default_factory=list)


def demo_usernames() -> list[str]:
    names = ["admin", "manager.ruth"] + [agent[0] for agent in catalogue.VENDOR_AGENTS]
    names += [person[0] for person in catalogue.CHAIN_PEOPLE]
    return names + [partner[2][0] for partner in catalogue.PARTNERS]


def _user(sign_ins: list[SignIn], username: str, name: str, role: str, **extra: object) -> User:
    first, _, last = name.partition(" ")
    user = User(username=username, display_name=name, first_name=first, last_name=last, **extra)
    user.email = f"{username}@{catalogue.VENDOR_DOMAIN}"
    user.set_unusable_password()
    user.save()
    sign_ins.append(SignIn(user, role))
    return user


def build_cast() -> Cast:
    sign_ins: list[SignIn] = []
    vendor = Organization.objects.create(
        name=catalogue.VENDOR, kind=OrganizationKind.VENDOR,
        email_domains=[catalogue.VENDOR_DOMAIN],
    )  # fmt: skip
    teams = {}
    for slug, name, level in catalogue.VENDOR_TEAMS:
        teams[slug] = Team.objects.create(
            name=name, slug=slug, organization=vendor, support_level=level,
            email=f"{slug}@{catalogue.VENDOR_DOMAIN}",
        )  # fmt: skip
    admin = _user(
        sign_ins, "admin", "Ada Administrator", "administrator: configuration, everything",
        is_staff=True, is_superuser=True,
    )  # fmt: skip
    manager = _user(sign_ins, "manager.ruth", "Ruth Calloway", "support manager", is_staff=True)
    Agent.objects.create(user=manager, organization=vendor, support_level=3, is_manager=True)
    agents = {}
    for username, name, level, team_slugs in catalogue.VENDOR_AGENTS:
        role = f"L{level} agent, " + ", ".join(teams[slug].name for slug in team_slugs)
        user = _user(sign_ins, username, name, role, is_staff=True)
        agent = Agent.objects.create(user=user, organization=vendor, support_level=level)
        agent.teams.set([teams[slug] for slug in team_slugs])
        agents[username] = user
    _lead_teams(teams, agents)
    _name_the_chain(sign_ins, vendor)
    cast = Cast(
        vendor=vendor, teams=teams, agents=agents, manager=manager, admin=admin,
        partner_agents={}, customers=[], contacts={}, products=_products(), sign_ins=sign_ins,
    )  # fmt: skip
    _partners(cast)
    for name, domain in catalogue.DIRECT_CUSTOMERS:
        cast.customers.append(_customer(name, domain, None))
    _contacts(cast)
    _give_passwords_to_featured(cast)
    return cast


def _lead_teams(teams: dict[str, Team], agents: dict[str, User]) -> None:
    leads = {
        "service-desk": "maya.l1", "technical-support": "dev.l2", "solutions-research": "tom.l3"
    }  # fmt: skip
    for slug, username in leads.items():
        Team.objects.filter(pk=teams[slug].pk).update(lead=agents[username])


def _name_the_chain(sign_ins: list[SignIn], vendor: Organization) -> None:
    """Every plan's chain: the team lead of the ticket's team first, then a named person per
    step (managers, so they see every ticket the chain brings them). Saved one by one, so the
    SLA configuration cache hears of it."""
    people = {}
    for username, name, position in catalogue.CHAIN_PEOPLE:
        step_name = EscalationStep.objects.filter(position=position).values_list("name", flat=True)
        role = f"{(step_name.first() or 'management').lower()} (escalation step {position})"
        people[position] = _user(sign_ins, username, name, role, is_staff=True)
        Agent.objects.create(
            user=people[position], organization=vendor, support_level=3, is_manager=True
        )
    for step in EscalationStep.objects.all():
        step.notify_roles = ["team_lead"] if step.position not in people else []
        step.save(update_fields=["notify_roles"])
        step.notify_users.set([people[step.position]] if step.position in people else [])


def _products() -> list[Product]:
    return [Product.objects.create(slug=slug, name=name) for slug, name in catalogue.PRODUCTS]


def _customer(name: str, domain: str, partner: Organization | None) -> Organization:
    return Organization.objects.create(name=name, email_domains=[domain], partner=partner)


def _partners(cast: Cast) -> None:
    for name, domain, (username, person), customers in catalogue.PARTNERS:
        partner = Organization.objects.create(
            name=name, kind=OrganizationKind.PARTNER, email_domains=[domain]
        )
        desk = Team.objects.create(
            name=f"{name.split()[0]} desk", slug=f"{domain.split('.')[0]}-desk",
            organization=partner, support_level=1,
        )  # fmt: skip
        user = _user(cast.sign_ins, username, person, f"partner L1 agent at {name}")
        user.email = f"{username.split('.')[0]}@{domain}"
        user.save(update_fields=["email"])
        agent = Agent.objects.create(user=user, organization=partner, support_level=1)
        agent.teams.set([desk])
        cast.partner_agents[partner.pk] = user
        for customer_name, customer_domain in customers:
            cast.customers.append(_customer(customer_name, customer_domain, partner))


def _contacts(cast: Cast) -> None:
    firsts, lasts = catalogue.CONTACT_FIRST_NAMES, catalogue.CONTACT_SURNAMES
    index = 0
    for organization in cast.customers:
        domain = organization.email_domains[0]
        users = []
        for _ in range(2):
            first, last = firsts[index % len(firsts)], lasts[index % len(lasts)]
            index += 1
            username = f"{first.lower()}@{domain}"
            user = User(username=username, email=username, first_name=first, last_name=last)
            user.display_name = f"{first} {last}"
            user.set_unusable_password()
            user.save()
            Contact.objects.create(
                organization=organization, name=user.display_name, email=username, user=user
            )
            cast.sign_ins.append(SignIn(user, f"contact at {organization.name}"))
            users.append(user)
        cast.contacts[organization.pk] = users


def _give_passwords_to_featured(cast: Cast) -> None:
    """One person of each kind gets a random password; the others none (an admin can set one).

    Hashing is deliberately slow (Argon2, about half a second here), so hashing a password for
    every demo person would slow the first start by tens of seconds for sign-ins nobody uses.
    """
    for prefix in ("administrator", "support manager", "L1 ", "L2 ", "L3 ", "partner "):
        next(s for s in cast.sign_ins if s.role.startswith(prefix)).featured = True
    # One contact at a partner's customer and one at a direct customer.
    for organization in (cast.customers[0], cast.customers[-1]):
        user = cast.contacts[organization.pk][0]
        next(s for s in cast.sign_ins if s.user == user).featured = True
    cast.sign_ins = [s for s in cast.sign_ins if s.featured]
    for sign_in in cast.sign_ins:
        sign_in.password = secrets.token_urlsafe(12)
        sign_in.user.set_password(sign_in.password)
        sign_in.user.save(update_fields=["password"])
