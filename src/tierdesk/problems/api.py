"""Problems, major incidents, root-cause reports and changes over HTTP, scoped to the caller.

The vendor's side reads and works them all; a contact reads the incidents affecting their
organization, its released reports and the changes touching it, and decides on those waiting
for its approval. Anything else answers 404, like something that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Query, Router, Schema, Status

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import (
    ERRORS,
    Flag,
    Id,
    In,
    Instant,
    PageOut,
    PageParams,
    Ref,
    org_ref,
    paginate,
    ref,
)
from tierdesk.core.text import MAX_BODY, MAX_SUBJECT
from tierdesk.crm.models import Organization
from tierdesk.problems import selectors, services
from tierdesk.problems.models import (
    ChangeRequest,
    Incident,
    Problem,
    ProblemUpdate,
    RootCauseReport,
)
from tierdesk.tickets import selectors as ticket_selectors

router = Router(tags=["problems"])

Text = Annotated[str, Field(min_length=1, max_length=MAX_BODY)]
Subject = Annotated[str, Field(min_length=1, max_length=MAX_SUBJECT)]
TicketRefs = Annotated[list[Annotated[str, Field(max_length=30)]], Field(max_length=1000)]


# ---- problems ----------------------------------------------------------------------------


class ProblemOut(Schema):
    id: int
    reference: str
    statement: str
    description: str
    status: str
    owner: Ref | None
    affected_versions: str
    workaround: str
    fix_note: str
    fix_release: str
    created_at: datetime
    tickets: list[str] | None = Field(
        None, description="References of the linked tickets the caller may see (single reads)."
    )


class ProblemPage(PageOut):
    items: list[ProblemOut]


def problem_out(problem: Problem, tickets: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": problem.pk, "reference": problem.reference, "statement": problem.statement,
        "description": problem.description, "status": problem.status, "owner": ref(problem.owner),
        "affected_versions": problem.affected_versions, "workaround": problem.workaround,
        "fix_note": problem.fix_note, "fix_release": problem.fix_release,
        "created_at": problem.created_at, "tickets": tickets,
    }  # fmt: skip


class ProblemIn(In):
    statement: Subject
    description: Annotated[str, Field(max_length=MAX_BODY)] = ""
    tickets: TicketRefs = []


class TicketsIn(In):
    tickets: TicketRefs


class BodyIn(In):
    body: Text


class WorkaroundIn(In):
    workaround: Text
    as_article: Flag = False


class FixIn(In):
    note: Text
    release: Annotated[str, Field(max_length=200)] = ""


class UpdateOut(Schema):
    id: int
    kind: str
    body: str
    state: str
    created_at: datetime


def update_out(update: ProblemUpdate) -> dict[str, Any]:
    return {"id": update.pk, "kind": update.kind, "body": update.body, "state": update.state,
            "created_at": update.created_at}  # fmt: skip


def _tickets(request: ApiRequest, refs: list[str]) -> list[Any]:
    named = dict.fromkeys(refs)
    return [ticket_selectors.ticket_get(user=request.auth, reference=r) for r in named]


def _problem_detail(request: ApiRequest, problem: Problem) -> dict[str, Any]:
    linked = selectors.problem_tickets(user=request.auth, problem=problem)
    return problem_out(problem, [t.reference for t in linked])


@router.get("/problems", response={200: ProblemPage, **ERRORS})
def problem_list(request: ApiRequest, paging: Query[PageParams], status: str | None = None) -> Any:
    found = selectors.problem_list(user=request.auth, status=status).order_by("-id")
    return paginate(found, paging, problem_out)


@router.post("/problems", response={201: ProblemOut, **ERRORS})
def problem_create(request: ApiRequest, payload: ProblemIn) -> Any:
    problem = services.problem_create(
        actor=request.auth, statement=payload.statement, description=payload.description,
        tickets=_tickets(request, payload.tickets),
    )  # fmt: skip
    return Status(201, _problem_detail(request, problem))


@router.get("/problems/{pk}", response={200: ProblemOut, **ERRORS})
def problem_get(request: ApiRequest, pk: Id) -> Any:
    return _problem_detail(request, selectors.problem_get(user=request.auth, pk=pk))


@router.post("/problems/{pk}/links", response={200: ProblemOut, **ERRORS})
def problem_link(request: ApiRequest, pk: Id, payload: TicketsIn) -> Any:
    problem = selectors.problem_get(user=request.auth, pk=pk)
    tickets = _tickets(request, payload.tickets)
    services.problem_link(actor=request.auth, problem=problem, tickets=tickets)
    return _problem_detail(request, problem)


@router.post("/problems/{pk}/broadcasts", response={202: UpdateOut, **ERRORS})
def problem_broadcast(request: ApiRequest, pk: Id, payload: BodyIn) -> Any:
    """Post one public update on every linked ticket (in the background, once per ticket)."""
    problem = selectors.problem_get(user=request.auth, pk=pk)
    update = services.problem_broadcast(actor=request.auth, problem=problem, body=payload.body)
    return Status(202, update_out(update))


@router.post("/problems/{pk}/workaround", response={202: UpdateOut, **ERRORS})
def problem_workaround(request: ApiRequest, pk: Id, payload: WorkaroundIn) -> Any:
    problem = selectors.problem_get(user=request.auth, pk=pk)
    update = services.problem_publish_workaround(
        actor=request.auth, problem=problem, workaround=payload.workaround,
        as_article=payload.as_article,
    )  # fmt: skip
    return Status(202, update_out(update))


@router.post("/problems/{pk}/fix", response={202: UpdateOut, **ERRORS})
def problem_fix(request: ApiRequest, pk: Id, payload: FixIn) -> Any:
    """The fix shipped: every linked ticket is told and resolved (in the background)."""
    problem = selectors.problem_get(user=request.auth, pk=pk)
    update = services.problem_fix(
        actor=request.auth, problem=problem, note=payload.note, release=payload.release
    )
    return Status(202, update_out(update))


# ---- incidents ---------------------------------------------------------------------------


class IncidentUpdateOut(Schema):
    status: str
    body: str
    created_at: datetime


class IncidentOut(Schema):
    id: int
    reference: str
    title: str
    severity: str
    status: str
    declared_at: datetime
    resolved_at: datetime | None
    public_slug: str | None
    updates: list[IncidentUpdateOut]


class IncidentDeskOut(IncidentOut):
    lead: Ref | None
    problem: int | None
    organizations: list[Ref]


def incident_out(incident: Incident) -> dict[str, Any]:
    updates = [
        {"status": u.status, "body": u.body, "created_at": u.created_at}
        for u in incident.updates.all()
    ]
    return {
        "id": incident.pk, "reference": incident.reference, "title": incident.title,
        "severity": incident.severity, "status": incident.status,
        "declared_at": incident.declared_at, "resolved_at": incident.resolved_at,
        "public_slug": incident.public_slug, "updates": updates,
    }  # fmt: skip


def incident_desk_out(incident: Incident) -> dict[str, Any]:
    organizations = [org_ref(o) for o in incident.organizations.order_by("name")]
    return {**incident_out(incident), "lead": ref(incident.lead),
            "problem": incident.problem_id, "organizations": organizations}  # fmt: skip


class DeclareIn(In):
    problem: Id
    title: Subject
    severity: Literal["major", "critical"] = "major"
    public: Flag = False


class IncidentPostIn(In):
    status: Literal["investigating", "identified", "monitoring", "resolved"]
    body: Text
    notify_contacts: Flag = False


@router.get("/incidents", response={200: list[IncidentDeskOut], **ERRORS})
def incident_list(request: ApiRequest) -> Any:
    return [incident_desk_out(i) for i in selectors.incident_list(user=request.auth)[:100]]


@router.post("/incidents", response={201: IncidentDeskOut, **ERRORS})
def incident_declare(request: ApiRequest, payload: DeclareIn) -> Any:
    """Declare a major incident on a problem, led by the caller."""
    problem = selectors.problem_get(user=request.auth, pk=payload.problem)
    incident = services.incident_declare(
        actor=request.auth, title=payload.title, lead=request.auth, problem=problem,
        severity=payload.severity,
    )  # fmt: skip
    if payload.public:
        services.incident_publish(actor=request.auth, incident=incident, public=True)
    return Status(201, incident_desk_out(incident))


@router.get("/incidents/{pk}", response={200: IncidentDeskOut, **ERRORS})
def incident_get(request: ApiRequest, pk: Id) -> Any:
    return incident_desk_out(selectors.incident_get(user=request.auth, pk=pk))


@router.post("/incidents/{pk}/updates", response={200: IncidentDeskOut, **ERRORS})
def incident_post(request: ApiRequest, pk: Id, payload: IncidentPostIn) -> Any:
    incident = selectors.incident_get(user=request.auth, pk=pk)
    services.incident_post(
        actor=request.auth, incident=incident, status=payload.status, body=payload.body,
        notify_contacts=payload.notify_contacts,
    )  # fmt: skip
    return incident_desk_out(incident)


@router.get("/status/incidents", response={200: list[IncidentOut], **ERRORS})
def status_incidents(request: ApiRequest) -> Any:
    """A contact's view: the incidents affecting their organization."""
    return [incident_out(i) for i in selectors.incident_statuses(user=request.auth)[:100]]


