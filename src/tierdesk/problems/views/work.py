"""The desk's root-cause report and change pages (vendor side)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, NotFound, TierdeskError
from tierdesk.crm.models import Organization
from tierdesk.problems import selectors, services
from tierdesk.problems.models import (
    ChangeKind,
    ChangeRequest,
    ChangeRisk,
    ChangeStatus,
    RcaClock,
    RootCauseReport,
)
from tierdesk.problems.views.base import refused, vendor_page

ACTION_ROWS = 6  # empty action rows the RCA form offers


@vendor_page
@require_GET
def rca_list(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.rcas_pending(user=request.user)[:200])
    overdue = [rca for rca in pending if rca.clock == RcaClock.BREACHED]
    context = {"pending": pending, "overdue": overdue}
    return render(request, "problems/rca_list.html", context)


@vendor_page
@require_GET
def rca(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.rca_get(user=request.user, pk=pk)
    rows = [*found.actions, *({} for _ in range(ACTION_ROWS - len(found.actions)))]
    return render(request, "problems/rca.html", {"rca": found, "action_rows": rows})


def _actions_posted(data: Any) -> list[dict[str, str]]:
    rows = zip(
        data.getlist("action_kind"), data.getlist("action_text"), data.getlist("action_owner"),
        data.getlist("action_due"), strict=False,
    )  # fmt: skip
    return [
        {"kind": kind, "action": text, "owner": owner, "due": due}
        for kind, text, owner, due in rows
        if text.strip()
    ]


def _rca_step(request: HttpRequest, found: RootCauseReport, name: str) -> None:
    post, user = request.POST, request.user
    if name == "write":
        services.rca_write(
            actor=user, rca=found, summary=post.get("summary", ""), impact=post.get("impact", ""),
            timeline=post.get("timeline", ""), root_cause=post.get("root_cause", ""),
            actions=_actions_posted(post),
        )  # fmt: skip
    elif name in {"pause", "resume", "submit"}:
        step = {"pause": services.rca_pause, "resume": services.rca_resume,
                "submit": services.rca_submit}[name]  # fmt: skip
        step(actor=user, rca=found)
    elif name in {"approve", "reject"}:
        services.rca_review(
            actor=user, rca=found, approve=name == "approve", comment=post.get("comment", "")
        )
    else:
        raise NotFound("No such action.")


@vendor_page
@require_POST
def rca_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    found = selectors.rca_get(user=request.user, pk=pk)
    try:
        _rca_step(request, found, name)
        messages.success(request, "Saved.")
    except NotFound:
        raise
    except TierdeskError as exc:
        refused(request, exc)
    return redirect("problems:rca", pk=found.pk)


# ---- changes -----------------------------------------------------------------------------

CALENDAR_DAYS = 42


@vendor_page
@require_GET
def change_calendar(request: HttpRequest) -> HttpResponse:
    start = now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=7)
    end = start + timedelta(days=CALENDAR_DAYS)
    context = {
        "entries": selectors.change_calendar(user=request.user, start=start, end=end),
        "freezes": list(selectors.freeze_periods()),
        "kinds": ChangeKind.choices,
        "risks": ChangeRisk.choices,
        "organizations": list(Organization.objects.filter(is_active=True).order_by("name")),
        "start": start,
        "end": end,
    }
    return render(request, "problems/change_calendar.html", context)


def _when(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Give a date and time (YYYY-MM-DD HH:MM, UTC).", field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@vendor_page
@require_POST
def change_new(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        ids = [pk for pk in post.getlist("organizations") if pk.isdigit()]
        change = services.change_request(
            actor=request.user, title=post.get("title", ""), kind=post.get("kind", ""),
            risk=post.get("risk", ""), impact=post.get("impact", ""), plan=post.get("plan", ""),
            rollback=post.get("rollback", ""),
            window_start=_when(post.get("window_start", ""), "window_start"),
            window_end=_when(post.get("window_end", ""), "window_end"),
            organizations=Organization.objects.filter(pk__in=ids),
            hosts=post.get("hosts", "").replace(",", " ").split(),
            silence_alerts=bool(post.get("silence_alerts")),
        )  # fmt: skip
    except TierdeskError as exc:
        refused(request, exc)
        return redirect("problems:change_calendar")
    return redirect("problems:change", pk=change.pk)


@vendor_page
@require_GET
def change(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.change_get(user=request.user, pk=pk)
    context = {
        "change": found,
        "affected": list(found.affected.select_related("organization", "decided_by")),
        "notices": list(
            found.affected.filter(notices__isnull=False).values_list(
                "organization__name", "notices__kind", "notices__sent_at"
            )
        ),
    }
    return render(request, "problems/change.html", context)


def _change_step(request: HttpRequest, found: ChangeRequest, name: str) -> None:
    if name == "approve":
        services.change_approve(actor=request.user, change=found)
    elif name in {ChangeStatus.DONE, ChangeStatus.CANCELLED, ChangeStatus.REJECTED}:
        services.change_close(actor=request.user, change=found, status=name)
    else:
        raise NotFound("No such action.")


@vendor_page
@require_POST
def change_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    found = selectors.change_get(user=request.user, pk=pk)
    try:
        _change_step(request, found, name)
        messages.success(request, "Saved.")
    except NotFound:
        raise
    except TierdeskError as exc:
        refused(request, exc)
    return redirect("problems:change", pk=found.pk)
