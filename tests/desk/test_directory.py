"""The organization and contact pages: tickets, subscriptions and people, as far as the agent
may see them."""

from __future__ import annotations

from datetime import date

from tierdesk.crm.models import Contact, Organization, Subscription
from tierdesk.sla.models import Plan
from tierdesk.tickets import services


def test_an_organization_page_lists_its_tickets_subscriptions_and_contacts(desk, client_as):
    world = desk.world
    plan = Plan.objects.first()
    Subscription.objects.create(organization=world.acme, plan=plan, starts_on=date(2026, 1, 1))
    services.ticket_resolve(actor=world.l1, ticket=desk.acme, summary="Done.")
    page = client_as("l1").get(f"/desk/organizations/{world.acme.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert desk.acme.reference in text  # resolved tickets are listed too
    assert plan.name in text
    assert "acme_contact" in text and "acme_colleague" in text
    assert desk.globex.reference not in text


def test_a_contact_page_lists_their_tickets_and_colleagues(desk, client_as):
    contact = Contact.objects.get(user=desk.world.acme_contact)
    page = client_as("l1").get(f"/desk/contacts/{contact.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert desk.acme.reference in text
    assert "acme_colleague" in text
    assert "globex_contact" not in text


def test_a_partners_agent_sees_its_customers_pages_and_no_others(desk, client_as):
    world = desk.world
    partner = client_as("partner_agent")
    assert partner.get(f"/desk/organizations/{world.cobalt.pk}/").status_code == 200
    own = partner.get(f"/desk/organizations/{world.bluebird.pk}/")
    assert "Cobalt Clinics" in own.content.decode()  # its customers
    for other in (world.acme, world.umbrella, world.redline):
        assert partner.get(f"/desk/organizations/{other.pk}/").status_code == 404
    acme_contact = Contact.objects.get(user=world.acme_contact)
    assert partner.get(f"/desk/contacts/{acme_contact.pk}/").status_code == 404


def test_an_agent_sees_on_an_organization_page_only_the_tickets_they_may_see(desk, client_as):
    world = desk.world
    services.ticket_assign(actor=world.manager, ticket=desk.acme, team=world.research)
    l1_view = client_as("l1").get(f"/desk/organizations/{world.acme.pk}/").content.decode()
    manager_view = client_as("manager").get(f"/desk/organizations/{world.acme.pk}/")
    assert desk.acme.reference not in l1_view
    assert desk.acme.reference in manager_view.content.decode()


def test_an_organization_page_says_which_zone_its_contacts_read_times_in(desk, client_as):
    world = desk.world
    page = f"/desk/organizations/{world.acme.pk}/"
    assert "times in their browser" in client_as("l1").get(page).content.decode()
    Organization.objects.filter(pk=world.acme.pk).update(time_zone="Asia/Kolkata")
    text = client_as("admin").get(page).content.decode()
    assert "Contacts' times in Asia/Kolkata" in text
    assert f"/admin/crm/organization/{world.acme.pk}/change/" in text  # where to change it
