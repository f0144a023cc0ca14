"""Queues for real work: overdue, breaching soon (warning windows only), sorting, page size,
bulk actions with a summary, take it, saved views shared with a team, who may be assigned."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.web.conftest import open_ticket
from tierdesk.accounts.models import Agent
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.desk import selectors, services
from tierdesk.desk.models import SavedView
from tierdesk.sla.models import AlertKind, SlaAlert
from tierdesk.tickets import policies
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.models import Ticket


def clocked(ticket: Ticket, *, due_in: timedelta, warned: bool) -> None:
    """Give the ticket a running resolution clock due ``due_in`` from now (warned or not)."""
    at = now()
    Ticket.objects.filter(pk=ticket.pk).update(
        response_state="", resolution_state="running", resolution_due_at=at + due_in,
        update_state="", sla_next_check_at=at + due_in,
    )  # fmt: skip
    if warned:
        SlaAlert.objects.create(
            ticket=ticket, metric="resolution", kind=AlertKind.WARNING,
            due_at=at - timedelta(minutes=5), fired_at=at - timedelta(minutes=5),
        )  # fmt: skip


def shown(client, path: str) -> set[int]:
    return {row.pk for row in client.get(path).context["queue"].rows}


def test_breaching_soon_shows_only_tickets_inside_their_warning_window(desk, client_as):
    world = desk.world
    warned = open_ticket(world.acme_contact, world.acme, "Warned")
    on_track = open_ticket(world.acme_contact, world.acme, "On track, warning in an hour")
    overdue = open_ticket(world.acme_contact, world.acme, "Overdue")
    clocked(warned, due_in=timedelta(hours=2), warned=True)
    clocked(on_track, due_in=timedelta(hours=1), warned=False)
    clocked(overdue, due_in=-timedelta(hours=3), warned=True)
    client = client_as("l1")
    assert shown(client, "/desk/queue/breaching/") == {warned.pk}
    rows = client.get("/desk/queue/breaching/").context["queue"].rows
    assert [row.level for row in rows] == ["warning"]  # "Due soon", never "On track"
    assert overdue.pk in shown(client, "/desk/queue/overdue/")
    assert {warned.pk, on_track.pk}.isdisjoint(shown(client, "/desk/queue/overdue/"))


def test_a_late_first_response_is_not_overdue_once_answered(desk, client_as):
    ticket = desk.acme
    Ticket.objects.filter(pk=ticket.pk).update(
        response_state="breached", response_due_at=now() - timedelta(days=5),
        first_response_at=now() - timedelta(days=4), resolution_state="running",
        resolution_due_at=now() + timedelta(days=2), update_state="",
    )  # fmt: skip
    client = client_as("l1")
    assert ticket.pk not in shown(client, "/desk/queue/overdue/")
    row = next(r for r in client.get("/desk/queue/team/").context["queue"].rows
               if r.pk == ticket.pk)  # fmt: skip
    assert row.level == "ok" and row.due_title == "Resolution"


def test_columns_sort_both_ways_and_the_page_size_is_chosen(desk, client_as):
    world = desk.world
    for number in range(30):
        open_ticket(world.acme_contact, world.acme, f"Subject {number:02d}")
    client = client_as("l1")
    every = [r.subject for r in client.get("/desk/queue/team/?size=100").context["queue"].rows]
    ascending = client.get("/desk/queue/team/?sort=subject").context["queue"].rows
    descending = client.get("/desk/queue/team/?sort=-subject").context["queue"].rows
    assert [row.subject for row in ascending] == sorted(every)[:25]
    assert [row.subject for row in descending] == sorted(every, reverse=True)[:25]
    assert len(client.get("/desk/queue/team/").context["queue"].rows) == 25
    assert len(client.get("/desk/queue/team/?size=50").context["queue"].rows) == len(every)
    assert len(client.get("/desk/queue/team/?size=7").context["queue"].rows) == 25  # not offered
    page = client.get("/desk/queue/team/?sort=subject").content.decode()
    assert 'aria-sort="ascending"' in page and "sort=-subject" in page


def test_bulk_assign_reports_what_happened_to_each_ticket(desk, client_as):
    world = desk.world
    mine = open_ticket(world.acme_contact, world.acme, "Mine to give")
    response = client_as("l1").post(
        "/desk/queue/team/bulk/",
        {"ticket": [mine.pk, desk.acme.pk, desk.umbrella.pk], "action": "assign",
         "assignee": world.l1_other.pk, "back": "sort=subject"},
        follow=True,
    )  # fmt: skip
    text = response.content.decode()
    assert f"2 done ({mine.reference}, {desk.acme.reference})" in text
    assert f"{desk.umbrella.reference}: No such ticket." in text  # beyond l1's sight: refused
    assert Ticket.objects.get(pk=mine.pk).assignee == world.l1_other
    assert Ticket.objects.get(pk=desk.umbrella.pk).assignee is None
    assert response.redirect_chain[-1][0].endswith("/desk/queue/team/?sort=subject")


@pytest.mark.parametrize(
    ("action", "data", "check"),
    [
        ("team", {"team": "tech"}, lambda t, w: t.team == w.tech_support),
        ("priority", {"priority": "2", "text": "Many phones"}, lambda t, w: t.priority == 2),
        ("status", {"status": "pending", "text": "Asked for logs"},
         lambda t, w: t.status == "pending"),
        ("status", {"status": "resolved", "text": "Fixed"}, lambda t, w: t.status == "resolved"),
        ("note", {"text": "Seen twice today"},
         lambda t, w: t.messages.filter(kind="internal", body="Seen twice today").exists()),
        ("take", {}, lambda t, w: t.assignee == w.l1),
    ],
)  # fmt: skip
def test_each_bulk_action_goes_through_its_service(desk, client_as, action, data, check):
    world = desk.world
    if data.get("team") == "tech":
        data = {**data, "team": world.tech_support.pk}
    client_as("l1").post(
        "/desk/queue/team/bulk/", {"ticket": [desk.acme.pk], "action": action, **data}
    )
    assert check(Ticket.objects.get(pk=desk.acme.pk), world)


def test_a_bulk_action_that_needs_a_reason_refuses_without_one(desk, client_as):
    response = client_as("l1").post(
        "/desk/queue/team/bulk/",
        {"ticket": [desk.acme.pk], "action": "priority", "priority": "1"},
        follow=True,
    )
    assert "not changed" in response.content.decode()
    assert Ticket.objects.get(pk=desk.acme.pk).priority != 1


def test_bulk_merge_moves_the_selected_duplicates_into_one_ticket(desk, client_as):
    world = desk.world
    duplicate = open_ticket(world.acme_contact, world.acme, "Phones do not enroll (again)")
    client_as("l1").post(
        "/desk/queue/team/bulk/",
        {"ticket": [duplicate.pk, desk.acme.pk], "action": "merge", "into": desk.acme.reference},
    )
    assert Ticket.objects.get(pk=duplicate.pk).status == "closed"
    assert Ticket.objects.get(pk=desk.acme.pk).status != "closed"


def test_take_it_assigns_the_ticket_to_me_in_one_click(desk, client_as):
    client = client_as("l1")
    page = client.get(f"/desk/tickets/{desk.acme.reference}/").content.decode()
    assert 'id="take-it"' in page
    response = client.post(f"/desk/tickets/{desk.acme.reference}/take/")
    assert response.status_code == 302
    assert Ticket.objects.get(pk=desk.acme.pk).assignee == desk.world.l1
    page = client.get(f"/desk/tickets/{desk.acme.reference}/").content.decode()
    assert 'id="take-it"' not in page


def test_a_saved_view_shared_with_a_team_reaches_its_members_only(desk, client_as):
    world = desk.world
    client = client_as("l1")
    client.post(
        "/desk/queue/team/save/",
        {"name": "Team P2", "priority": "2", "team_share": world.service_desk.pk},
    )
    shared = SavedView.objects.get(name="Team P2")
    assert shared.team == world.service_desk
    colleague = client_as("l1_other").get("/desk/queue/team/")
    assert "Team P2" in colleague.content.decode()
    assert "Team P2" not in client_as("l2").get("/desk/queue/team/").content.decode()
    # Only its owner deletes it.
    assert client_as("l1_other").post(f"/desk/views/{shared.pk}/delete/").status_code == 404


def test_a_view_is_shared_only_with_a_team_of_ones_own(desk):
    world = desk.world
    with pytest.raises(InvalidInput):
        services.saved_view_create(
            actor=world.l1, name="Theirs", view="team", filters={}, team=world.research
        )


# ---- who may be assigned ------------------------------------------------------------------


PERSONAS = ["l1", "l1_other", "l2", "l3", "manager", "partner_agent", "other_partner_agent"]


def test_the_two_faces_of_the_assignment_rule_agree(desk):
    world = desk.world
    for ticket in (desk.acme, desk.cobalt, desk.umbrella, desk.globex):
        offered = set(
            policies.assignable(ticket, Agent.objects.all()).values_list("user_id", flat=True)
        )
        for persona in PERSONAS:
            user = world.persona(persona)
            assert (user.pk in offered) == policies.may_be_assigned(user, ticket), (
                persona,
                ticket.subject,
            )


def test_a_partners_agent_is_never_offered_a_direct_customers_ticket(desk):
    world = desk.world
    offered = {a.user for a in selectors.assignment_candidates(user=world.l1, ticket=desk.acme)}
    assert world.l1_other in offered
    assert world.partner_agent not in offered
    cobalt = {a.user for a in selectors.assignment_candidates(user=world.l1, ticket=desk.cobalt)}
    assert world.partner_agent in cobalt and world.other_partner_agent not in cobalt


def test_the_assign_service_refuses_an_agent_who_cannot_see_the_ticket(desk):
    world = desk.world
    with pytest.raises(InvalidInput, match="cannot see"):
        ticket_services.ticket_assign(
            actor=world.l1, ticket=desk.acme, assignee=world.partner_agent
        )
    assert Ticket.objects.get(pk=desk.acme.pk).assignee is None


# ---- presence -----------------------------------------------------------------------------


def test_an_agent_is_warned_when_a_colleague_views_or_writes_on_the_ticket(desk, client_as):
    url = f"/desk/tickets/{desk.acme.reference}/presence/"
    me, colleague = client_as("l1"), client_as("l1_other")
    assert "Careful" not in me.post(url).content.decode()
    colleague.post(url)
    assert "l1_other is viewing" in me.post(url).content.decode()
    colleague.post(url, {"activity": "writing"})
    assert "writing on" in me.post(url).content.decode()
    assert "l1 is viewing" in colleague.post(url).content.decode()


def test_a_colleague_who_left_is_no_longer_shown(desk, client_as):
    url = f"/desk/tickets/{desk.acme.reference}/presence/"
    client_as("l1_other").post(url)
    with time_machine.travel(now() + timedelta(minutes=2)):
        assert "Careful" not in client_as("l1").post(url).content.decode()
