"""Presentation helpers shared by the desk and the portal: pure functions, no queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html

from tierdesk.core.clock import now
from tierdesk.tickets.models import Fact

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
LEVEL_ICONS = {"breach": "⛔", "warning": "⚠", "ok": "◷", "paused": "⏸", "met": "✓", "none": "-"}
STATUS_CLASSES = {
    "new": "text-bg-primary",
    "open": "text-bg-info",
    "pending": "text-bg-secondary",
    "resolved": "text-bg-success",
    "closed": "text-bg-dark",
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
def clock_badge(level: str, text: str = "") -> str:
    """A clock's state with an icon and words, never by colour alone."""
    label = LEVEL_LABELS.get(level, level)
    return format_html(
        '<span class="clock clock-{}"><span aria-hidden="true">{}</span> {}{}</span>',
        level, LEVEL_ICONS.get(level, ""), label, f" · {text}" if text else "",
    )  # fmt: skip


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
    "opened": lambda d: f"Opened by {d.get('channel', 'portal')}, priority P{d.get('priority')}",
    "assigned": lambda d: f"Assigned to {d.get('assignee') or 'nobody'}"
    + (f" in {d['team']}" if d.get("team") else ""),
    "priority_changed": lambda d: "Priority P{} → P{}".format(*(d.get("priority") or ["?", "?"]))
    + (f": {d['reason']}" if d.get("reason") else ""),
    "impact_set": lambda d: f"Impact {d.get('affected')} of {d.get('total')} "
    f"{d.get('unit') or ''} → {d.get('severity')}",
    "escalated": lambda d: f"Escalated {_levels(d)}: {d.get('reason', '')}",
    "handed_back": lambda d: f"Handed back {_levels(d)}: {d.get('reason', '')}",
    "pended": lambda d: f"Pending: {str(d.get('reason', '')).replace('_', ' ')}"
    + (f" — {d['note']}" if d.get("note") else ""),
    "resumed": lambda d: "Resumed" + (f": {d['note']}" if d.get("note") else ""),
    "resolved": lambda d: f"Resolved: {d.get('summary', '')}",
    "closed": lambda d: "Closed",
    "reopened": lambda d: f"Reopened: {d.get('reason', '')}",
    "followed_up": lambda d: f"Follow-up {d.get('follow_up') or d.get('follow_up_of')}",
    "updated": lambda d: "Updated " + ", ".join(d.get("fields", [])),
    "attached": lambda d: f"Attached {d.get('filename')}",
    "plan_changed": lambda d: f"Support plan changed to {d.get('name')}",
    "sla_warning": lambda d: f"SLA warning: {str(d.get('metric', '')).replace('_', ' ')}",
    "sla_breached": lambda d: f"SLA breached: {str(d.get('metric', '')).replace('_', ' ')}",
    "sla_escalated": lambda d: f"SLA escalation to {d.get('name')}",
    "merged": lambda d: f"Merged into {d['into']}"
    if d.get("into")
    else f"{d.get('merged')} merged into this ticket",
    "contact_logged": lambda d: "{} with {}, {} min: {}".format(
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
    """Who wrote a message: the signed-in author, else the contact it came from by mail."""
    if message.author is not None:
        return str(message.author)
    if message.author_contact is not None:
        return str(message.author_contact.name)
    return "Unknown sender"


@register.filter
def capped(count: int) -> str:
    """A queue count, with the cap shown as "1000+" rather than a false exact number."""
    from tierdesk.desk.selectors import COUNT_CAP

    return f"{COUNT_CAP}+" if count >= COUNT_CAP else str(count)


@register.filter
def reference(ticket_id: int) -> str:
    """``TD-1042`` from a ticket id, without loading the ticket."""
    from tierdesk.tickets.models import Ticket

    return Ticket(pk=ticket_id).reference
