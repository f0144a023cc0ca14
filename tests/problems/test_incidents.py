"""Major incidents: declared on a problem or a ticket, affected organizations, updates mailed to
every affected contact once, the status pages and the public page with its Atom feed."""

from __future__ import annotations

from datetime import date

import pytest

from tests.problems.conftest import open_ticket
from tierdesk.core.errors import InvalidInput, InvalidTransition
from tierdesk.crm.models import Contact, Subscription
from tierdesk.mail.models import OutboundKind, OutboundMail
from tierdesk.problems.models import AffectedScope, IncidentStatus
from tierdesk.problems.services import (
    incident_declare,
    incident_post,
    incident_publish,
    incident_update_notify,
    problem_create,
    problem_link,
)


@pytest.fixture
def incident(world, outbreak):
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    return incident_declare(
        actor=world.manager, title="Invoices quarantined", lead=world.l3, problem=problem
    )


def test_the_affected_organizations_are_those_of_the_linked_tickets(world, incident):
    assert set(incident.organizations.all()) == {world.acme, world.globex, world.cobalt}


def test_a_ticket_linked_later_adds_its_organization_at_the_next_update(world, incident):
    umbrella = open_ticket(world.umbrella_contact, "Antivirus eats invoices")
    problem_link(actor=world.manager, problem=incident.problem, tickets=[umbrella])
    incident_post(actor=world.manager, incident=incident, status="identified", body="Found it.")
    assert world.umbrella in incident.organizations.all()


def test_the_plan_scope_takes_every_organization_on_the_plan(world, outbreak):
    Subscription.objects.create(
        organization=world.umbrella, plan=outbreak.premium, starts_on=date(2020, 1, 1)
    )
    found = incident_declare(
        actor=world.manager, title="Premium outage", lead=world.manager,
        ticket=outbreak.tickets[0], scope=AffectedScope.PLAN, plan=outbreak.premium,
    )  # fmt: skip
    assert set(found.organizations.all()) == {world.acme, world.umbrella}


def test_a_plan_scope_without_a_plan_is_refused(world, outbreak):
    with pytest.raises(InvalidInput):
        incident_declare(
            actor=world.manager, title="X", lead=world.manager, ticket=outbreak.tickets[0],
            scope=AffectedScope.PLAN,
        )  # fmt: skip


def test_an_update_goes_to_every_affected_contact_once(world, incident, run_tasks):
    update = run_tasks(
        incident_post, actor=world.manager, incident=incident, status="identified",
        body="A signature file misfires.", notify_contacts=True,
    )  # fmt: skip
    assert incident_update_notify(update_id=update.pk) == 0  # sent before: nothing more
    mailed = set(
        OutboundMail.objects.filter(body__contains="misfires").values_list("to_address", flat=True)
    )
    contacts = Contact.objects.filter(organization__in=[world.acme, world.globex, world.cobalt])
    assert mailed == set(contacts.values_list("email", flat=True))
    assert world.umbrella_contact.email not in mailed
    kinds = OutboundMail.objects.filter(body__contains="misfires").values_list("kind", flat=True)
    assert set(kinds) == {OutboundKind.INCIDENT_UPDATE}


def test_a_resolved_incident_takes_no_more_updates(world, incident):
    incident_post(actor=world.manager, incident=incident, status="resolved", body="Fixed.")
    with pytest.raises(InvalidTransition):
        incident_post(actor=world.manager, incident=incident, status="monitoring", body="Hm.")


def test_the_portal_status_page_names_no_other_organization(world, incident, client_as):
    page = client_as("globex_contact").get(f"/status/{incident.pk}/")
    assert page.status_code == 200
    for other in ("Acme Retail", "Cobalt Clinics"):
        assert other.encode() not in page.content
    assert client_as("umbrella_contact").get(f"/status/{incident.pk}/").status_code == 404


def test_the_public_page_and_feed_exist_only_when_opted_in(world, incident, client_as):
    incident_post(actor=world.manager, incident=incident, status="identified", body="Found it.")
    assert client_as(None).get("/incidents/x/").status_code == 404
    incident_publish(actor=world.manager, incident=incident, public=True)
    page = client_as(None).get(f"/incidents/{incident.public_slug}/")
    assert page.status_code == 200 and b"Found it." in page.content
    assert b"Acme Retail" not in page.content
    feed = client_as(None).get(f"/incidents/{incident.public_slug}/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert b"<feed" in feed.content and b"Found it." in feed.content
    incident_publish(actor=world.manager, incident=incident, public=False)
    assert client_as(None).get(page.request["PATH_INFO"]).status_code == 404


def test_the_desk_incident_page_posts_an_update(world, incident, client_as):
    client = client_as("manager")
    client.post(
        f"/desk/incidents/{incident.pk}/post/", {"status": "monitoring", "body": "Watching."}
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
