"""One home per rule (style.md 16): the ticket's reference, who may act for an organization,
a contact's priority, the lifecycle's target states and the timeline's event kinds each live
in one place, and every channel that uses them gives the same answer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

import tierdesk
from tests.conftest import PERSONAS
from tests.mail.conftest import corpus
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.crm import policies as crm_policies
from tierdesk.crm.models import Organization
from tierdesk.desk.templatetags import tierdesk_web
from tierdesk.mail.rendering import ticket_subject
from tierdesk.mail.services import mail_ingest
from tierdesk.tickets import services
from tierdesk.tickets.domain import TARGET, Action, reference, ticket_id_from_reference
from tierdesk.tickets.models import EventKind, Ticket
from tierdesk.tickets.services.opening import CONTACT_PRIORITY_REFUSED

SOURCE = Path(tierdesk.__file__).parent

# ---- the reference -------------------------------------------------------------------------


def test_the_reference_is_written_and_read_by_one_rule_on_every_channel(
    desk, settings, client_as, api_as
):
    settings.TIERDESK_TICKET_PREFIX = "HD"
    settings.TIERDESK_TICKET_NUMBER_OFFSET = 5000
    ticket = desk.acme
    ref = f"HD-{ticket.pk + 5000}"
    assert reference(ticket.pk) == ticket.reference == ref and ticket.number == ticket.pk + 5000
    for written in (ref, ref.lower(), f" {ref} ", str(ticket.pk + 5000), ticket.pk + 5000):
        assert ticket_id_from_reference(written) == ticket.pk
    for nothing in ("TD-5001", "HD-", "HD-x", "HD-4999", "HD-²", "HD-" + "9" * 30, ""):
        assert ticket_id_from_reference(nothing) is None
    assert tierdesk_web.register.filters["reference"] is reference

    queue = client_as("l1").get("/desk/queue/team/").content.decode()
    assert f'<td class="text-nowrap">{ref}</td>' in queue
    assert client_as("l1").get(f"/desk/tickets/{ref.lower()}/").status_code == 200
    assert client_as("acme_contact").get(f"/tickets/{ref}/").status_code == 200
    assert api_as("acme_contact").get(f"/api/v1/tickets/{ref}").json()["reference"] == ref
    assert ticket_subject(ticket).startswith(f"[{ref}] ")
    tagged = corpus("tagged_reply_no_headers.eml", reference=ref)
    result = mail_ingest(tagged, source="test")
    assert (result.action, result.ticket_reference) == ("appended", ref)


# ---- who may act for an organization -------------------------------------------------------


def _service_allows(user, organization) -> bool:
    try:
        with transaction.atomic():
            services.ticket_open(actor=user, organization=organization, subject="s", body="b")
    except (NotFound, Forbidden):
        return False
    return True


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_channel_acts_for_the_organizations_the_crm_rule_names(
    world, persona, api_as, client_as
):
    user = world.persona(persona)
    api = api_as(persona)
    desk = client_as(persona)
    is_agent = hasattr(user, "agent")
    for organization in Organization.objects.order_by("id"):
        may = crm_policies.can(user, crm_policies.ACT_FOR, organization)
        assert _service_allows(user, organization) is may, organization
        opened = api.post(
            "/api/v1/tickets", {"organization": organization.pk, "subject": "s", "body": "b"}
        )
        assert opened.status_code == (201 if may else 404), (organization, opened.json())
        if is_agent:
            parties = desk.get("/desk/tickets/new/parties/", {"party_q": organization.name})
            assert (f'value="organization:{organization.pk}"' in parties.content.decode()) is may
    own = Organization.objects.filter(
        pk=getattr(getattr(user, "contact", None), "organization_id", 0)
    )
    for organization in own:  # a contact acts for their own organization: the portal's only one
        assert crm_policies.can(user, crm_policies.ACT_FOR, organization)


def test_nobody_signed_in_may_act_for_anyone(world):
    from tierdesk.accounts.models import User

    stranger = User.objects.create(username="stranger", email="stranger@example.test")
    assert not crm_policies.visible(stranger, crm_policies.ACT_FOR, Organization.objects.all())
    with pytest.raises(Forbidden):
        services.ticket_open(actor=stranger, organization=world.acme, subject="s", body="b")


# ---- a contact's priority ----------------------------------------------------------------------


def test_a_contact_who_sets_a_priority_gets_the_same_refusal_on_every_channel(
    world, api_as, client_as
):
    with pytest.raises(InvalidInput) as refused:
        services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject="s", body="b", priority=1
        )
    assert (refused.value.message, refused.value.field) == (CONTACT_PRIORITY_REFUSED, "priority")

    response = api_as("acme_contact").post(
        "/api/v1/tickets", {"subject": "s", "body": "b", "priority": 1}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["message"], error["field"]) == (CONTACT_PRIORITY_REFUSED, "priority")

    # The portal's form and mail have no way to state one; the desk is for agents only.
    form = client_as("acme_contact").get("/tickets/new/").content.decode()
    assert 'name="priority"' not in form
    assert client_as("acme_contact").get("/desk/tickets/new/").status_code in {302, 403, 404}
    assert not Ticket.objects.filter(subject="s").exists()


def test_an_agent_sets_the_priority_on_a_contacts_behalf(world):
    ticket = services.ticket_open(
        actor=world.l1, organization=world.acme, reporter=world.acme_contact.contact,
        subject="s", body="b", priority=1,
    )  # fmt: skip
    assert (ticket.priority, ticket.priority_overridden) == (1, True)


# ---- the lifecycle's target states -----------------------------------------------------------


def test_each_action_leaves_the_ticket_where_the_transition_table_says(world):
    ticket = services.ticket_open(
        actor=world.l1, organization=world.acme, subject="s", body="b", priority=2
    )
    steps = [
        (Action.PEND, lambda t: services.ticket_pend(actor=world.l1, ticket=t, reason="customer")),
        (Action.RESUME, lambda t: services.ticket_resume(actor=world.l1, ticket=t)),
        (Action.RESOLVE, lambda t: services.ticket_resolve(actor=world.l1, ticket=t, summary="x")),
        (Action.REOPEN, lambda t: services.ticket_reopen(actor=world.l1, ticket=t, reason="no")),
        (Action.RESOLVE, lambda t: services.ticket_resolve(actor=world.l1, ticket=t, summary="y")),
        (Action.CLOSE, lambda t: services.ticket_close(actor=world.acme_contact, ticket=t)),
    ]
    assert {action for action, _ in steps} == set(TARGET)
    for action, take in steps:
        take(ticket)
        ticket.refresh_from_db()
        assert ticket.status == TARGET[action], action


# ---- the timeline's event kinds ----------------------------------------------------------------


def _kind_literals(path: Path) -> list[str]:
    """``x.kind == "replied"``, ``kind in {"pended", ...}``: an event kind written as text."""
    kinds = set(EventKind.values)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        about_kind = any(
            (isinstance(side, ast.Attribute) and side.attr == "kind")
            or (isinstance(side, ast.Name) and side.id == "kind")
            for side in sides
        )
        texts = [
            constant.value
            for side in sides
            for constant in ast.walk(side)
            if isinstance(constant, ast.Constant) and constant.value in kinds
        ]
        if about_kind and texts:
            found.append(f"{path.relative_to(SOURCE)}:{node.lineno} {texts}")
    return found


def test_event_kinds_are_named_by_the_enum():
    """Outside the SLA engine, no module compares an event's kind with text. (The engine sits
    below the ticket domain and reads the timeline as text; its own tests check every kind it
    names is a member of ``EventKind``.)"""
    found = [
        literal
        for path in sorted(SOURCE.rglob("*.py"))
        if "migrations" not in path.parts and path.parent.name != "sla"
        for literal in _kind_literals(path)
    ]
    assert found == []
