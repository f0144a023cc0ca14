"""Root-cause reports (X7): due after a major incident's resolution for the organizations whose
plan includes them, paused while waiting for debug data, written, reviewed by a second agent,
released.

The due instant is ``sla.clock.deadline`` over the plan terms' calendar (business time) or
around the clock (calendar time), with the waiting stretches as pauses: the SLA's arithmetic,
not a copy. ``next_check_at`` is the next instant the sweep has something to do (warn, then
breach); the sweep acts by compare-and-set on the clock it read, so any number of workers warn
and breach each report once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from tierdesk.accounts.models import Agent, Notification, NotificationKind
from tierdesk.accounts.services import notifications_raise
from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, InvalidTransition
from tierdesk.crm.models import Organization
from tierdesk.mail.models import OutboundKind
from tierdesk.mail.outbound import OutboundFile
from tierdesk.problems import policies
from tierdesk.problems.models import (
    Incident,
    PlanTerms,
    RcaClock,
    RcaState,
    RootCauseReport,
)
from tierdesk.problems.pdf import rca_pdf
from tierdesk.problems.services import notices
from tierdesk.problems.services.base import check, text, user_of
from tierdesk.sla import clock
from tierdesk.sla.calendars import clock_calendar
from tierdesk.sla.services import plan_for

CALENDAR_TIME = clock.Calendar(timezone="UTC", always_open=True)
ACTION_KINDS = frozenset({"corrective", "preventive"})
SECTIONS = ("summary", "impact", "timeline", "root_cause")
SWEEP_BATCH = 500


def rcas_open_for(incident: Incident) -> int:
    """At the incident's resolution: one report per affected organization whose plan includes
    RCAs, due from now. Idempotent (unique per incident and organization)."""
    terms = {t.plan_id: t for t in PlanTerms.objects.filter(rca_included=True)}
    if not terms or incident.resolved_at is None:
        return 0
    opened = 0
    affected = Organization.objects.filter(pk__in=incident.affected.values("organization_id"))
    for organization in affected.order_by("pk"):
        plan = plan_for(organization)
        if plan is None or plan.pk not in terms:
            continue
        rca = RootCauseReport(
            incident=incident, organization=organization, terms=terms[plan.pk],
            starts_at=incident.resolved_at,
        )  # fmt: skip
        _schedule(rca)
        _, created = RootCauseReport.objects.get_or_create(
            incident=incident, organization=organization,
            defaults={f.name: getattr(rca, f.name) for f in rca._meta.concrete_fields
                      if f.name not in {"id", "incident", "organization"}},
        )  # fmt: skip
        opened += created
    return opened


def _calendar(terms: PlanTerms) -> clock.Calendar:
    return clock_calendar(terms.rca_calendar) if terms.rca_calendar else CALENDAR_TIME


def _pauses(rca: RootCauseReport) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in rca.pauses]


def _schedule(rca: RootCauseReport) -> None:
    """Due and warning instants from the start, the terms and the pauses so far; the next
    check is the next of them the clock has not passed."""
    terms = rca.terms
    target = timedelta(hours=terms.rca_hours)
    calendar, pauses = _calendar(terms), _pauses(rca)
    rca.due_at = clock.deadline(calendar, rca.starts_at, target, pauses)
    rca.warn_at = clock.deadline(
        calendar, rca.starts_at, target * terms.rca_warning_percent / 100, pauses
    )
    following: dict[str, datetime | None] = {
        RcaClock.RUNNING: rca.warn_at,
        RcaClock.WARNING: rca.due_at,
    }
    rca.next_check_at = following.get(rca.clock)


def _changed(rca: RootCauseReport, **changes: Any) -> None:
    """Compare-and-set on the report's version: a stale write is refused, not lost."""
    won = RootCauseReport.objects.filter(pk=rca.pk, version=rca.version).update(
        version=rca.version + 1, **changes
    )
    if not won:
        raise Conflict("The report was changed meanwhile; reload it.", field="version")
    for name, value in changes.items():
        setattr(rca, name, value)
    rca.version += 1


# ---- waiting for debug data --------------------------------------------------------------


def rca_pause(*, actor: Any, rca: RootCauseReport, note: str = "") -> RootCauseReport:
    """The customer is collecting debug data: the clock stops until it arrives."""
    check(actor, policies.WORK, rca)
    if rca.state != RcaState.DUE:
        raise InvalidTransition("Only a report that is due can wait for data.", field="state")
    clock_now = rca.clock if rca.clock == RcaClock.BREACHED else RcaClock.PAUSED
    _changed(rca, state=RcaState.WAITING_DATA, paused_at=now(), clock=clock_now,
             next_check_at=None)  # fmt: skip
    return rca


def rca_resume(*, actor: Any, rca: RootCauseReport) -> RootCauseReport:
    """The data arrived: the wait counts as a pause and the clock runs on, due later by it."""
    check(actor, policies.WORK, rca)
    if rca.state != RcaState.WAITING_DATA or rca.paused_at is None:
        raise InvalidTransition("The report is not waiting for data.", field="state")
    rca.pauses = [*rca.pauses, [rca.paused_at.isoformat(), now().isoformat()]]
    if rca.clock == RcaClock.PAUSED:
        rca.clock = RcaClock.RUNNING
    _schedule(rca)
    _changed(rca, state=RcaState.DUE, paused_at=None, pauses=rca.pauses, clock=rca.clock,
             due_at=rca.due_at, warn_at=rca.warn_at, next_check_at=rca.next_check_at)  # fmt: skip
    return rca


# ---- writing, review, release ------------------------------------------------------------


