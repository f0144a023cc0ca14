"""The portal: category-aware submission, the plan's commitment, confirm or reopen."""

from __future__ import annotations

from tierdesk.portal.models import Announcement
from tierdesk.portal.services import announcement_save
from tierdesk.tickets import services
from tierdesk.tickets.models import Category, Ticket


def test_the_form_asks_for_the_facts_of_the_chosen_category(desk, client_as):
    server = Category.objects.get(slug="server-setup")
    response = client_as("acme_contact").get("/tickets/new/facts/", {"category": server.pk})
    html = response.content.decode()
    for name in ("fact_system_details", "fact_logs", "fact_steps_tried"):
        assert f'name="{name}"' in html
    assert 'name="fact_screenshots"' not in html


def test_a_contact_submits_a_ticket_with_facts_and_impact(desk, client_as):
    enrollment = Category.objects.get(slug="enrollment")
    response = client_as("globex_contact").post(
        "/tickets/new/",
        {
            "category": enrollment.pk, "subject": "Phones fail", "body": "Since today.",
            "fact_system_details": "iOS 19", "fact_steps_tried": "Rebooted",
            "affected": "1", "total": "100",
        },
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Phones fail")
    assert ticket.facts == {"system_details": "iOS 19", "steps_tried": "Rebooted"}
    assert (ticket.organization_id, ticket.severity, ticket.priority) == (
        desk.world.globex.pk, "minor", 3,
    )  # fmt: skip


def test_a_missing_required_fact_is_refused(desk, client_as):
    enrollment = Category.objects.get(slug="enrollment")
    response = client_as("globex_contact").post(
        "/tickets/new/", {"category": enrollment.pk, "subject": "Phones", "body": "Fail."}
    )
    assert response.status_code == 422
    assert not Ticket.objects.filter(subject="Phones").exists()


def test_the_ticket_list_shows_the_plans_response_commitment(desk, client_as):
    html = client_as("acme_contact").get("/tickets/").content.decode()
    assert "Standard: first response 1 business day, Standard hours (IST)" in html
    assert "First response by <time" in html  # and when it is due


def test_the_customer_confirms_a_resolution(desk, client_as, world):
    services.ticket_resolve(actor=world.l1, ticket=desk.acme, summary="Fixed.")
    client = client_as("acme_colleague")  # the organization's other contact may confirm too
    assert client.post(f"/tickets/{desk.acme.reference}/close/").status_code == 302
    assert Ticket.objects.get(pk=desk.acme.pk).status == "closed"


def test_the_customer_reopens_a_resolution_that_did_not_work(desk, client_as, world):
    services.ticket_resolve(actor=world.l1, ticket=desk.acme, summary="Fixed.")
    response = client_as("acme_contact").post(
        f"/tickets/{desk.acme.reference}/reopen/", {"reason": "Still broken."}
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=desk.acme.pk).status == "open"


def test_agents_who_open_a_portal_ticket_link_land_in_the_desk(desk, client_as):
    response = client_as("l1").get(f"/tickets/{desk.acme.reference}/")
    assert response["Location"] == f"/desk/tickets/{desk.acme.reference}/"


def test_the_support_policy_follows_the_live_configuration(db, client_as):
    from tierdesk.sla.models import Target

    Target.objects.filter(plan__slug="standard", priority=1, metric="first_response").update(
        amount=90, unit="minutes"
    )
    html = client_as(None).get("/support-policy/").content.decode()
    assert "90 minutes, around the clock" in html
    assert "Mon\u2013Fri 08:00\u201318:00" in html and "Asia/Kolkata" in html
    assert "Senior product manager — after 1 hour" in html


def test_the_support_policy_gives_the_addresses_of_the_live_mailboxes(db, client_as):
    from tierdesk.mail.models import Mailbox

    html = client_as(None).get("/support-policy/").content.decode()
    assert "<strong>[Emergency]</strong> at the start of your e-mail's subject." in html
    Mailbox.objects.create(name="support", address="support@northwind.test", is_default=True)
    Mailbox.objects.create(name="urgent", address="urgent@northwind.test", is_emergency=True)
    Mailbox.objects.create(
        name="old-urgent", address="old@northwind.test", is_emergency=True, is_active=False
    )
    html = client_as(None).get("/support-policy/").content.decode()
    assert 'Write to <a href="mailto:urgent@northwind.test">urgent@northwind.test</a>' in html
    assert 'subject to <a href="mailto:support@northwind.test">' in html
    assert "old@northwind.test" not in html


def test_only_published_news_is_shown(db, client_as):
    from tierdesk.core.clock import now

    announcement_save(
        announcement=Announcement(title="Release 4.2", body="**New**", published_at=now())
    )
    announcement_save(announcement=Announcement(title="Draft", body="secret"))
    html = client_as(None).get("/news/").content.decode()
    assert "Release 4.2" in html and "<strong>New</strong>" in html
    assert "Draft" not in html
