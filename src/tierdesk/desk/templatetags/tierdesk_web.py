"""Presentation helpers shared by the desk and the portal: pure functions, no queries."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from tierdesk.core.clock import now
from tierdesk.core.templatetags.tierdesk_ui import icon_html
from tierdesk.desk.selectors import count_label
from tierdesk.tickets.domain import Status, reference
from tierdesk.tickets.models import STATUS_CHOICES, EventKind, Fact

register = template.Library()

FACT_LABELS = dict(Fact.choices)
LEVEL_LABELS = {
    "breach": "Overdue",
    "warning": "Due soon",
    "ok": "On track",
    "paused": "Paused",
    "met": "Met",
    "none": "No target",
}
# Symbols of the app's SVG icon set (core/static/tierdesk/icons.svg), not emoji.
LEVEL_ICONS = {
    "breach": "breach", "warning": "warning", "ok": "clock", "paused": "pause", "met": "check",
    "none": "minus",
}  # fmt: skip
STATUS_LABELS = dict(STATUS_CHOICES)
STATUS_CLASSES: dict[str, str] = {
    Status.NEW: "text-bg-primary",
    Status.OPEN: "text-bg-info",
    Status.PENDING: "text-bg-secondary",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-dark",
}


def _span(seconds: int) -> str:
    minutes = seconds // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


@register.filter
def timeleft(due_at: datetime | None) -> str:
    """``2h 05m left`` or ``overdue by 35m``: real time to the stored due instant."""
    if due_at is None:
        return ""
    seconds = int((due_at - now()).total_seconds())
    if seconds < 0:
        return f"overdue by {_span(-seconds)}"
    return f"{_span(seconds)} left"


@register.filter
def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


@register.simple_tag
def clock_badge(level: str, text: str = "") -> SafeString:
    """A clock's state with an icon and words, never by colour alone."""
    return SafeString(_badge(level, text))


