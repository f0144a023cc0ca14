"""Ticket endpoints as their users would notice them: filters, edits, actions, conversation."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.api.conftest import open_ticket
from tierdesk.core.clock import now


def path(ticket, tail=""):
    return f"/api/v1/tickets/{ticket['reference']}{tail}"


def test_a_contact_opens_for_their_own_organization_without_naming_it(world, api_as):
    ticket = open_ticket(api_as("acme_contact"), impact={"affected": 30, "total": 100})
    assert ticket["organization"]["id"] == world.acme.pk
    assert ticket["reporter"]["email"] == "acme_contact@example.test"
    assert ticket["channel"] == "api"
    assert ticket["impact"] == {"affected": 30, "total": 100, "unit": ""}
    assert ticket["severity"] == "critical"
    assert ticket["priority"] == 1


def test_the_new_ticket_is_found_at_its_location(world, api_as):
    contact = api_as("acme_contact")
    response = contact.post("/api/v1/tickets", {"subject": "s", "body": "b"})
    assert response.status_code == 201
    assert contact.get(response["Location"]).json()["id"] == response.json()["id"]


def test_a_contact_may_not_set_the_priority(world, api_as):
    response = api_as("acme_contact").post(
        "/api/v1/tickets", {"subject": "s", "body": "b", "priority": 1}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "priority"


def test_an_agent_opens_for_a_reporter_and_its_organization(world, api_as):
    reporter = world.globex_contact.contact
    ticket = open_ticket(api_as("l1"), reporter=reporter.pk, priority=2, type="question")
    assert ticket["organization"]["name"] == "Globex Logistics"
    assert ticket["reporter"]["id"] == reporter.pk
    assert ticket["priority"] == 2
    assert ticket["type"] == "question"


def test_an_agent_must_say_which_organization(world, api_as):
    response = api_as("l1").post("/api/v1/tickets", {"subject": "s", "body": "b"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "organization"


def test_the_ticket_list_filters_and_orders(world, api_as, django_capture_on_commit_callbacks):
    contact, l1 = api_as("acme_contact"), api_as("l1")
    with django_capture_on_commit_callbacks(execute=True):  # the search index updates on commit
        low = open_ticket(contact, subject="Printer jam")
        urgent = open_ticket(contact, subject="Server down", impact={"affected": 50, "total": 100})
        open_ticket(api_as("globex_contact"), subject="Globex thing")
    l1.post(path(low, "/assign"), {"assignee": world.l1.pk})

    def refs(**params):
        response = l1.get("/api/v1/tickets", **params)
        assert response.status_code == 200, response.json()
        return [t["reference"] for t in response.json()["items"]]

    acme = world.acme.pk
    assert refs(organization=acme, ordering="queue") == [urgent["reference"], low["reference"]]
    assert refs(organization=acme, ordering="oldest") == [low["reference"], urgent["reference"]]
    assert refs(assignee=world.l1.pk) == [low["reference"]]
    assert refs(organization=acme, unassigned="true") == [urgent["reference"]]
    assert refs(priority=["1", "2"]) == [urgent["reference"]]
    assert refs(status=["resolved", "closed"]) == []
    assert refs(q="Printer") == [low["reference"]]
    assert len(refs(active="true")) == 3


def test_pages_say_whether_more_follow(world, api_as):
    contact = api_as("acme_contact")
    for number in range(3):
        open_ticket(contact, subject=f"Issue {number}")
    first = contact.get("/api/v1/tickets", page_size=2, ordering="oldest").json()
    second = contact.get("/api/v1/tickets", page_size=2, page=2, ordering="oldest").json()
    assert [len(first["items"]), first["has_next"]] == [2, True]
    assert [len(second["items"]), second["has_next"]] == [1, False]
    assert second["items"][0]["subject"] == "Issue 2"


def test_a_ticket_is_found_by_reference_or_number(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    l1 = api_as("l1")
    assert l1.get(f"/api/v1/tickets/{ticket['number']}").json()["id"] == ticket["id"]
    assert l1.get(f"/api/v1/tickets/{ticket['reference'].lower()}").status_code == 200


def test_editing_a_ticket_sets_category_by_slug_and_merges_facts(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    l1 = api_as("l1")
    l1.patch(path(ticket), {"facts": {"logs": "attached below"}})
    edited = l1.patch(
        path(ticket), {"category": "mobile-apps", "facts": {"steps_tried": "reinstalled"}}
    ).json()
    assert edited["category"]["slug"] == "mobile-apps"
    assert edited["facts"] == {"logs": "attached below", "steps_tried": "reinstalled"}
    assert edited["version"] == 3


def test_an_unknown_fact_is_refused(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    response = api_as("l1").patch(path(ticket), {"facts": {"mood": "grumpy"}})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "facts"


def test_customers_never_see_internal_notes(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    l1 = api_as("l1")
    assert l1.post(path(ticket, "/notes"), {"body": "Probably the APNs cert"}).status_code == 201
    l1.post(path(ticket, "/replies"), {"body": "We are on it"})
    seen_by_contact = api_as("acme_contact").get(path(ticket, "/messages")).json()
    assert [m["body"] for m in seen_by_contact] == [
        "Since this morning no phone enrolls.",
        "We are on it",
    ]
    assert len(l1.get(path(ticket, "/messages")).json()) == 3
    contact_events = api_as("acme_contact").get(path(ticket, "/events")).json()
    assert "noted" not in [e["kind"] for e in contact_events]


def test_assignment_by_person_and_by_round_robin(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    l1 = api_as("l1")
    assigned = l1.post(path(ticket, "/assign"), {"assignee": world.l1_other.pk}).json()
    assert assigned["assignee"]["id"] == world.l1_other.pk
    unassigned = l1.post(path(ticket, "/assign"), {"assignee": None}).json()
    assert unassigned["assignee"] is None
    robin = l1.post(path(ticket, "/assign-round-robin")).json()
    assert robin["assignee"]["id"] in {world.l1.pk, world.l1_other.pk}


def test_an_agent_who_is_out_of_sight_cannot_be_assigned(world, api_as):
    ticket = open_ticket(api_as("cobalt_contact"))
    response = api_as("partner_agent").post(path(ticket, "/assign"), {"assignee": world.l2.pk})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "assignee"


def test_priority_impact_and_hand_back(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    manager = api_as("manager")
    raised = manager.post(path(ticket, "/priority"), {"priority": 1, "reason": "CEO's phone"})
    assert raised.json()["priority"] == 1
    impact = manager.post(path(ticket, "/impact"), {"affected": 1, "total": 200, "unit": "seats"})
    assert impact.json()["severity"] == "minor"
    assert impact.json()["priority"] == 1  # the agent's decision wins over impact
    manager.post(
        path(ticket, "/escalate"),
        {"reason": "r", "to_level": 3, "facts": {"system_details": "x", "steps_tried": "y"}},
    )
    back = manager.post(path(ticket, "/hand-back"), {"reason": "Known fix", "to_level": 1})
    assert back.json()["support_level"] == 1
    assert back.json()["team"]["name"] == "Service desk"


def test_a_bad_pending_reason_names_the_field(world, api_as):
    ticket = open_ticket(api_as("acme_contact"))
    response = api_as("l1").post(path(ticket, "/pend"), {"reason": "lunch"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reason"


def test_reopening_after_the_window_opens_a_follow_up(world, api_as):
    contact, l1 = api_as("acme_contact"), api_as("l1")
    ticket = open_ticket(contact)
    l1.post(path(ticket, "/resolve"), {"summary": "Replaced the certificate"})
    contact.post(path(ticket, "/close"))
    with time_machine.travel(now() + timedelta(days=30)):
        response = contact.post(path(ticket, "/reopen"), {"reason": "Broken again"})
    assert response.status_code == 201
    follow_up = response.json()
    assert follow_up["follow_up_of"] == ticket["reference"]
    assert follow_up["reference"] != ticket["reference"]
    assert response["Location"].endswith(follow_up["reference"])
    assert contact.get(path(ticket)).json()["status"] == "closed"


def test_categories_come_as_a_tree_with_their_required_facts(world, api_as):
    categories = api_as("acme_contact").get("/api/v1/categories", page_size=100).json()["items"]
    by_slug = {c["slug"]: c for c in categories}
    assert by_slug["enrollment"]["parent_slug"] == "end-users"
    assert by_slug["end-users"]["parent"] is None
    assert "screenshots" in by_slug["enrollment"]["required_facts"]


def test_me_teams_and_agents_for_an_agent(world, api_as):
    l1 = api_as("l1")
    me = l1.get("/api/v1/me").json()
    assert me["role"] == "vendor_agent"
    assert me["organization"]["name"] == "Northwind Software"
    teams = {t["name"] for t in l1.get("/api/v1/teams").json()["items"]}
    assert {"Service desk", "Technical support", "Bluebird desk"} <= teams
    agents = l1.get("/api/v1/agents", team=world.service_desk.pk).json()["items"]
    assert {a["username"] for a in agents} == {"l1", "l1_other"}
    assert agents[0]["teams"] == [{"id": world.service_desk.pk, "name": "Service desk"}]


def test_contacts_are_searched_by_name_or_email(world, api_as):
    manager = api_as("manager")
    found = manager.get("/api/v1/contacts", q="globex").json()["items"]
    assert [c["name"] for c in found] == ["globex_contact"]
    one = manager.get(f"/api/v1/contacts/{found[0]['id']}").json()
    assert one["organization"]["name"] == "Globex Logistics"
    org = manager.get(f"/api/v1/organizations/{world.cobalt.pk}").json()
    assert org["partner"]["name"] == "Bluebird Partners"