# ---- root-cause reports ------------------------------------------------------------------


class ActionItem(Schema):
    kind: Literal["corrective", "preventive"]
    action: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: Annotated[str, Field(min_length=1, max_length=200)]
    due: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class RcaOut(Schema):
    id: int
    reference: str
    incident: int
    organization: Ref | None
    state: str
    clock: str
    due_at: datetime | None
    summary: str
    impact: str
    timeline: str
    root_cause: str
    actions: list[ActionItem]
    released_at: datetime | None


def rca_out(rca: RootCauseReport) -> dict[str, Any]:
    return {
        "id": rca.pk, "reference": rca.reference, "incident": rca.incident_id,
        "organization": org_ref(rca.organization), "state": rca.state, "clock": rca.clock,
        "due_at": rca.due_at, "summary": rca.summary, "impact": rca.impact,
        "timeline": rca.timeline, "root_cause": rca.root_cause, "actions": rca.actions,
        "released_at": rca.released_at,
    }  # fmt: skip


class RcaWriteIn(In):
    summary: Annotated[str, Field(max_length=MAX_BODY)] = ""
    impact: Annotated[str, Field(max_length=MAX_BODY)] = ""
    timeline: Annotated[str, Field(max_length=MAX_BODY)] = ""
    root_cause: Annotated[str, Field(max_length=MAX_BODY)] = ""
    actions: Annotated[list[ActionItem], Field(max_length=100)] = []