def rca_write(
    *,
    actor: Any,
    rca: RootCauseReport,
    summary: str,
    impact: str,
    timeline: str,
    root_cause: str,
    actions: list[dict[str, str]],
) -> RootCauseReport:
    """The template's sections and the corrective and preventive actions (with owners and
    dates). The first writer is the author; the reviewer must be somebody else."""
    check(actor, policies.WORK, rca)
    if rca.state not in {RcaState.DUE, RcaState.WAITING_DATA}:
        raise InvalidTransition("The report is in review or released.", field="state")
    fields = {
        "summary": text(summary, "summary", required=False),
        "impact": text(impact, "impact", required=False),
        "timeline": text(timeline, "timeline", required=False),
        "root_cause": text(root_cause, "root_cause", required=False),
        "actions": _actions(actions),
    }
    if rca.author_id is None:
        fields["author"] = user_of(actor)
    _changed(rca, **fields)
    return rca


def _actions(actions: list[dict[str, str]]) -> list[dict[str, str]]:
    clean = []
    for number, given in enumerate(actions or [], start=1):
        kind = str(given.get("kind", "")).strip()
        if kind not in ACTION_KINDS:
            raise InvalidInput(
                f"Action {number}: kind is corrective or preventive.", field="actions"
            )
        action = text(str(given.get("action", "")), "actions", limit=2000)
        owner = text(str(given.get("owner", "")), "actions", limit=200)
        due = str(given.get("due", "")).strip()
        try:
            datetime.strptime(due, "%Y-%m-%d")
        except ValueError:
            raise InvalidInput(
                f"Action {number}: the date is YYYY-MM-DD.", field="actions"
            ) from None
        clean.append({"kind": kind, "action": action, "owner": owner, "due": due})
    return clean


def rca_submit(*, actor: Any, rca: RootCauseReport) -> RootCauseReport:
    """To review: every section written and at least one action."""
    check(actor, policies.WORK, rca)
    if rca.state != RcaState.DUE:
        raise InvalidTransition("Only a report that is due goes to review.", field="state")
    missing = [name for name in SECTIONS if not getattr(rca, name).strip()]
    if missing:
        raise InvalidInput(f"Write the {', '.join(missing)} first.", field=missing[0])
    if not rca.actions:
        raise InvalidInput("Name at least one corrective or preventive action.", field="actions")
    _changed(rca, state=RcaState.IN_REVIEW, submitted_at=now())
    return rca


def rca_review(
    *, actor: Any, rca: RootCauseReport, approve: bool, comment: str = ""
) -> RootCauseReport:
    """A second agent reviews: approval releases the report to the customer (the portal, and
    mail to the organization's contacts); a refusal sends it back to its author."""
    check(actor, policies.REVIEW, rca)
    if rca.state != RcaState.IN_REVIEW:
        raise InvalidTransition("The report is not in review.", field="state")
    if rca.author_id == getattr(actor, "pk", None):
        raise Forbidden("A report is reviewed by somebody other than its author.")
    if not approve:
        text(comment, "comment")
        _changed(rca, state=RcaState.DUE, reviewer=user_of(actor))
        return rca
    at = now()
    done = rca.clock if rca.clock == RcaClock.BREACHED else RcaClock.MET
    with transaction.atomic():
        _changed(rca, state=RcaState.RELEASED, reviewer=user_of(actor), released_at=at,
                 clock=done, next_check_at=None)  # fmt: skip
        _release_mail(rca)
    return rca


def _release_mail(rca: RootCauseReport) -> None:
    """The organization's contacts get the report as PDF, attached (and the portal's page)."""
    link = f"{settings.SITE_URL}/rcas/{rca.pk}/"
    pdf = OutboundFile(f"{rca.reference}.pdf", "application/pdf", rca_pdf(rca))
    notices.contacts_mail(
        organization_ids=[rca.organization_id],
        kind=OutboundKind.RCA_RELEASED,
        key=f"rca-released:{rca.pk}",
        subject=f"[{rca.reference}] Root-cause report for {rca.incident.title}",
        body=f"{rca.summary}\n\nThe full report is attached as PDF, and in the portal: {link}\n",
        files=[pdf],
    )


# ---- the sweep ---------------------------------------------------------------------------


def rca_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Warn and breach the reports whose next check has come; the count acted on."""
    at = now()
    due = RootCauseReport.objects.filter(next_check_at__lte=at).select_related("incident")
    acted = 0
    for rca in due.order_by("next_check_at", "id")[:limit]:
        breach = rca.clock == RcaClock.WARNING or (rca.due_at is not None and at >= rca.due_at)
        new = RcaClock.BREACHED if breach else RcaClock.WARNING
        following = None if breach else rca.due_at
        won = RootCauseReport.objects.filter(
            pk=rca.pk, clock=rca.clock, next_check_at=rca.next_check_at
        ).update(clock=new, next_check_at=following)
        if won:
            _notify(rca, new, at)
            acted += 1
    return acted


def _notify(rca: RootCauseReport, state: str, at: datetime) -> None:
    """Managers, the author and the incident's lead hear of a warning or a breach, once."""
    managers = set(Agent.objects.filter(is_manager=True).values_list("user_id", flat=True))
    people = managers | {pk for pk in (rca.author_id, rca.incident.lead_id) if pk}
    breached = state == RcaClock.BREACHED
    title = f"{rca.reference} for {rca.incident.reference} " + (
        "is overdue" if breached else "is due soon"
    )
    notifications_raise(
        [
            Notification(
                recipient_id=pk,
                kind=NotificationKind.SLA_BREACH if breached else NotificationKind.SLA_WARNING,
                title=title[:255],
                body=f"Due {rca.due_at:%Y-%m-%d %H:%M} UTC.",
                urgent=breached,
                dedupe_key=f"rca:{rca.pk}:{state}:{pk}",
                created_at=at,
                data={"rca": rca.pk},
            )
            for pk in sorted(people)
        ]
    )
