"""Linking in bulk from the desk queue's selection: "Link to problem" goes through the problems
service and its policy, ticket by ticket, and says what happened to each."""

from __future__ import annotations

from tierdesk.problems.models import ProblemStatus, ProblemTicket
from tierdesk.problems.services import problem_create, problem_update


def linked(problem) -> set[int]:
    return set(ProblemTicket.objects.filter(problem=problem).values_list("ticket_id", flat=True))


def test_the_queue_links_the_selected_tickets_to_an_open_problem(world, outbreak, client_as):
    problem = problem_create(actor=world.manager, statement="Antivirus quarantines invoices")
    page = client_as("manager").get("/desk/queue/all/").content.decode()
    assert 'name="problem"' in page and problem.reference in page
    response = client_as("manager").post(
        "/desk/queue/all/bulk/",
        {"ticket": [t.pk for t in outbreak.tickets], "action": "problem", "problem": problem.pk},
        follow=True,
    )
    assert "3 done" in response.content.decode()
    assert linked(problem) == {t.pk for t in outbreak.tickets}


def test_a_ticket_out_of_the_agents_sight_is_refused_and_the_others_linked(
    world, outbreak, client_as
):
    problem = problem_create(actor=world.manager, statement="Antivirus quarantines invoices")
    response = client_as("l1").post(
        "/desk/queue/team/bulk/",
        {"ticket": [t.pk for t in outbreak.tickets], "action": "problem", "problem": problem.pk},
        follow=True,
    )
    text = response.content.decode()
    visible = {t.pk for t in outbreak.tickets} & linked(problem)
    assert visible and len(visible) < 3, "l1 links what it sees, no more"
    assert "No such ticket." in text


def test_a_closed_problem_takes_no_tickets(world, outbreak, client_as):
    problem = problem_create(actor=world.manager, statement="Antivirus quarantines invoices")
    problem_update(actor=world.manager, problem=problem, status=ProblemStatus.CLOSED)
    response = client_as("manager").post(
        "/desk/queue/all/bulk/",
        {"ticket": [outbreak.tickets[0].pk], "action": "problem", "problem": problem.pk},
        follow=True,
    )
    assert "The problem is closed." in response.content.decode()
    assert linked(problem) == set()


def test_a_partners_agent_cannot_link_to_a_problem_it_cannot_see(world, outbreak, client_as):
    problem = problem_create(actor=world.manager, statement="Antivirus quarantines invoices")
    page = client_as("partner_agent").get("/desk/queue/team/").content.decode()
    assert problem.reference not in page
    response = client_as("partner_agent").post(
        "/desk/queue/team/bulk/",
        {"ticket": [outbreak.tickets[2].pk], "action": "problem", "problem": problem.pk},
        follow=True,
    )
    assert "No such problem." in response.content.decode()
    assert linked(problem) == set()


def test_no_problem_chosen_is_refused(world, outbreak, client_as):
    response = client_as("manager").post(
        "/desk/queue/all/bulk/",
        {"ticket": [outbreak.tickets[0].pk], "action": "problem"},
        follow=True,
    )
    assert "Choose the problem." in response.content.decode()
