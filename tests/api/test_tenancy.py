"""Every endpoint, walked with people who must not see each other's data.

The operations come from the OpenAPI document, so a new endpoint fails ``test_every_endpoint_
has_a_probe`` until it gets a probe here: nothing is left out by forgetting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tierdesk.accounts.models import ApiToken
from tierdesk.api_root import api
from tierdesk.core.api import throttles
from tierdesk.sla.models import Calendar, Plan
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

PREFIX = "/api/v1"


@dataclass
class Target:
    """One organization's things, to be asked for by somebody else."""

    ticket: Ticket
    attachment_id: int
    organization_id: int
    contact_id: int | None

    def params(self) -> dict[str, Any]:
        return {
            "ref": self.ticket.reference,
            "attachment_id": self.attachment_id,
            "organization_id": self.organization_id,
            "contact_id": self.contact_id or 0,
        }


@dataclass
class Probe:
    """How to call one operation. ``kind`` says what an outsider must get:
    ``object``: 404 for another tenant's object; ``list``: nothing of theirs;
    ``own``: only the caller's own data, whoever calls."""

    kind: str
    body: Callable[[Target], dict[str, Any]] | None = None
    upload: bool = False
    query: dict[str, Any] = field(default_factory=dict)


PROBES: dict[str, Probe] = {
    "GET /tickets": Probe("list"),
    "POST /tickets": Probe(
        "object", body=lambda t: {"organization": t.organization_id, "subject": "s", "body": "b"}
    ),
    "GET /tickets/{ref}": Probe("object"),
    "PATCH /tickets/{ref}": Probe("object", body=lambda t: {"subject": "Taken over"}),
    "GET /tickets/{ref}/events": Probe("object"),
    "GET /tickets/{ref}/messages": Probe("object"),
    "POST /tickets/{ref}/replies": Probe("object", body=lambda t: {"body": "hello"}),
    "POST /tickets/{ref}/notes": Probe("object", body=lambda t: {"body": "psst"}),
    "POST /tickets/{ref}/attachments": Probe("object", upload=True),
    "GET /tickets/{ref}/attachments": Probe("object"),
    "GET /tickets/{ref}/attachments/{attachment_id}/download": Probe("object"),
    "POST /tickets/{ref}/assign": Probe("object", body=lambda t: {"assignee": None}),
    "POST /tickets/{ref}/assign-round-robin": Probe("object", body=lambda t: {}),
    "POST /tickets/{ref}/priority": Probe("object", body=lambda t: {"priority": 1, "reason": "r"}),
    "POST /tickets/{ref}/impact": Probe("object", body=lambda t: {"affected": 1, "total": 9}),
    "POST /tickets/{ref}/escalate": Probe(
        "object",
        body=lambda t: {"reason": "L2", "facts": {"system_details": "x", "steps_tried": "y"}},
    ),
    "POST /tickets/{ref}/hand-back": Probe("object", body=lambda t: {"reason": "back"}),
    "POST /tickets/{ref}/pend": Probe("object", body=lambda t: {"reason": "customer"}),
    "POST /tickets/{ref}/resume": Probe("object", body=lambda t: {}),
    "POST /tickets/{ref}/resolve": Probe("object", body=lambda t: {"summary": "done"}),
    "POST /tickets/{ref}/close": Probe("object", body=lambda t: {}),
    "POST /tickets/{ref}/reopen": Probe("object", body=lambda t: {"reason": "again"}),
    "GET /organizations": Probe("list"),
    "GET /organizations/{organization_id}": Probe("object"),
    "GET /contacts": Probe("list"),
    "GET /contacts/{contact_id}": Probe("object"),
    "GET /teams": Probe("list"),
    "GET /agents": Probe("list"),
    # Public configuration: the same category tree for everybody who files tickets.
    "GET /categories": Probe("own"),
    # The published support policy: plans, targets and calendars are the same for everybody.
    "GET /sla/plans": Probe("own"),
    "GET /sla/plans/{plan_id}": Probe("own"),
    "GET /sla/calendars": Probe("own"),
    "GET /sla/calendars/{calendar_id}": Probe("own"),
    "GET /tickets/{ref}/sla": Probe("object"),
    "GET /me": Probe("own"),
    "GET /tokens": Probe("own"),
    "POST /tokens": Probe("own", body=lambda t: {"name": "mine"}),
    "DELETE /tokens/{token_id}": Probe("own"),
    # The knowledge base answers each caller with what they may read (tests/kb/test_api.py).
    "GET /kb/articles": Probe("own"),
    "GET /kb/articles/{slug}": Probe("own"),
    "GET /kb/search": Probe("own", query={"q": "password"}),
    # The download centre answers each caller with what it may read or download
    # (tests/downloads/test_tenancy.py walks every persona over every release).
    "GET /downloads/releases": Probe("own"),
    "GET /downloads/releases/{release_id}": Probe("own"),
    "POST /downloads/releases": Probe("own"),
    "POST /downloads/releases/{release_id}/publish": Probe("own"),
    "POST /downloads/fixes": Probe(
        "object", body=lambda t: {"ticket": t.ticket.reference, "release": 1}
    ),
    "GET /downloads/log": Probe("own"),
    "GET /downloads/entitlements": Probe("own"),
    "GET /products": Probe("own"),
    "GET /subscriptions": Probe("list"),
    # Knowledge-base authoring and suggestions: each caller gets what its role allows
    # (tests/kb/test_api.py, tests/kb/test_tenancy.py).
    "GET /kb/articles/{slug}/work": Probe("own"),
    "GET /kb/suggest": Probe("own", query={"q": "password"}),
    "PATCH /kb/articles/{slug}": Probe("own"),
    "POST /kb/articles": Probe("own"),
    "POST /kb/articles/{slug}/approve": Probe("own"),
    "POST /kb/articles/{slug}/archive": Probe("own"),
    "POST /kb/articles/{slug}/request-changes": Probe("own"),
    "POST /kb/articles/{slug}/submit": Probe("own"),
    "POST /kb/articles/{slug}/verify": Probe("own"),
    # An article's files follow the article's visibility (tests/kb/test_files.py).
    "GET /kb/articles/{slug}/attachments": Probe("own"),
    "POST /kb/articles/{slug}/attachments": Probe("own"),
    "GET /kb/articles/{slug}/attachments/{attachment_id}/download": Probe("own"),
    "DELETE /kb/articles/{slug}/attachments/{attachment_id}": Probe("own"),
    # Problems, incidents, root-cause reports and changes: every persona over every one of
    # them in tests/problems/test_tenancy.py.
    "GET /problems": Probe("own"),
    "GET /problems/{pk}": Probe("own"),
    "POST /problems": Probe("own"),
    "POST /problems/{pk}/broadcasts": Probe("own"),
    "POST /problems/{pk}/fix": Probe("own"),
    "POST /problems/{pk}/links": Probe("own"),
    "POST /problems/{pk}/workaround": Probe("own"),
    "GET /incidents": Probe("own"),
    "GET /incidents/{pk}": Probe("own"),
    "POST /incidents": Probe("own"),
    "POST /incidents/{pk}/updates": Probe("own"),
    "GET /status/incidents": Probe("own"),
    "GET /rcas": Probe("own"),
    "GET /rcas/{pk}": Probe("own"),
    "POST /rcas/{pk}/report": Probe("own"),
    "POST /rcas/{pk}/review": Probe("own"),
    "POST /rcas/{pk}/{step}": Probe("own"),
    "GET /changes": Probe("own"),
    "GET /changes/{pk}": Probe("own"),
    "POST /changes": Probe("own"),
    "POST /changes/{pk}/approve": Probe("own"),
    "POST /changes/{pk}/decision": Probe("own"),
    # The rollups and the backlog, scoped to the caller (tests/reports/test_policies.py).
    "GET /reports/rollups": Probe("own"),
    "GET /reports/backlog": Probe("own"),
}


