"""Delivering notifications by mail, once each however many workers run.

The periodic job ``notifications_deliver`` takes the rows whose mail is still to be decided
(``email_state = pending``, not held by quiet hours) in id order, on PostgreSQL with
``FOR UPDATE SKIP LOCKED`` so workers share them, and moves each on by compare-and-set
(``UPDATE ... WHERE email_state = 'pending'``): only the worker that moved it queues the mail,
in the same transaction. The daily ``notifications_digest`` collects the rows kept for the
digest the same way.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from tierdesk.accounts.models import EmailState, Notification, NotificationKind
from tierdesk.core.clock import now
from tierdesk.notifications import config, preferences
from tierdesk.notifications.mailing import NOTIFICATION_KIND, queue_mail, subject_for
from tierdesk.notifications.models import NotificationPreference, WebhookEvent
from tierdesk.notifications.producers import ticket_link
from tierdesk.notifications.webhooks import webhooks_for_notification
from tierdesk.sla.models import AlertKind, SlaAlert

SLA_KINDS = frozenset(
    {NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH, NotificationKind.SLA_ESCALATION}
)


def notifications_deliver(*, limit: int = 500, at: datetime | None = None) -> int:
    """Decide and queue the mail of every pending notification; the count mailed."""
    at = at or now()
    mailed = 0
    while True:
        taken, sent = _deliver_batch(limit, at)
        mailed += sent
        if taken < limit:
            return mailed


def _deliver_batch(limit: int, at: datetime) -> tuple[int, int]:
    with transaction.atomic():
        due = Notification.objects.filter(email_state=EmailState.PENDING).filter(
            Q(email_after__isnull=True) | Q(email_after__lte=at)
        )
        due = due.select_related("recipient", "ticket").order_by("id")
        rows = list(due.select_for_update(skip_locked=True, of=("self",))[:limit])
        chosen = _preferences([row.recipient_id for row in rows])
        mailed = 0
        to_webhooks = WebhookEvent.NOTIFICATION in config.webhook_events()
        for row in rows:
            if to_webhooks:
                webhooks_for_notification(row)
            choice = preferences.mail_choice(
                chosen.get(row.recipient_id), kind=row.kind, urgent=row.urgent, at=at
            )
            mailed += _apply(row, choice)
    return len(rows), mailed


def _preferences(user_ids: list[int]) -> dict[int, NotificationPreference]:
    rows = NotificationPreference.objects.filter(user_id__in=set(user_ids))
    return {row.user_id: row for row in rows}


def _apply(row: Notification, choice: preferences.MailChoice) -> int:
    pending = Notification.objects.filter(pk=row.pk, email_state=EmailState.PENDING)
    if choice.how == preferences.LATER:
        pending.update(email_after=choice.until)
        return 0
    state = {
        preferences.NOW: EmailState.QUEUED,
        preferences.DIGEST: EmailState.DIGEST,
        preferences.OFF: EmailState.OFF,
    }[choice.how]
    if not pending.update(email_state=state):
        return 0  # another worker moved it on: it mails it, or did
    if state != EmailState.QUEUED or not row.recipient.email:
        return 0
    queued = queue_mail(
        kind=NOTIFICATION_KIND, to=row.recipient.email.lower(),
        subject=subject_for(row.ticket, row.title), template="notification.txt",
        context=notification_context(row), dedupe_key=f"notification:{row.pk}",
        ticket=row.ticket, automatic=False,
    )  # fmt: skip
    return 1 if queued is not None else 0


def notification_context(row: Notification) -> dict[str, Any]:
    """What the mail says: the ticket, and for the SLA kinds its clock, how late it is, and
    the management chain so far."""
    context: dict[str, Any] = {
        "notification": row, "name": str(row.recipient),
        "link": ticket_link(row.ticket) if row.ticket else "",
        "preferences_link": f"{settings.SITE_URL}/desk/notifications/preferences/",
    }  # fmt: skip
    data = row.data or {}
    if row.ticket is not None and row.kind in SLA_KINDS and data.get("due_at"):
        # How late: since the breach (an escalation step's own due instant is later).
        breached = datetime.fromisoformat(data.get("breached_at") or data["due_at"])
        late = max(row.created_at - breached, timedelta(0))
        context["clock"] = {
            "metric": str(data.get("metric", "")).replace("_", " "), "due_at": breached,
            "late": _duration(late) if row.kind != NotificationKind.SLA_WARNING else "not yet",
        }  # fmt: skip
        context["chain"] = chain_so_far(row.ticket, cycle=int(data.get("cycle") or 0))
    return context


def chain_so_far(ticket: Any, *, cycle: int) -> list[dict[str, Any]]:
    """The fired steps of the ticket's management chain, each with the people it told."""
    alerts = SlaAlert.objects.filter(
        ticket=ticket, kind=AlertKind.ESCALATION, cycle=cycle
    ).order_by("step")
    told: dict[int, list[str]] = defaultdict(list)
    notified = Notification.objects.filter(ticket=ticket, kind=NotificationKind.SLA_ESCALATION)
    for note in notified.select_related("recipient").order_by("id"):
        if int((note.data or {}).get("cycle") or 0) == cycle:
            told[int((note.data or {}).get("step") or 0)].append(str(note.recipient))
    names = {
        int((n.data or {}).get("step") or 0): (n.data or {}).get("name", "")
        for n in notified.only("data")
    }
    return [
        {
            "position": alert.step,
            "name": names.get(alert.step, ""),
            "fired_at": alert.fired_at,
            "people": ", ".join(told.get(alert.step, [])),
        }
        for alert in alerts
    ]


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    return " ".join([*parts, f"{minutes} min"])


# ---- the digest ------------------------------------------------------------------------------


def notifications_digest(*, at: datetime | None = None) -> int:
    """Mail each person the notifications kept for their digest, in one mail; the count of
    digests. Each row is taken by compare-and-set, so one digest holds it."""
    at = at or now()
    kept = Notification.objects.filter(email_state=EmailState.DIGEST)
    sent = 0
    for user_id in kept.values_list("recipient_id", flat=True).distinct().order_by():
        sent += _digest_for(user_id, at)
    return sent


def _digest_for(user_id: int, at: datetime) -> int:
    with transaction.atomic():
        rows = list(
            Notification.objects.filter(recipient_id=user_id, email_state=EmailState.DIGEST)
            .select_related("recipient", "ticket")
            .order_by("id")
            .select_for_update(skip_locked=True, of=("self",))
        )
        taken = Notification.objects.filter(
            pk__in=[row.pk for row in rows], email_state=EmailState.DIGEST
        ).update(email_state=EmailState.DIGESTED)
        if not rows or taken != len(rows) or not rows[0].recipient.email:
            return 0
        recipient = rows[0].recipient
        queue_mail(
            kind=NOTIFICATION_KIND, to=recipient.email.lower(),
            subject=f"Tierdesk digest: {len(rows)} notification{'s' * (len(rows) != 1)}",
            template="digest.txt", dedupe_key=f"digest:{user_id}:{rows[-1].pk}", automatic=False,
            context={"name": str(recipient), "notifications": rows, "site": settings.SITE_URL},
        )  # fmt: skip
    return 1
