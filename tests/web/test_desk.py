"""The desk's pages do what an agent expects, through the same services as every interface."""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from tierdesk.tickets.models import Ticket, TicketEvent

HTMX = {"HX-Request": "true"}


def test_the_queue_refresh_returns_only_the_rows_and_the_counts(desk, client_as):
    response = client_as("l1").get("/desk/queue/team/?page=1", headers=HTMX)
    html = response.content.decode()
    assert 'id="queue-rows"' in html
    assert 'hx-swap-oob="true"' in html  # the counts follow along
    assert "<html" not in html
    assert desk.acme.subject in html


def test_the_queue_filters_narrow_the_list(desk, client_as):
    client = client_as("manager")
    team = desk.world.redline_desk.pk
    shown = client.get("/desk/queue/all/", {"team": team}).context["queue"].rows
    assert [row.pk for row in shown] == [desk.umbrella.pk]


def test_an_agent_saves_a_filtered_view_and_finds_it_again(desk, client_as):
    client = client_as("l1")
    response = client.post("/desk/queue/team/save/", {"name": "Urgent", "priority": ["1", "2"]})
    assert response.status_code == 302
    assert response["Location"] == "/desk/queue/team/?priority=1&priority=2"
    names = [v.name for v in client.get("/desk/").wsgi_request.user.saved_views.all()]
    assert "Urgent" in names


def test_escalating_without_the_categorys_facts_asks_for_them(desk, client_as):
    client = client_as("l1")
    form = client.get(f"/desk/tickets/{desk.acme.reference}/actions/escalate/form/").context["form"]
    assert sorted(form.missing) == ["screenshots", "steps_tried", "system_details"]
    response = client.post(
        f"/desk/tickets/{desk.acme.reference}/actions/escalate/",
        {"escalate-to_level": "2", "escalate-reason": "Beyond L1"},
    )
    assert response.status_code == 422
    assert b"Describe it or attach a file." in response.content
    assert Ticket.objects.get(pk=desk.acme.pk).support_level == 1


def test_escalating_with_the_facts_moves_the_ticket_to_level_2(desk, client_as):
    response = client_as("l1").post(
        f"/desk/tickets/{desk.acme.reference}/actions/escalate/",
        {
            "escalate-to_level": "2", "escalate-reason": "Beyond L1",
            "escalate-fact_system_details": "Pixel 8", "escalate-fact_steps_tried": "Rebooted",
            "escalate-fact_screenshots": "Error 0x80 on screen",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/desk/"  # L1 no longer sees it: back to the queues
    ticket = Ticket.objects.get(pk=desk.acme.pk)
    assert (ticket.support_level, ticket.team.name) == (2, "Technical support")


def test_merging_closes_the_duplicate_and_points_both_ways(desk, client_as, world):
    client = client_as("l1")
    from tests.web.conftest import open_ticket

    duplicate = open_ticket(world.acme_colleague, world.acme, "Phones still do not enroll")
    response = client.post(
        f"/desk/tickets/{duplicate.reference}/actions/merge/", {"merge-into": desk.acme.reference}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == "closed"
    merged = TicketEvent.objects.get(ticket=desk.acme, kind="merged")
    assert merged.data["merged"] == duplicate.reference and merged.is_public


def test_a_ticket_is_never_merged_into_another_customers(desk, client_as):
    response = client_as("manager").post(
        f"/desk/tickets/{desk.globex.reference}/actions/merge/",
        {"merge-into": desk.acme.reference},
    )
    assert response.status_code == 422
    assert Ticket.objects.get(pk=desk.globex.pk).status == "new"


def test_a_phone_call_is_logged_on_the_timeline_for_support_only(desk, client_as):
    response = client_as("l1").post(
        f"/desk/tickets/{desk.acme.reference}/actions/log_contact/",
        {
            "log_contact-kind": "phone", "log_contact-who": "Ann at Acme IT",
            "log_contact-at": "2026-01-05T10:00", "log_contact-duration_minutes": "15",
            "log_contact-outcome": "Walked through a re-enrollment.",
        },
    )  # fmt: skip
    assert response.status_code == 302
    event = TicketEvent.objects.get(ticket=desk.acme, kind="contact_logged")
    assert (event.data["who"], event.data["duration_minutes"], event.is_public) == (
        "Ann at Acme IT", 15, False,
    )  # fmt: skip
    portal = client_as("acme_contact").get(f"/tickets/{desk.acme.reference}/")
    assert b"Ann at Acme IT" not in portal.content


def test_the_impact_preview_shows_the_severity_it_implies(desk, client_as):
    response = client_as("l1").get(
        "/desk/compose/impact/", {"set_impact-affected": "25", "set_impact-total": "100"}
    )
    assert (
        b"severity <strong>critical</strong> and priority <strong>P1</strong>" in response.content
    )


def test_the_markdown_preview_is_sanitized(desk, client_as):
    response = client_as("l1").post(
        "/desk/compose/preview/", {"body": "**bold** <script>alert(1)</script>"}
    )
    assert b"<strong>bold</strong>" in response.content
    assert b"<script>" not in response.content


def test_a_canned_response_is_appended_to_the_draft(desk, client_as):
    response = client_as("l1").get(
        "/desk/compose/canned/", {"body": "Hello,", "canned": desk.private_canned.pk}
    )
    assert b"Hello,\n\nOnly for l1." in response.content


def test_an_internal_note_with_a_file_stays_internal(desk, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client_as("l1").post(
        f"/desk/tickets/{desk.acme.reference}/messages/",
        {
            "kind": "note",
            "body": "Looks like the cert.",
            "attachments": SimpleUploadedFile("a.txt", b"x"),
        },
    )
    assert desk.acme.attachments.get(filename="a.txt").is_internal
    portal = client_as("acme_contact").get(f"/tickets/{desk.acme.reference}/")
    assert b"Looks like the cert." not in portal.content


def test_a_new_ticket_by_phone_shows_the_plans_commitment_first(desk, client_as, world):
    client = client_as("l1")
    contact = world.acme_contact.contact
    preview = client.get("/desk/tickets/new/commitment/", {"party": f"contact:{contact.pk}"})
    assert b"First response: 1 business day" in preview.content
    response = client.post(
        "/desk/tickets/new/",
        {
            "party": f"contact:{contact.pk}", "channel": "phone", "type": "incident",
            "subject": "Called: tablets offline", "body": "Ann called.", "affected": "30",
            "total": "100",
        },
    )  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get(subject="Called: tablets offline")
    assert (ticket.channel, ticket.priority, ticket.reporter_id) == ("phone", 1, contact.pk)


def test_staff_must_set_up_two_factor_when_required(desk, client_as, settings, world):
    settings.TIERDESK_REQUIRE_STAFF_2FA = True
    response = client_as("l1").get("/desk/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client_as("acme_contact").get("/tickets/").status_code == 200
    Authenticator.objects.create(user=world.l1, type=Authenticator.Type.TOTP, data={})
    assert client_as("l1").get("/desk/").status_code == 302
    assert client_as("l1").get("/desk/queue/team/").status_code == 200