def operations() -> list[str]:
    schema = api.get_openapi_schema()
    return sorted(
        f"{method.upper()} {path.removeprefix(PREFIX)}"
        for path, methods in schema["paths"].items()
        for method in methods
    )


def test_every_endpoint_has_a_probe():
    assert operations() == sorted(PROBES), "add a probe for each new endpoint (and drop stale)"


# ---- the world of tenants -----------------------------------------------------------------


def _target(world: Any, opener: Any, organization: Any, contact: Any = None) -> Target:
    ticket = services.ticket_open(
        actor=opener, organization=organization, subject=f"{organization.name} trouble",
        body="It broke.",
    )  # fmt: skip
    attachment = services.attachment_add(
        actor=opener, ticket=ticket, stream=SimpleUploadedFile("log.txt", b"log"),
        filename="log.txt",
    )  # fmt: skip
    contact_id = contact.contact.pk if contact else None
    return Target(ticket, attachment.pk, organization.pk, contact_id)


@pytest.fixture
def tenants(world: Any) -> dict[str, Target]:
    return {
        "acme": _target(world, world.acme_contact, world.acme, world.acme_contact),
        "globex": _target(world, world.globex_contact, world.globex, world.globex_contact),
        "cobalt": _target(world, world.cobalt_contact, world.cobalt, world.cobalt_contact),
        "bluebird": _target(world, world.partner_agent, world.bluebird),
        "umbrella": _target(world, world.umbrella_contact, world.umbrella, world.umbrella_contact),
        "redline": _target(world, world.other_partner_agent, world.redline),
    }