class ReviewIn(In):
    approve: Flag
    comment: Annotated[str, Field(max_length=MAX_BODY)] = ""


@router.get("/rcas", response={200: list[RcaOut], **ERRORS})
def rca_list(request: ApiRequest) -> Any:
    """The vendor's side: reports not released yet, overdue first. A contact: the reports
    released to their organization."""
    pending = list(selectors.rcas_pending(user=request.auth)[:200])
    found = pending or list(selectors.rcas_released(user=request.auth)[:200])
    return [rca_out(r) for r in found]


def _rca(request: ApiRequest, pk: int) -> RootCauseReport:
    return selectors.rca_get(user=request.auth, pk=pk)


@router.get("/rcas/{pk}", response={200: RcaOut, **ERRORS})
def rca_get(request: ApiRequest, pk: Id) -> Any:
    if selectors.rca_list(user=request.auth).filter(pk=pk).exists():
        return rca_out(_rca(request, pk))
    return rca_out(selectors.rca_released_get(user=request.auth, pk=pk))


@router.post("/rcas/{pk}/report", response={200: RcaOut, **ERRORS})
def rca_write(request: ApiRequest, pk: Id, payload: RcaWriteIn) -> Any:
    rca = _rca(request, pk)
    services.rca_write(
        actor=request.auth, rca=rca, summary=payload.summary, impact=payload.impact,
        timeline=payload.timeline, root_cause=payload.root_cause,
        actions=[a.dict() for a in payload.actions],
    )  # fmt: skip
    return rca_out(rca)


@router.post("/rcas/{pk}/review", response={200: RcaOut, **ERRORS})
def rca_review(request: ApiRequest, pk: Id, payload: ReviewIn) -> Any:
    rca = _rca(request, pk)
    services.rca_review(
        actor=request.auth, rca=rca, approve=payload.approve, comment=payload.comment
    )
    return rca_out(rca)


