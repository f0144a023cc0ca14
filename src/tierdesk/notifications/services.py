"""Writes of the notifications app: marking read, a person's preferences, webhooks."""

from __future__ import annotations

import secrets
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.notifications.models import NotificationPreference, Webhook, WebhookEvent
from tierdesk.notifications.webhooks import check_url


def notification_mark_read(*, actor: Any, notification_id: int) -> int:
    """Mark one of the actor's notifications read (someone else's is simply not found)."""
    return Notification.objects.filter(
        pk=notification_id, recipient=actor, read_at__isnull=True
    ).update(read_at=now())


def notification_mark_all_read(*, actor: Any) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=now())


def preference_set(
    *, actor: Any, email_off: list[str], in_app_off: list[str], new_tickets: bool,
    quiet_from: time | None, quiet_until: time | None, timezone: str, digest: bool,
) -> NotificationPreference:  # fmt: skip
    kinds = set(NotificationKind.values)
    if not set(email_off) <= kinds or not set(in_app_off) <= kinds:
        raise InvalidInput("Unknown notification kind.", field="kinds")
    try:
        ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("Unknown time zone.", field="timezone") from None
    if (quiet_from is None) != (quiet_until is None):
        raise InvalidInput("Quiet hours need a start and an end.", field="quiet_from")
    preference, _ = NotificationPreference.objects.update_or_create(
        user=actor,
        defaults={
            "email_off": sorted(set(email_off)), "in_app_off": sorted(set(in_app_off)),
            "new_tickets": new_tickets, "quiet_from": quiet_from, "quiet_until": quiet_until,
            "timezone": timezone or "UTC", "digest": digest,
        },
    )  # fmt: skip
    return preference


def webhook_create(
    *, actor: Any, name: str, url: str, events: list[str], format: str = "json", role: str = ""
) -> Webhook:
    """An admin subscribes a URL (http or https only) to event kinds; the secret is made here."""
    if not getattr(actor, "is_superuser", False):
        raise InvalidInput("Only administrators manage webhooks.", field="url")
    try:
        check_url(url)
    except ValidationError:
        raise InvalidInput("Give an http:// or https:// URL.", field="url") from None
    if not events or not set(events) <= set(WebhookEvent.values):
        raise InvalidInput("Choose the events to send.", field="events")
    return Webhook.objects.create(
        name=name.strip() or url, url=url, secret=secrets.token_urlsafe(32), events=events,
        format=format, role=role, created_by=actor,
    )  # fmt: skip