def call(client: Any, operation: str, target: Target, token_id: int = 0, **query: Any) -> Any:
    method, template = operation.split(" ", 1)
    probe = PROBES[operation]
    params = target.params()
    params["token_id"] = token_id
    params["slug"] = "reset-password"
    params["plan_id"] = Plan.objects.order_by("id").values_list("id", flat=True).first()
    params["calendar_id"] = Calendar.objects.order_by("id").values_list("id", flat=True).first()
    params["release_id"] = 1  # the download centre's: tests/downloads/test_tenancy.py
    params["pk"] = 1  # problems, incidents, reports, changes: tests/problems/test_tenancy.py
    params["step"] = "release"
    path = PREFIX + template.format(**params)
    if probe.upload:
        upload = SimpleUploadedFile("x.txt", b"x", content_type="text/plain")
        return client.upload(path, {"file": upload})
    if method == "GET":
        return client.get(path, **probe.query, **query)
    if method == "DELETE":
        return client.client.delete(path, headers=client.headers)
    body = probe.body(target) if probe.body else {}
    if method == "PATCH":
        return client.patch(path, body)
    return client.post(path, body)


@pytest.fixture
def acme_token(world: Any) -> int:
    """A token of acme's contact: nobody else may list or revoke it."""
    return ApiToken.objects.create(
        user=world.acme_contact, name="acme's", key_hash="0" * 64, hint="tdk_xxxx"
    ).pk


# ---- anonymous --------------------------------------------------------------------------------
# Each test walks all operations in one database setup and reports every one that answers
# wrong, so a failure names the endpoints at once.

OBJECT_OPERATIONS = [op for op, probe in PROBES.items() if probe.kind == "object"]


def wrong_answers(
    client: Any, operations: list[str], target: Target, token_id: int, expected: int
) -> dict[str, Any]:
    """Operation -> (status, body) for each that does not answer ``expected`` in the shape."""
    wrong = {}
    for operation in operations:
        # More operations than the anonymous gate lets one address try in a minute: each
        # probe starts with fresh counts (throttling has its own tests, test_rate_limits.py).
        throttles.clear()
        response = call(client, operation, target, token_id)
        body = b"<a file>" if response.streaming else response.content
        shaped = not response.streaming and "error" in response.json()
        if response.status_code != expected or (expected >= 400 and not shaped):
            wrong[operation] = (response.status_code, body[:200])
    return wrong


def test_anonymous_callers_get_401_everywhere(tenants, acme_token, api_as):
    anonymous = api_as(None)
    assert wrong_answers(anonymous, sorted(PROBES), tenants["acme"], acme_token, 401) == {}


def test_anonymous_callers_may_read_the_api_description(api_as):
    anonymous = api_as(None)
    assert anonymous.get("/api/v1/openapi.json").status_code == 200
    assert anonymous.get("/api/v1/docs").status_code == 200


