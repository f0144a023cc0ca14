"""What the month delivered to the organizations a report covers, beyond tickets: root-cause
reports released to them and planned work (changes) done for them. Read from the problems
app's own rows, for those organizations alone (their ``organization`` indexes); the report's
own policy (``reports.policies``) already decided who reads it."""

from __future__ import annotations

from datetime import date

from tierdesk.problems.models import (
    ChangeRequest,
    ChangeStatus,
    RcaClock,
    RcaState,
    RootCauseReport,
)
from tierdesk.reports.figures import Table
from tierdesk.reports.rollups import DAY, day_start


def _month_span(month: date, last: date) -> dict[str, object]:
    return {"gte": day_start(month), "lt": day_start(last + DAY)}


def rcas_delivered(ids: list[int], month: date, last: date) -> Table:
    """Root-cause reports released this month to the covered organizations."""
    span = _month_span(month, last)
    rcas = RootCauseReport.objects.filter(
        organization_id__in=ids,
        state=RcaState.RELEASED,
        **{f"released_at__{op}": value for op, value in span.items()},
    )
    table = Table(
        "rcas",
        "Root-cause reports delivered",
        ["Report", "Incident", "Organization", "Released", "On time"],
    )
    for rca in rcas.select_related("incident", "organization").order_by("released_at", "id"):
        table.add(
            rca.reference,
            rca.incident.title,
            rca.organization.name,
            f"{rca.released_at:%Y-%m-%d %H:%M}",
            "no" if rca.clock == RcaClock.BREACHED else "yes",
        )
    return table


def changes_done(ids: list[int], month: date, last: date) -> Table:
    """Planned work done for the covered organizations whose window ended this month."""
    span = _month_span(month, last)
    changes = ChangeRequest.objects.filter(
        affected__organization_id__in=ids,
        status=ChangeStatus.DONE,
        **{f"window_end__{op}": value for op, value in span.items()},
    ).distinct()
    table = Table(
        "changes", "Planned work done", ["Change", "Title", "Kind", "Window start", "Window end"]
    )
    for change in changes.order_by("window_start", "id"):
        table.add(
            change.reference,
            change.title,
            change.get_kind_display(),
            f"{change.window_start:%Y-%m-%d %H:%M}",
            f"{change.window_end:%Y-%m-%d %H:%M}",
        )
    return table