def _badge(level: str, text: str = "") -> str:
    label = escape(LEVEL_LABELS.get(level, level))
    suffix = f" · {escape(text)}" if text else ""
    icon = icon_html(LEVEL_ICONS[level]) if level in LEVEL_ICONS else ""
    return f'<span class="clock clock-{escape(level)}">{icon} {label}{suffix}</span>'


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def fact_label(key: str) -> str:
    return FACT_LABELS.get(key, key.replace("_", " "))


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def filesize(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _levels(data: dict[str, Any]) -> str:
    level = data.get("level") or [None, None]
    return f"L{level[0]} → L{level[1]}"


EVENT_TEXTS = {
    EventKind.OPENED: lambda d: f"Opened by {d.get('channel', 'portal')}, "
    f"priority P{d.get('priority')}",
    EventKind.ASSIGNED: lambda d: f"Assigned to {d.get('assignee') or 'nobody'}"
    + (f" in {d['team']}" if d.get("team") else ""),
    EventKind.PRIORITY_CHANGED: lambda d: "Priority P{} → P{}".format(
        *(d.get("priority") or ["?", "?"])
    )
    + (f": {d['reason']}" if d.get("reason") else ""),
    EventKind.IMPACT_SET: lambda d: f"Impact {d.get('affected')} of {d.get('total')} "
    f"{d.get('unit') or ''} → {d.get('severity')}",
    EventKind.ESCALATED: lambda d: f"Escalated {_levels(d)}: {d.get('reason', '')}",
    EventKind.HANDED_BACK: lambda d: f"Handed back {_levels(d)}: {d.get('reason', '')}",
    EventKind.PENDED: lambda d: f"Pending: {str(d.get('reason', '')).replace('_', ' ')}"
    + (f" — {d['note']}" if d.get("note") else ""),
    EventKind.RESUMED: lambda d: "Resumed" + (f": {d['note']}" if d.get("note") else ""),
    EventKind.RESOLVED: lambda d: f"Resolved: {d.get('summary', '')}",
    EventKind.CLOSED: lambda d: "Closed",
    EventKind.REOPENED: lambda d: f"Reopened: {d.get('reason', '')}",
    EventKind.FOLLOWED_UP: lambda d: f"Follow-up {d.get('follow_up') or d.get('follow_up_of')}",
    EventKind.UPDATED: lambda d: "Updated " + ", ".join(d.get("fields", [])),
    EventKind.ATTACHED: lambda d: f"Attached {d.get('filename')}",
    EventKind.PLAN_CHANGED: lambda d: f"Support plan changed to {d.get('name')}",
    EventKind.SLA_WARNING: lambda d: f"SLA warning: {str(d.get('metric', '')).replace('_', ' ')}",
    EventKind.SLA_BREACHED: lambda d: f"SLA breached: {str(d.get('metric', '')).replace('_', ' ')}",
    EventKind.SLA_ESCALATED: lambda d: f"SLA escalation to {d.get('name')}",
    EventKind.MERGED: lambda d: f"Merged into {d['into']}"
    if d.get("into")
    else f"{d.get('merged')} merged into this ticket",
    EventKind.PROBLEM_LINKED: lambda d: f"Linked to problem {d['reference']}",
    EventKind.PROBLEM_UNLINKED: lambda d: f"Unlinked from problem {d['reference']}",
    EventKind.WORKAROUND_PUBLISHED: lambda d: f"Workaround of problem {d['reference']} posted",
    EventKind.PROBLEM_BROADCAST: lambda d: f"Update of problem {d['reference']} posted",
    EventKind.PROBLEM_FIXED: lambda d: f"Fix of problem {d['reference']} posted",
    EventKind.INCIDENT_DECLARED: lambda d: f"Part of major incident {d['reference']}",
    EventKind.CONTACT_LOGGED: lambda d: "{} with {}, {} min: {}".format(
        "Phone call" if d.get("contact_kind") == "phone" else "Onsite visit",
        d.get("who"), d.get("duration_minutes"), d.get("outcome"),
    ),
}  # fmt: skip


@register.filter
def event_text(event: Any) -> str:
    describe = EVENT_TEXTS.get(event.kind)
    try:
        return describe(event.data) if describe else event.get_kind_display()
    except (KeyError, TypeError, ValueError):
        return str(event.get_kind_display())


@register.filter
def author_name(message: Any) -> str:
    """Whose words a message holds: the customer's name for a customer's message (also when
    an agent wrote it down for them), else the signed-in author."""
    if not message.by_agent and message.author_contact is not None:
        return str(message.author_contact.name)
    if message.author is not None:
        return str(message.author)
    return "Unknown sender"


@register.filter
def capped(count: int) -> str:
    """A queue count, with the cap shown as "1000+" rather than a false exact number."""
    return count_label(count)


# ``TD-1042`` from a ticket id, without loading the ticket.
register.filter("reference", reference)


# ---- the queue's rows ---------------------------------------------------------------------

# One queue row. The rows are the bulk of a page agents keep open and poll: as template nodes
# (about 15 a row, a URL reversed and two custom tags among them) they were much of the
# request (``docs/benchmarks.md``); as one format string, almost nothing. Django's admin
# builds its change list rows in Python too. Every text goes through ``escape`` (the standard
# library's, which Django's ``escape`` wraps: the same output without its per-call lazy-string
# checks).
QUEUE_ROW = (
    '<tr data-ticket="{pk}">'
    '<td><input type="checkbox" class="form-check-input" name="ticket" value="{pk}" form="bulk"'
    ' aria-label="Select {reference}"></td>'
    '<td class="text-nowrap">{reference}{emergency}</td>'
    '<td data-label="Subject"><a id="ticket-link-{pk}" href="{url}">{subject}</a></td>'
    '<td data-label="Organization">{organization}</td>'
    '<td data-label="Priority"><span class="badge {priority_class}">P{priority}</span></td>'
    '<td data-label="Status"><span class="badge {status_class}">{status}</span></td>'
    '<td data-label="Level">L{level}{team}</td>'
    '<td data-label="Assignee">{assignee}</td>'
    '<td data-label="Next due">{due}</td>'
    "</tr>\n"
)
EMERGENCY_BADGE = ' <span class="badge text-bg-danger">Emergency</span>'
PRIORITY_CLASSES = {1: "text-bg-danger", 2: "text-bg-warning"}
REF_SLOT = "__ref__"


@register.simple_tag
def queue_rows(rows: list[Any]) -> SafeString:
    """The ``<tr>`` of each ``QueueRow``."""
    ticket_url = reverse("desk:ticket", kwargs={"ref": REF_SLOT})
    return SafeString("".join(_queue_row(row, ticket_url) for row in rows))


def _queue_row(row: Any, ticket_url: str) -> str:
    reference = escape(row.reference)
    return QUEUE_ROW.format(
        pk=int(row.pk),
        reference=reference,
        emergency=EMERGENCY_BADGE if row.is_emergency else "",
        url=ticket_url.replace(REF_SLOT, reference),
        subject=escape(row.subject),
        organization=escape(row.organization),
        priority_class=PRIORITY_CLASSES.get(row.priority, "text-bg-light"),
        priority=int(row.priority),
        status_class=STATUS_CLASSES.get(row.status, "text-bg-light"),
        status=escape(STATUS_LABELS.get(row.status, row.status)),
        level=int(row.support_level),
        team=f" · {escape(row.team)}" if row.team else "",
        assignee=escape(row.assignee or "—"),
        due=_due_cell(row),
    )


def _due_cell(row: Any) -> str:
    if row.due_at is None:
        return _badge(row.level)
    badge = _badge(row.level, timeleft(row.due_at))
    return f'{badge} <span class="small text-secondary due-title">{escape(row.due_title)}</span>'


@register.simple_tag
def pair_options(pairs: list[tuple[Any, Any]]) -> SafeString:
    """The ``<option>`` of each (value, label) pair, none selected: the queue's bulk form offers
    every agent the agent sees (200 at 1M tickets), which as template nodes cost a third of the
    page's rendering."""
    return SafeString(
        "".join(
            f'<option value="{escape(str(value))}">{escape(str(label))}</option>'
            for value, label in pairs
        )
    )


@register.simple_tag
def select_options(field: Any) -> SafeString:
    """A choice field's ``<option>`` list, the current value selected (no widget templates:
    the queue page renders two of these on every poll)."""
    current = str(field.value())
    return SafeString(
        "".join(
            '<option value="{}"{}>{}</option>'.format(
                escape(str(value)),
                " selected" if value != "" and str(value) == current else "",
                escape(str(label)),
            )
            for value, label in field.field.choices
        )
    )