# ---- a contact of another customer ------------------------------------------------------------


def test_a_contact_of_another_customer_gets_404_everywhere(tenants, acme_token, api_as):
    globex = api_as("globex_contact")
    acme = tenants["acme"]
    assert wrong_answers(globex, OBJECT_OPERATIONS, acme, acme_token, 404) == {}
    assert acme.ticket.subject == Ticket.objects.get(pk=acme.ticket.pk).subject


def test_a_contact_never_lists_another_customers_things(tenants, api_as):
    globex = api_as("globex_contact")
    acme = tenants["acme"]
    assert globex.get("/api/v1/tickets", organization=acme.organization_id).json()["items"] == []
    assert refs(globex.get("/api/v1/tickets")) == {tenants["globex"].ticket.reference}
    assert names(globex.get("/api/v1/organizations")) == {"Globex Logistics"}
    assert globex.get("/api/v1/contacts", organization=acme.organization_id).json()["items"] == []
    assert names(globex.get("/api/v1/contacts")) == {"globex_contact"}
    assert globex.get("/api/v1/teams").json()["items"] == []
    assert globex.get("/api/v1/agents").json()["items"] == []


def test_own_data_endpoints_show_only_the_callers_own(world, acme_token, api_as):
    globex = api_as("globex_contact")
    assert globex.get("/api/v1/me").json()["organization"]["name"] == "Globex Logistics"
    tokens = globex.get("/api/v1/tokens").json()["items"]
    assert acme_token not in {t["id"] for t in tokens}
    revoke = globex.client.delete(f"/api/v1/tokens/{acme_token}", headers=globex.headers)
    assert revoke.status_code == 404
    assert ApiToken.objects.get(pk=acme_token).revoked_at is None
    created = globex.post("/api/v1/tokens", {"name": "mine"})
    assert ApiToken.objects.get(pk=created.json()["id"]).user == world.globex_contact
    assert globex.get("/api/v1/categories").status_code == 200


# ---- a partner sees exactly its own customers -------------------------------------------------

PARTNERS_OWN = ["bluebird", "cobalt"]
NOT_PARTNERS = ["acme", "globex", "umbrella", "redline"]
READS = [op for op in OBJECT_OPERATIONS if op.startswith("GET ")]


@pytest.mark.parametrize("tenant", NOT_PARTNERS)
def test_a_partner_agent_gets_404_for_organizations_not_its_own(
    tenants, acme_token, api_as, tenant
):
    partner = api_as("partner_agent")
    assert wrong_answers(partner, OBJECT_OPERATIONS, tenants[tenant], acme_token, 404) == {}


@pytest.mark.parametrize("tenant", PARTNERS_OWN)
def test_a_partner_agent_reads_its_own_and_its_customers(tenants, acme_token, api_as, tenant):
    partner = api_as("partner_agent")
    # The partner organization itself has no contacts in this world.
    reads = [op for op in READS if tenant == "cobalt" or "contact_id" not in op]
    assert wrong_answers(partner, reads, tenants[tenant], acme_token, 200) == {}


def test_a_partner_agent_lists_exactly_its_own_and_its_customers(tenants, api_as):
    partner = api_as("partner_agent")
    assert refs(partner.get("/api/v1/tickets")) == {
        tenants[name].ticket.reference for name in PARTNERS_OWN
    }
    assert names(partner.get("/api/v1/organizations")) == {"Bluebird Partners", "Cobalt Clinics"}
    assert names(partner.get("/api/v1/contacts")) == {"cobalt_contact"}
    assert names(partner.get("/api/v1/teams")) == {"Bluebird desk"}
    assert names(partner.get("/api/v1/agents")) == {"partner_agent"}
    for name in NOT_PARTNERS:
        org = tenants[name].organization_id
        assert partner.get("/api/v1/tickets", organization=org).json()["items"] == []
        assert partner.get("/api/v1/contacts", organization=org).json()["items"] == []


def refs(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["reference"] for item in response.json()["items"]}


def names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}
