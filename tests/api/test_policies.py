"""Each policy's two faces agree: ``can(user, action, obj)`` is true exactly for the objects
``visible(user, action, queryset)`` keeps, for every persona."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PERSONAS
from tierdesk.accounts import policies as account_policies
from tierdesk.accounts.models import Agent, ApiToken, Team
from tierdesk.crm import policies as crm_policies
from tierdesk.crm.models import Contact, Organization
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets import services
from tierdesk.tickets.domain import Action
from tierdesk.tickets.models import Ticket

TICKET_ACTIONS = [ticket_policies.VIEW, *(action.value for action in Action)]


def _open(world: Any, actor: Any, organization: Any, **extra: Any) -> Ticket:
    return services.ticket_open(
        actor=actor, organization=organization, subject="s", body="b", **extra
    )


@pytest.fixture
def tickets(world: Any) -> list[Ticket]:
    """Tickets across organizations, levels, teams and owners."""
    acme_l1 = _open(world, world.acme_contact, world.acme)
    acme_l2 = _open(world, world.acme_contact, world.acme)
    services.ticket_escalate(
        actor=world.manager, ticket=acme_l2, reason="r",
        facts={"system_details": "x", "steps_tried": "y"},
    )  # fmt: skip
    acme_l3 = _open(world, world.acme_colleague, world.acme)
    services.ticket_escalate(
        actor=world.manager, ticket=acme_l3, reason="r", to_level=3,
        facts={"system_details": "x", "steps_tried": "y"},
    )  # fmt: skip
    assigned = _open(world, world.l1, world.globex)
    services.ticket_assign(actor=world.manager, ticket=assigned, assignee=world.l1_other)
    teamless = _open(world, world.l1, world.globex)
    Ticket.objects.filter(pk=teamless.pk).update(team=None)  # nobody's queue: seen by level
    return [
        acme_l1, acme_l2, acme_l3, assigned, teamless,
        _open(world, world.cobalt_contact, world.cobalt),
        _open(world, world.partner_agent, world.bluebird),
        _open(world, world.umbrella_contact, world.umbrella),
        _open(world, world.other_partner_agent, world.redline),
    ]  # fmt: skip


def agree(policies: Any, user: Any, action: str, queryset: Any) -> list[str]:
    """Objects on which the two faces disagree, for the failure message."""
    kept = set(policies.visible(user, action, queryset).values_list("pk", flat=True))
    return [
        f"{obj!r}: can={policies.can(user, action, obj)}, visible={obj.pk in kept}"
        for obj in queryset
        if policies.can(user, action, obj) != (obj.pk in kept)
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_ticket_policy_faces_agree(world, tickets, persona):
    user = world.persona(persona)
    queryset = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_related("organization")
    for action in TICKET_ACTIONS:
        assert agree(ticket_policies, user, action, queryset) == [], action


@pytest.mark.parametrize("persona", PERSONAS)
def test_organization_and_contact_policy_faces_agree(world, persona):
    user = world.persona(persona)
    for queryset in (
        Organization.objects.all(),
        Contact.objects.select_related("organization"),
    ):
        for action in (crm_policies.VIEW, "edit"):
            assert agree(crm_policies, user, action, queryset) == [], action


@pytest.mark.parametrize("persona", PERSONAS)
def test_team_agent_and_token_policy_faces_agree(world, persona):
    user = world.persona(persona)
    ApiToken.objects.create(user=world.l1, name="l1's", key_hash="1" * 64, hint="tdk_1")
    ApiToken.objects.create(user=world.acme_contact, name="acme's", key_hash="2" * 64, hint="x")
    for queryset in (Team.objects.all(), Agent.objects.all(), ApiToken.objects.all()):
        for action in (account_policies.VIEW, account_policies.REVOKE):
            assert agree(account_policies, user, action, queryset) == [], action


def test_partners_and_contacts_see_only_their_side_of_the_directory(world):
    assert set(crm_policies.visible(world.partner_agent, "view", Organization.objects.all())) == {
        world.bluebird,
        world.cobalt,
    }
    assert set(crm_policies.visible(world.acme_contact, "view", Organization.objects.all())) == {
        world.acme
    }
    assert not account_policies.visible(world.acme_contact, "view", Team.objects.all()).exists()
    assert set(account_policies.visible(world.partner_agent, "view", Team.objects.all())) == {
        world.bluebird_desk
    }
