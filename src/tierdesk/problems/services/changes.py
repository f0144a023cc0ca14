"""Changes in agreed windows (H5/X1): requested, approved by a manager and, where the plan
requires it, by each affected customer in the portal; downtime notices before, at the start
and at the end. Changes are not tickets: no incident SLA clock runs on them.

Each notice is a ``ChangeNotice(affected, kind)`` row (unique) written before the mail in one
transaction, so two workers sweeping at once send each notice once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, router, transaction

from tierdesk.accounts.principal import principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from tierdesk.core.fetch import CompiledQuery, Param
from tierdesk.crm.models import Organization
from tierdesk.mail.models import OutboundKind
from tierdesk.problems import policies
from tierdesk.problems.models import (
    ChangeKind,
    ChangeNotice,
    ChangeOrganization,
    ChangeRequest,
    ChangeRisk,
    ChangeStatus,
    Decision,
    FreezePeriod,
    NoticeKind,
    PlanTerms,
)
from tierdesk.problems.services import notices
from tierdesk.problems.services.base import check, text, user_of
from tierdesk.sla.services import plan_for

DEFAULT_NOTICE_DAYS = 2
MAX_HOSTS = 200
# The end notice goes out up to a day after the window closed (a worker down for the end).
END_NOTICE_GRACE = timedelta(days=1)


def change_request(
    *,
    actor: Any,
    title: str,
    kind: str,
    risk: str,
    impact: str,
    plan: str,
    rollback: str,
    window_start: datetime,
    window_end: datetime,
    organizations: Iterable[Organization],
    hosts: Iterable[str] = (),
    silence_alerts: bool = False,
) -> ChangeRequest:
    """A change waiting for approval; each affected organization's plan says whether its
    contacts must approve too and how many days ahead they hear of it."""
    check(actor, policies.WORK, ChangeRequest())
    if kind not in ChangeKind.values:
        raise InvalidInput(f"Unknown kind {kind!r}.", field="kind")
    if risk not in ChangeRisk.values:
        raise InvalidInput(f"Unknown risk {risk!r}.", field="risk")
    if window_end <= window_start:
        raise InvalidInput("The window ends after it starts.", field="window_end")
    organizations = list(organizations)
    if not organizations:
        raise InvalidInput("Name at least one affected organization.", field="organizations")
    hosts = sorted({h.strip() for h in hosts if h.strip()})
    if len(hosts) > MAX_HOSTS or any(len(h) > 200 for h in hosts):
        raise InvalidInput(f"At most {MAX_HOSTS} hosts of up to 200 characters.", field="hosts")
    with transaction.atomic():
        change = ChangeRequest.objects.create(
            title=text(title, "title", limit=255), kind=kind, risk=risk,
            impact=text(impact, "impact"), plan=text(plan, "plan"),
            rollback=text(rollback, "rollback"), hosts=hosts, silence_alerts=silence_alerts,
            window_start=window_start, window_end=window_end, requested_by=user_of(actor),
            created_at=now(),
        )  # fmt: skip
        ChangeOrganization.objects.bulk_create([_affected(change, o) for o in organizations])
    return change


def _affected(change: ChangeRequest, organization: Organization) -> ChangeOrganization:
    plan = plan_for(organization)
    terms = PlanTerms.objects.filter(plan=plan).first() if plan else None
    asks = terms is not None and terms.change_customer_approval
    return ChangeOrganization(
        change=change, organization=organization,
        decision=Decision.PENDING if asks else Decision.NOT_NEEDED,
        notice_days=terms.downtime_notice_days if terms else DEFAULT_NOTICE_DAYS,
    )  # fmt: skip


def change_approve(*, actor: Any, change: ChangeRequest) -> ChangeRequest:
    """The internal approval. The change is approved once every customer who must agree has
    agreed too. A window inside a freeze period is refused."""
    check(actor, policies.APPROVE, change)
    if change.status != ChangeStatus.REQUESTED or change.approver_id is not None:
        raise InvalidTransition("The change is not waiting for this approval.", field="status")
    freeze = freezes_over(change.window_start, change.window_end).first()
    if freeze is not None:
        raise InvalidInput(
            f"The window falls in the freeze period “{freeze}”.", field="window_start"
        )
    with transaction.atomic():
        change.approver, change.approved_at = user_of(actor), now()
        change.save(update_fields=["approver", "approved_at"])
        _approve_when_agreed(change)
    return change


def freezes_over(start: datetime, end: datetime) -> Any:
    return FreezePeriod.objects.filter(starts_at__lt=end, ends_at__gt=start)


def change_decide(*, actor: Any, change: ChangeRequest, approve: bool) -> ChangeOrganization:
    """A contact agrees to (or refuses) the change for their organization."""
    if not policies.can(actor, policies.DECIDE, change):
        raise NotFound("No such change waiting for your decision.")
    principal = principal_of(actor)
    with transaction.atomic():
        row = ChangeOrganization.objects.select_for_update().get(
            change=change, organization_id=principal.organization_id or 0
        )
        if row.decision != Decision.PENDING:
            raise InvalidTransition("Your organization has decided already.", field="decision")
        row.decision = Decision.APPROVED if approve else Decision.REJECTED
        row.decided_by_id, row.decided_at = principal.contact_id, now()
        row.save(update_fields=["decision", "decided_by", "decided_at"])
        if not approve:
            ChangeRequest.objects.filter(pk=change.pk, status=ChangeStatus.REQUESTED).update(
                status=ChangeStatus.REJECTED
            )
        else:
            _approve_when_agreed(change)
    return row


def _approve_when_agreed(change: ChangeRequest) -> None:
    waiting = change.affected.filter(decision__in=[Decision.PENDING, Decision.REJECTED])
    if change.approver_id is not None and not waiting.exists():
        ChangeRequest.objects.filter(pk=change.pk, status=ChangeStatus.REQUESTED).update(
            status=ChangeStatus.APPROVED
        )
        change.refresh_from_db(fields=["status"])


def change_close(*, actor: Any, change: ChangeRequest, status: str) -> ChangeRequest:
    """Done, cancelled or rejected (internally)."""
    check(actor, policies.WORK, change)
    allowed = {ChangeStatus.DONE, ChangeStatus.CANCELLED, ChangeStatus.REJECTED}
    if status not in allowed:
        raise InvalidInput(f"A change closes as one of {sorted(allowed)}.", field="status")
    if status == ChangeStatus.REJECTED and not policies.can(actor, policies.APPROVE, change):
        raise Forbidden("Only an approver rejects a change.")
    if change.status in {ChangeStatus.DONE, ChangeStatus.CANCELLED, ChangeStatus.REJECTED}:
        raise InvalidTransition("The change is closed already.", field="status")
    change.status = status
    change.save(update_fields=["status"])
    return change


# ---- downtime notices --------------------------------------------------------------------


def downtime_notices_send(*, at: datetime | None = None) -> int:
    """Send every notice that is due now and was not sent: ``advance`` from N days before the
    window (N per plan), ``start`` once it opened, ``end`` once it closed. The count sent."""
    at = at or now()
    horizon = at + timedelta(days=max(_longest_notice(), 0))
    approved = ChangeRequest.objects.filter(
        status__in=[ChangeStatus.APPROVED, ChangeStatus.DONE],
        window_start__lte=horizon, window_end__gt=at - END_NOTICE_GRACE,
    )  # fmt: skip
    sent = 0
    rows = ChangeOrganization.objects.filter(change__in=approved).select_related("change")
    for row in rows.order_by("change_id", "id"):
        for kind in _due_kinds(row, at):
            sent += _send_notice(row, kind, at)
    return sent


def _longest_notice() -> int:
    days = ChangeOrganization.objects.order_by("-notice_days").values_list("notice_days", flat=True)
    return max([DEFAULT_NOTICE_DAYS, *days[:1]])


def _due_kinds(row: ChangeOrganization, at: datetime) -> list[str]:
    change = row.change
    kinds: list[str] = []
    if change.window_start - timedelta(days=row.notice_days) <= at < change.window_start:
        kinds.append(NoticeKind.ADVANCE)
    if change.window_start <= at < change.window_end:
        kinds.append(NoticeKind.START)
    if change.window_end <= at < change.window_end + END_NOTICE_GRACE:
        kinds.append(NoticeKind.END)
    return kinds


_WORDS: dict[str, str] = {
    NoticeKind.ADVANCE: "Planned maintenance on {start:%Y-%m-%d %H:%M} UTC",
    NoticeKind.START: "Maintenance has started",
    NoticeKind.END: "Maintenance has ended",
}


def _send_notice(row: ChangeOrganization, kind: str, at: datetime) -> int:
    change = row.change
    try:
        with transaction.atomic():
            ChangeNotice.objects.create(affected=row, kind=kind, sent_at=at)
            notices.contacts_mail(
                organization_ids=[row.organization_id],
                kind=OutboundKind.DOWNTIME_NOTICE,
                key=f"change:{change.pk}:{kind}:{row.organization_id}",
                subject=f"[{change.reference}] " + _WORDS[kind].format(start=change.window_start),
                body=(
                    f"{change.title}\n\nWindow: {change.window_start:%Y-%m-%d %H:%M} to "
                    f"{change.window_end:%Y-%m-%d %H:%M} UTC\nImpact: {change.impact}\n"
                ),
            )
    except IntegrityError:
        return 0  # sent by another worker
    return 1


# ---- monitoring during a window ----------------------------------------------------------


def alert_in_window(*, notice: Any, verdict: Any, **_: Any) -> None:
    """Subscribed to ``monitoring.alert_received``: an alert for a host of an approved change
    whose window is open is tagged with the change (and silenced when the change says so).
    One query per alert notice, whatever its number of alerts; none for one that names no
    host (no window can concern it)."""
    hosts = set(getattr(notice, "hosts", ()) or ())
    if not hosts:
        return
    for change in _OPEN_WINDOWS.rows(router.db_for_read(ChangeRequest), at=now()):
        if hosts & set(change.hosts):
            verdict.tag(f"maintenance:{change.reference}")
            if change.silence_alerts:
                verdict.silence(f"maintenance window of {change.reference}")


def _windows_open_at() -> Any:
    at = Param("at", ChangeRequest._meta.get_field("window_start"))
    return (
        ChangeRequest.objects.filter(
            status=ChangeStatus.APPROVED, window_start__lte=at, window_end__gt=at
        )
        .only("id", "hosts", "silence_alerts")
        .order_by("id")
    )


# Asked for every alert notice (a storm: hundreds a second): the ORM compiles it once.
_OPEN_WINDOWS = CompiledQuery(_windows_open_at)
