"""Named personas every test can use (style.md §14).

A vendor (Northwind Software) with L1/L2/L3 teams and agents, a manager and an admin; two direct
customers (Acme, Globex) whose contacts must never see each other's data; a partner (Bluebird)
giving L1 to its customer Cobalt; and a second partner (Redline) with its customer Umbrella, whom
Bluebird must never see.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread

from tierdesk.accounts.models import Agent, ApiToken, Team, User, hash_token
from tierdesk.crm.models import Contact, Organization


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The browser tests' live server, answering one request at a time.

    On SQLite the tests' in-memory database is one connection that the server's threads share;
    two requests at once on it (a page and an htmx poll, say) fail with "bad parameter or other
    API misuse". Connections stay threaded, so Chromium's keep-alive connections do not block
    each other; only the application runs one request at a time, its body included."""

    _application_lock = threading.Lock()

    def set_app(self, application: Any) -> None:
        lock = self._application_lock

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
            with lock:
                result = application(environ, start_response)
                try:
                    yield from result
                finally:
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


@dataclass
class World:
    vendor: Organization
    acme: Organization
    globex: Organization
    bluebird: Organization
    cobalt: Organization
    redline: Organization
    umbrella: Organization
    service_desk: Team
    tech_support: Team
    research: Team
    bluebird_desk: Team
    redline_desk: Team
    l1: User
    l1_other: User
    l2: User
    l3: User
    manager: User
    admin: User
    partner_agent: User
    other_partner_agent: User
    acme_contact: User
    acme_colleague: User
    globex_contact: User
    cobalt_contact: User
    umbrella_contact: User

    def persona(self, name: str) -> User:
        return getattr(self, name)


PERSONAS = [
    "l1", "l1_other", "l2", "l3", "manager", "admin", "partner_agent", "other_partner_agent",
    "acme_contact", "acme_colleague", "globex_contact", "cobalt_contact", "umbrella_contact",
]  # fmt: skip


def _user(username: str, **extra: Any) -> User:
    user = User(username=username, email=f"{username}@example.test", display_name=username, **extra)
    user.set_unusable_password()
    user.save()
    return user


def _agent(username: str, org: Organization, level: int, teams: list[Team], **extra: Any) -> User:
    user = _user(username)
    agent = Agent.objects.create(user=user, organization=org, support_level=level, **extra)
    agent.teams.set(teams)
    return user


def _contact(username: str, org: Organization) -> User:
    user = _user(username)
    Contact.objects.create(organization=org, name=username, email=user.email, user=user)
    return user


def build_world() -> World:
    org = Organization.objects.create
    vendor = org(name="Northwind Software", kind="vendor")
    acme = org(name="Acme Retail", email_domains=["acme.test"])
    globex = org(name="Globex Logistics", email_domains=["globex.test"])
    bluebird = org(name="Bluebird Partners", kind="partner")
    cobalt = org(name="Cobalt Clinics", partner=bluebird)
    redline = org(name="Redline Resellers", kind="partner")
    umbrella = org(name="Umbrella Dental", partner=redline)
    team = Team.objects.create
    service_desk = team(name="Service desk", slug="service-desk", organization=vendor)
    tech_support = team(
        name="Technical support", slug="technical-support", organization=vendor, support_level=2
    )
    research = team(
        name="Solutions research", slug="solutions-research", organization=vendor, support_level=3
    )
    bluebird_desk = team(name="Bluebird desk", slug="bluebird-desk", organization=bluebird)
    redline_desk = team(name="Redline desk", slug="redline-desk", organization=redline)
    return World(
        vendor=vendor, acme=acme, globex=globex, bluebird=bluebird, cobalt=cobalt,
        redline=redline, umbrella=umbrella, service_desk=service_desk,
        tech_support=tech_support, research=research, bluebird_desk=bluebird_desk,
        redline_desk=redline_desk,
        l1=_agent("l1", vendor, 1, [service_desk]),
        l1_other=_agent("l1_other", vendor, 1, [service_desk]),
        l2=_agent("l2", vendor, 2, [tech_support]),
        l3=_agent("l3", vendor, 3, [research]),
        manager=_agent("manager", vendor, 3, [], is_manager=True),
        admin=_user("admin", is_superuser=True, is_staff=True),
        partner_agent=_agent("partner_agent", bluebird, 1, [bluebird_desk]),
        other_partner_agent=_agent("other_partner_agent", redline, 1, [redline_desk]),
        acme_contact=_contact("acme_contact", acme),
        acme_colleague=_contact("acme_colleague", acme),
        globex_contact=_contact("globex_contact", globex),
        cobalt_contact=_contact("cobalt_contact", cobalt),
        umbrella_contact=_contact("umbrella_contact", umbrella),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _keep_seeded_data(django_db_serialized_rollback: None) -> None:
    """Transactional tests restore the migrations' data (categories, plans, content types)
    when they finish, so a test after them in the same process finds what migrate seeded."""


@pytest.fixture(autouse=True)
def _fresh_sla_configuration() -> None:
    """Each test starts with no cached configuration: rolled-back ids may be reused by the next
    test."""
    from tierdesk.core.config_cache import clear_config_caches
    from tierdesk.sla.config import forget_plan_configs

    forget_plan_configs()
    clear_config_caches()


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def token_for(user: User) -> str:
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="test", key_hash=hash_token(raw), hint=raw[:8])
    return raw


class ApiClient:
    """A Django test client that sends a user's bearer token and speaks JSON."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_for(user)}"} if user else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(
            path, data or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(path, data, content_type="application/json", headers=self.headers)

    def upload(self, path: str, files: dict[str, Any], data: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, {**(data or {}), **files}, headers=self.headers)


@pytest.fixture
def api_as(world: World) -> Any:
    """``api_as("l1")`` gives an API client signed in as that persona (``None``: anonymous)."""

    def make(persona: str | None) -> ApiClient:
        return ApiClient(world.persona(persona) if persona else None)

    return make
