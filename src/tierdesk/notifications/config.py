"""What the hook predicates ask on every ticket event, cached per process
(``core.config_cache``): who wants every new ticket of their teams, and which events some active
webhook subscribes to. A save in this process clears both at once (``apps.py``); other
processes see a change within a minute."""

from __future__ import annotations

from tierdesk.core.config_cache import ConfigCache
from tierdesk.notifications.models import NotificationPreference, Webhook

_cache = ConfigCache("notifications")


def _new_ticket_watchers() -> frozenset[int]:
    rows = NotificationPreference.objects.filter(new_tickets=True).values_list("user_id", flat=True)
    return frozenset(rows)


def _webhook_events() -> frozenset[str]:
    return frozenset(
        event
        for events in Webhook.objects.filter(is_active=True).values_list("events", flat=True)
        for event in events or []
    )


def anybody_wants_new_tickets() -> bool:
    return bool(_cache.get("watchers", _new_ticket_watchers))


def wants_new_tickets(user_id: int) -> bool:
    return user_id in _cache.get("watchers", _new_ticket_watchers)


def webhook_events() -> frozenset[str]:
    return frozenset(_cache.get("webhooks", _webhook_events))


def forget(*args: object, **kwargs: object) -> None:
    _cache.clear()
