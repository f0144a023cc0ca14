"""Reads of a person's notifications (the desk's bell and list) and of the chain steps that
named them ("Escalated to me")."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.notifications.models import NotificationPreference

BELL_CAP = 99
PAGE_SIZE = 50
# The kinds that put a ticket in "Escalated to me": a fired step of the management chain that
# named me, or a ticket escalated to my level or team.
ESCALATION_KINDS = (NotificationKind.SLA_ESCALATION, NotificationKind.ESCALATED)


def preference_of(user: Any) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()


def inbox(user: Any, preference: NotificationPreference | None = None) -> QuerySet[Notification]:
    """The person's notifications shown in the desk: every kind they did not turn off there."""
    rows = Notification.objects.filter(recipient=user)
    if preference is not None and preference.in_app_off:
        rows = rows.exclude(kind__in=preference.in_app_off)
    return rows


def unread_count(user: Any) -> int:
    """For the bell: up to ``BELL_CAP`` (shown as "99+")."""
    unread = inbox(user, preference_of(user)).filter(read_at__isnull=True)
    return unread.order_by()[: BELL_CAP + 1].count()


def notification_page(user: Any, *, page: int = 1) -> list[Notification]:
    rows = inbox(user, preference_of(user)).select_related("ticket").order_by("-created_at", "-id")
    start = (max(page, 1) - 1) * PAGE_SIZE
    return list(rows[start : start + PAGE_SIZE])


def escalated_to(user_id: int | None) -> Q:
    """Tickets whose escalation (a chain step, or to a level or team) notified the user."""
    if user_id is None:
        return Q(pk__in=[])
    named = Notification.objects.filter(recipient_id=user_id, kind__in=ESCALATION_KINDS)
    return Q(pk__in=named.values("ticket_id"))
