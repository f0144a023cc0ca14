"""Times as people read them: in their own zone, always with the zone named.

    {% load tierdesk_time %}
    {{ ticket.created_at|when }}       <time datetime="...">6 Dec 2026, 15:00 IST</time>
    {{ ticket.created_at|when_text }}  6 Dec 2026, 15:00 IST (plain text: titles, attributes)
    {% current_zone %}                 Asia/Kolkata

The zone is the one ``accounts.timezones.UserTimeZoneMiddleware`` activated for the request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

WHEN_FORMAT = "j M Y, H:i"


def _local(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return timezone.localtime(value) if timezone.is_aware(value) else value


def zone_label(local: datetime) -> str:
    """The zone's abbreviation where it has one (IST, CET); else its UTC offset (+04)."""
    name = local.tzname() or ""
    if name[:1] in ("+", "-"):
        return f"UTC{name}"
    return name


@register.filter
def when_text(value: Any) -> str:
    local = _local(value)
    if local is None:
        return ""
    return f"{date_format(local, WHEN_FORMAT)} {zone_label(local)}".strip()


@register.filter
def when(value: Any) -> SafeString | str:
    local = _local(value)
    if local is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), when_text(local))


@register.simple_tag
def current_zone() -> str:
    return timezone.get_current_timezone_name()