@router.post("/rcas/{pk}/{step}", response={200: RcaOut, **ERRORS})
def rca_step(request: ApiRequest, pk: Id, step: Literal["pause", "resume", "submit"]) -> Any:
    """``pause`` (waiting for debug data), ``resume`` (the data arrived), ``submit`` (to review)."""
    rca = _rca(request, pk)
    act = {"pause": services.rca_pause, "resume": services.rca_resume,
           "submit": services.rca_submit}[step]  # fmt: skip
    return rca_out(act(actor=request.auth, rca=rca))


# ---- changes -----------------------------------------------------------------------------


class ChangeOut(Schema):
    id: int
    reference: str
    title: str
    kind: str
    risk: str
    status: str
    impact: str
    plan: str
    rollback: str
    window_start: datetime
    window_end: datetime


class ChangeDeskOut(ChangeOut):
    hosts: list[str]
    organizations: list[Ref]


def change_out(change: ChangeRequest) -> dict[str, Any]:
    return {
        "id": change.pk, "reference": change.reference, "title": change.title,
        "kind": change.kind, "risk": change.risk, "status": change.status,
        "impact": change.impact, "plan": change.plan, "rollback": change.rollback,
        "window_start": change.window_start, "window_end": change.window_end,
    }  # fmt: skip


def change_desk_out(change: ChangeRequest) -> dict[str, Any]:
    organizations = [org_ref(a.organization) for a in change.affected.all()]
    return {**change_out(change), "hosts": change.hosts, "organizations": organizations}


class ChangeIn(In):
    title: Subject
    kind: Literal["migration", "upgrade", "patching", "restart"]
    risk: Literal["low", "medium", "high"]
    impact: Text
    plan: Text
    rollback: Text
    window_start: Instant
    window_end: Instant
    organizations: Annotated[list[Id], Field(min_length=1, max_length=1000)]
    hosts: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=200)] = []
    silence_alerts: Flag = False


class DecisionIn(In):
    approve: Flag


@router.get("/changes", response={200: list[ChangeDeskOut], **ERRORS})
def change_list(request: ApiRequest) -> Any:
    return [change_desk_out(c) for c in selectors.change_list(user=request.auth)[:200]]


@router.post("/changes", response={201: ChangeDeskOut, **ERRORS})
def change_create(request: ApiRequest, payload: ChangeIn) -> Any:
    organizations = list(Organization.objects.filter(pk__in=payload.organizations))
    change = services.change_request(
        actor=request.auth, title=payload.title, kind=payload.kind, risk=payload.risk,
        impact=payload.impact, plan=payload.plan, rollback=payload.rollback,
        window_start=payload.window_start, window_end=payload.window_end,
        organizations=organizations, hosts=payload.hosts, silence_alerts=payload.silence_alerts,
    )  # fmt: skip
    return Status(201, change_desk_out(selectors.change_get(user=request.auth, pk=change.pk)))


@router.get("/changes/{pk}", response={200: ChangeOut, **ERRORS})
def change_get(request: ApiRequest, pk: Id) -> Any:
    """The vendor's side sees the whole change; a contact, a change touching their
    organization (without the other organizations)."""
    if selectors.change_list(user=request.auth).filter(pk=pk).exists():
        return change_desk_out(selectors.change_get(user=request.auth, pk=pk))
    change, _ = selectors.change_for_contact(user=request.auth, pk=pk)
    return change_out(change)


@router.post("/changes/{pk}/approve", response={200: ChangeDeskOut, **ERRORS})
def change_approve(request: ApiRequest, pk: Id) -> Any:
    change = selectors.change_get(user=request.auth, pk=pk)
    services.change_approve(actor=request.auth, change=change)
    return change_desk_out(selectors.change_get(user=request.auth, pk=pk))


@router.post("/changes/{pk}/decision", response={200: ChangeOut, **ERRORS})
def change_decide(request: ApiRequest, pk: Id, payload: DecisionIn) -> Any:
    """A contact approves or rejects the change for their organization."""
    change, _ = selectors.change_for_contact(user=request.auth, pk=pk)
    services.change_decide(actor=request.auth, change=change, approve=payload.approve)
    change.refresh_from_db()
    return change_out(change)
