"""Every problems page and endpoint, for every persona: the vendor's side works them; partners,
contacts and anonymous visitors find nothing there; a contact sees only what concerns their own
organization (never another affected organization); internal notes never reach a contact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS
from tierdesk.core.clock import now
from tierdesk.problems.api import router
from tierdesk.problems.models import ChangeRequest, Incident, Problem, RootCauseReport
from tierdesk.problems.services import (
    change_request,
    incident_declare,
    incident_post,
    incident_publish,
    problem_create,
    problem_note,
    rca_review,
    rca_submit,
    rca_write,
)
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.models import Ticket

VENDOR = ["l1", "l1_other", "l2", "l3", "manager", "admin"]
OUTSIDERS = ["partner_agent", "other_partner_agent", "acme_contact", "globex_contact",
             "cobalt_contact", "umbrella_contact"]  # fmt: skip


@dataclass
class Things:
    problem: Problem
    incident: Incident
    rca: RootCauseReport
    change: ChangeRequest
    tickets: list[Ticket]


@pytest.fixture
def things(world: Any, outbreak: Any) -> Things:
    problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
    problem_note(actor=world.manager, problem=problem, body="SECRET-NOTE vendor blame")
    incident = incident_declare(actor=world.manager, title="AV outage", lead=world.l3,
                                problem=problem)  # fmt: skip
    incident_publish(actor=world.manager, incident=incident, public=True)
    incident_post(actor=world.manager, incident=incident, status="resolved", body="Fixed.")
    rca = RootCauseReport.objects.get(incident=incident)
    rca_write(actor=world.l2, rca=rca, summary="s", impact="i", timeline="t", root_cause="r",
              actions=[{"kind": "corrective", "action": "a", "owner": "o",
                        "due": "2026-01-01"}])  # fmt: skip
    rca_submit(actor=world.l2, rca=rca)
    rca_review(actor=world.l3, rca=rca, approve=True)
    start = now() + timedelta(days=10)
    change = change_request(
        actor=world.l2, title="Patch", kind="patching", risk="low", impact="i", plan="p",
        rollback="r", window_start=start, window_end=start + timedelta(hours=1),
        organizations=[world.acme],
    )  # fmt: skip
    return Things(problem, incident, rca, change, outbreak.tickets)


# name -> (method, kwargs); the objects concern Acme (the RCA and the change are Acme's only).
DESK = {
    "problems:problem_list": ("get", lambda t: {}),
    "problems:problem_new": ("post", lambda t: {}),
    "problems:problem": ("get", lambda t: {"pk": t.problem.pk}),
    "problems:problem_action": ("post", lambda t: {"pk": t.problem.pk, "name": "note"}),
    "problems:ticket_link": ("post", lambda t: {"ref": t.tickets[0].reference}),
    "problems:ticket_panel": ("get", lambda t: {"ref": t.tickets[0].reference}),
    "problems:incident_list": ("get", lambda t: {}),
    "problems:incident": ("get", lambda t: {"pk": t.incident.pk}),
    "problems:incident_action": ("post", lambda t: {"pk": t.incident.pk, "name": "publish"}),
    "problems:rca_list": ("get", lambda t: {}),
    "problems:rca": ("get", lambda t: {"pk": t.rca.pk}),
    "problems:rca_action": ("post", lambda t: {"pk": t.rca.pk, "name": "pause"}),
    "problems:change_calendar": ("get", lambda t: {}),
    "problems:change_new": ("post", lambda t: {}),
    "problems:change": ("get", lambda t: {"pk": t.change.pk}),
    "problems:change_action": ("post", lambda t: {"pk": t.change.pk, "name": "approve"}),
}
PORTAL = {
    "problems:status_list": ("get", lambda t: {}),
    "problems:status_incident": ("get", lambda t: {"pk": t.incident.pk}),
    "problems:portal_rca_list": ("get", lambda t: {}),
    "problems:portal_rca": ("get", lambda t: {"pk": t.rca.pk}),
    "problems:portal_rca_pdf": ("get", lambda t: {"pk": t.rca.pk}),
    "problems:portal_change_list": ("get", lambda t: {}),
    "problems:portal_change": ("get", lambda t: {"pk": t.change.pk}),
    "problems:portal_change_decide": ("post", lambda t: {"pk": t.change.pk}),
}
PUBLIC = {
    "problems:public_incident": ("get", lambda t: {"slug": t.incident.public_slug}),
    "problems:public_feed": ("get", lambda t: {"slug": t.incident.public_slug}),
}
URLS = {**DESK, **PORTAL, **PUBLIC}
# Portal pages about one of Acme's objects, as opposed to lists.
ACME_ONLY = {"problems:portal_rca", "problems:portal_rca_pdf", "problems:portal_change",
             "problems:portal_change_decide"}  # fmt: skip


def call(client: Any, things: Things, name: str) -> Any:
    method, kwargs = URLS[name]
    url = reverse(name, kwargs=kwargs(things))
    return client.post(url, {"body": "x"}) if method == "post" else client.get(url)


def test_every_problems_url_is_covered() -> None:
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "problems":
            names |= {f"problems:{p.name}" for p in entry.url_patterns
                      if isinstance(p, URLPattern)}  # fmt: skip
    assert names == set(URLS)


@pytest.mark.parametrize("name", sorted(DESK))
@pytest.mark.parametrize("persona", VENDOR)
def test_the_vendors_side_opens_every_desk_page(world, things, client_as, persona, name):
    expected = {200, 302}
    if name in {"problems:ticket_link", "problems:ticket_panel"} and not ticket_policies.can(
        world.persona(persona), ticket_policies.VIEW, things.tickets[0]
    ):
        expected = {404}  # linking from a ticket the agent cannot see: no such ticket
    assert call(client_as(persona), things, name).status_code in expected


@pytest.mark.parametrize("name", sorted(DESK))
@pytest.mark.parametrize("persona", OUTSIDERS)
def test_partners_and_contacts_find_no_desk_page(things, client_as, persona, name):
    response = call(client_as(persona), things, name)
    if name == "problems:ticket_panel" and "partner" in persona:
        # The desk ticket page loads the panel for every agent: a partner's is empty.
        assert response.status_code == 200 and response.content == b""
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(DESK | PORTAL))
def test_anonymous_visitors_are_sent_to_sign_in(things, client_as, name):
    response = call(client_as(None), things, name)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(PUBLIC))
@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_the_public_incident_page_answers_everybody(things, client_as, persona, name):
    assert call(client_as(persona), things, name).status_code == 200


@pytest.mark.parametrize("name", sorted(PORTAL))
@pytest.mark.parametrize("persona", [*VENDOR, "partner_agent", "other_partner_agent"])
def test_agents_find_no_portal_page_of_ours(things, client_as, persona, name):
    assert call(client_as(persona), things, name).status_code == 404


@pytest.mark.parametrize("name", sorted(PORTAL))
def test_the_acme_contact_opens_every_portal_page(things, client_as, name):
    assert call(client_as("acme_contact"), things, name).status_code in {200, 302}


@pytest.mark.parametrize("name", sorted(ACME_ONLY | {"problems:status_incident"}))
def test_a_contact_of_an_unaffected_organization_gets_404(things, client_as, name):
    assert call(client_as("umbrella_contact"), things, name).status_code == 404


@pytest.mark.parametrize("name", sorted(ACME_ONLY))
@pytest.mark.parametrize("persona", ["globex_contact", "cobalt_contact"])
def test_another_affected_organization_never_sees_acmes_report_or_change(
    things, client_as, persona, name
):
    assert call(client_as(persona), things, name).status_code == 404


@pytest.mark.parametrize("persona", ["acme_contact", "globex_contact", "cobalt_contact"])
def test_a_contact_sees_no_other_affected_organization_and_no_note(things, client_as, persona):
    names = {"acme_contact": "Acme Retail", "globex_contact": "Globex Logistics",
             "cobalt_contact": "Cobalt Clinics"}  # fmt: skip
    client = client_as(persona)
    pages = [call(client, things, n).content for n in sorted(PORTAL) if n not in ACME_ONLY]
    pages += [client.get(f"/tickets/{t.reference}/").content for t in things.tickets]
    text = b"".join(pages)
    for other, name in names.items():
        if other != persona:
            assert name.encode() not in text
    assert b"SECRET-NOTE" not in text


# ---- the API -----------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/v1/problems", None), ("get", "/api/v1/problems/{problem}", None),
    ("post", "/api/v1/problems", {"statement": "x"}),
    ("post", "/api/v1/problems/{problem}/links", {"tickets": []}),
    ("post", "/api/v1/problems/{problem}/broadcasts", {"body": "x"}),
    ("post", "/api/v1/problems/{problem}/workaround", {"workaround": "x"}),
    ("post", "/api/v1/problems/{problem}/fix", {"note": "x"}),
    ("get", "/api/v1/incidents", None), ("get", "/api/v1/incidents/{incident}", None),
    ("post", "/api/v1/incidents", {"problem": "{problem}", "title": "x"}),
    ("post", "/api/v1/incidents/{incident}/updates", {"status": "identified", "body": "x"}),
    ("get", "/api/v1/rcas", None), ("get", "/api/v1/rcas/{rca}", None),
    ("post", "/api/v1/rcas/{rca}/report", {}), ("post", "/api/v1/rcas/{rca}/pause", None),
    ("post", "/api/v1/rcas/{rca}/review", {"approve": True}),
    ("get", "/api/v1/changes", None), ("get", "/api/v1/changes/{change}", None),
    ("post", "/api/v1/changes/{change}/approve", None),
    ("post", "/api/v1/changes/{change}/decision", {"approve": True}),
    ("get", "/api/v1/status/incidents", None),
]  # fmt: skip
# What another organization's contact, a partner or an outsider must get: nothing of Acme's.
DESK_ONLY = [e for e in ENDPOINTS if "status" not in e[1] and "decision" not in e[1]]


def _fill(text: str, things: Things) -> str:
    return text.format(problem=things.problem.pk, incident=things.incident.pk,
                       rca=things.rca.pk, change=things.change.pk)  # fmt: skip


def _send(client: Any, things: Things, method: str, path: str, body: Any) -> Any:
    path = _fill(path, things)
    if method == "get":
        return client.get(path)
    data = {k: int(_fill(v, things)) if v == "{problem}" else v for k, v in (body or {}).items()}
    return client.post(path, data)


def test_every_problems_endpoint_is_covered() -> None:
    paths = {f"/api/v1{path}" for path in router.path_operations}
    tested = {path for _, path, _ in ENDPOINTS} | {"/api/v1/rcas/{pk}/{step}"}
    normalised = {p.replace("{pk}", "{x}") for p in paths}
    assert normalised <= {
        t.replace("{problem}", "{x}").replace("{incident}", "{x}").replace("{rca}", "{x}")
        .replace("{change}", "{x}").replace("/pause", "/{step}") for t in tested
    }  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), DESK_ONLY)
@pytest.mark.parametrize("persona", ["globex_contact", "umbrella_contact", "partner_agent",
                                     "other_partner_agent"])  # fmt: skip
def test_outsiders_get_nothing_from_the_desk_endpoints(things, api_as, persona, method, path, body):
    response = _send(api_as(persona), things, method, path, body)
    if method == "get" and not path.endswith("}"):
        assert response.status_code == 200
        items = response.json()
        assert (items.get("items") if isinstance(items, dict) else items) == []
    else:
        assert response.status_code in {404, 403}


@pytest.mark.parametrize(("method", "path", "body"), [e for e in ENDPOINTS if e[0] == "get"])
@pytest.mark.parametrize("persona", VENDOR)
def test_the_vendors_side_reads_every_endpoint(things, api_as, persona, method, path, body):
    response = _send(api_as(persona), things, method, path, body)
    assert response.status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_anonymous_callers_are_refused(things, api_as, method, path, body):
    assert _send(api_as(None), things, method, path, body).status_code in {401, 404}


def test_a_contact_reads_its_own_incident_report_and_change_only(things, api_as):
    acme = api_as("acme_contact")
    assert [i["id"] for i in acme.get("/api/v1/status/incidents").json()] == [things.incident.pk]
    assert acme.get(f"/api/v1/rcas/{things.rca.pk}").status_code == 200
    assert "organizations" not in acme.get(f"/api/v1/changes/{things.change.pk}").json()
    globex = api_as("globex_contact")
    assert globex.get(f"/api/v1/rcas/{things.rca.pk}").status_code == 404
    assert globex.get(f"/api/v1/changes/{things.change.pk}").status_code == 404
    incident = globex.get("/api/v1/status/incidents").json()[0]
    assert "organizations" not in incident
