"""Who sees which report: every URL and the API for every persona; the two faces agree."""

from __future__ import annotations

import pytest
import time_machine

from tests.conftest import PERSONAS
from tests.reports.conftest import AFTER_THE_WEEK
from tierdesk.crm.models import Organization
from tierdesk.reports import policies
from tierdesk.reports.models import DailyBacklog, DailyRollup

pytestmark = pytest.mark.usefixtures("rolled_up", "recipients")

EVERYBODY = ["anonymous", *PERSONAS]
BOSSES = {"manager", "admin"}
# Whose monthly report each persona may read (besides managers and admins, who read all).
READS = {
    "acme": {"acme_contact"},  # the recipient; her colleague is not one
    "globex": set(),
    "bluebird": {"partner_agent"},
    "cobalt": {"partner_agent", "cobalt_contact"},
    "umbrella": {"other_partner_agent"},
    "redline": {"other_partner_agent"},
}
REPORT_PAGES = ["", "report.pdf", "breaches.csv", "volume.xlsx"]


def get(client_as, persona, url):
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        return client_as(None if persona == "anonymous" else persona).get(url)


@pytest.mark.parametrize("persona", EVERYBODY)
def test_the_dashboard_and_its_lists_are_for_managers(client_as, persona):
    for url in ["/reports/dashboard/", "/reports/dashboard/compliance.csv",
                "/reports/tickets/?measure=opened"]:  # fmt: skip
        status = get(client_as, persona, url).status_code
        if persona == "anonymous":
            assert status == 302, url  # to the sign-in page
        else:
            assert status == (200 if persona in BOSSES else 404), (persona, url)


@pytest.mark.parametrize("persona", EVERYBODY)
def test_a_monthly_report_is_read_only_by_those_it_is_for(client_as, world, persona):
    for name, readers in READS.items():
        organization = getattr(world, name)
        for page in REPORT_PAGES:
            url = f"/reports/monthly/{organization.pk}/2026-11/{page}"
            status = get(client_as, persona, url).status_code
            if persona == "anonymous":
                assert status == 302
            else:
                allowed = persona in BOSSES or persona in readers
                assert status == (200 if allowed else 404), (persona, url)


@pytest.mark.parametrize("persona", EVERYBODY)
def test_the_report_list_names_only_readable_organizations(client_as, world, persona):
    response = get(client_as, persona, "/reports/monthly/")
    if persona == "anonymous":
        assert response.status_code == 302
        return
    listed = {o.pk for o in response.context["organizations"]}
    readable = {
        getattr(world, name).pk
        for name, readers in READS.items()
        if persona in BOSSES or persona in readers
    }
    if persona in BOSSES:
        assert readable <= listed
    else:
        assert listed == readable


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_two_faces_agree(world, persona):
    user = world.persona(persona)
    organizations = Organization.objects.all()
    visible = set(policies.visible(user, policies.REPORT, organizations))
    assert visible == {o for o in organizations if policies.can(user, policies.REPORT, o)}
    for model in (DailyRollup, DailyBacklog):
        rows = model.objects.select_related("organization")
        shown = set(policies.visible(user, policies.ROLLUPS, rows))
        assert shown == {r for r in rows if policies.can(user, policies.ROLLUPS, r)}


@pytest.mark.parametrize("endpoint", ["rollups", "backlog"])
@pytest.mark.parametrize("persona", EVERYBODY)
def test_the_rollups_api_serves_only_the_callers_organizations(api_as, world, persona, endpoint):
    client = api_as(None if persona == "anonymous" else persona)
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        period = {"from": "2026-11-01", "to": "2026-11-30", "page_size": 100}
        response = client.get(f"/api/v1/reports/{endpoint}", **period)
    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    organizations = {item["organization"] for item in response.json()["items"]}
    readable = {
        getattr(world, name).pk
        for name, readers in READS.items()
        if persona in BOSSES or persona in readers
    }
    assert organizations <= readable
    if persona in {"acme_contact", "manager"}:
        assert world.acme.pk in organizations


def test_the_rollups_api_explains_bad_input(api_as):
    client = api_as("manager")
    bad_date = client.get("/api/v1/reports/rollups", **{"from": "2026-11-31", "to": "2026-11-30"})
    assert bad_date.status_code in (400, 422)
    assert bad_date.json()["error"]["field"] == "from"
    backwards = client.get("/api/v1/reports/rollups", **{"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.json()["error"]["field"] == "to"
    items = client.get("/api/v1/reports/rollups", **{"from": "2026-11-16", "to": "2026-11-16"})
    first = items.json()["items"][0]
    assert {"day", "organization", "response_seconds", "pending_seconds"} <= set(first)
    backlog = client.get("/api/v1/reports/backlog", **{"from": "2026-11-16", "to": "2026-11-16"})
    assert {"day", "organization", "backlog", "backlog_breached"} <= set(backlog.json()["items"][0])
