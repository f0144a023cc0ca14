"""The kinds of timeline event (one home: every app names them from here, through
``tickets.models``), and which of them a customer may see."""

from __future__ import annotations

from django.db import models


class EventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    REPLIED = "replied", "Replied"
    NOTED = "noted", "Internal note"
    ASSIGNED = "assigned", "Assigned"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    IMPACT_SET = "impact_set", "Impact set"
    ESCALATED = "escalated", "Escalated"
    HANDED_BACK = "handed_back", "Handed back"
    PENDED = "pended", "Pending"
    RESUMED = "resumed", "Resumed"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"
    FOLLOWED_UP = "followed_up", "Follow-up opened"
    UPDATED = "updated", "Updated"
    ATTACHED = "attached", "Attachment added"
    PLAN_CHANGED = "plan_changed", "Support plan changed"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"
    SLA_ESCALATED = "sla_escalated", "SLA escalation"
    MERGED = "merged", "Merged"
    CONTACT_LOGGED = "contact_logged", "Phone call or visit logged"
    REMINDED = "reminded", "Reminder sent"
    # A problem's steps on each linked ticket (internal: support's business); the message a
    # broadcast, workaround or fix posts is a reply or resolution event of its own.
    PROBLEM_LINKED = "problem_linked", "Linked to a problem"
    PROBLEM_UNLINKED = "problem_unlinked", "Unlinked from a problem"
    WORKAROUND_PUBLISHED = "workaround_published", "Problem workaround published"
    PROBLEM_BROADCAST = "problem_broadcast", "Problem update broadcast"
    PROBLEM_FIXED = "problem_fixed", "Problem fixed"
    INCIDENT_DECLARED = "incident_declared", "Major incident declared"


# Events a customer may see on their timeline; the rest (who was assigned, internal notes,
# levels) are support's business.
PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.OPENED, EventKind.REPLIED, EventKind.PENDED, EventKind.RESUMED,
        EventKind.RESOLVED, EventKind.CLOSED, EventKind.REOPENED, EventKind.FOLLOWED_UP,
        EventKind.PRIORITY_CHANGED, EventKind.IMPACT_SET, EventKind.ATTACHED, EventKind.REMINDED,
    }
)  # fmt: skip
