"""What a person's preferences say about one notification: mail it now, hold it until their
quiet hours end, keep it for the digest, or do not mail it. Urgent notifications (P1 and
emergencies) ignore quiet hours and the digest; a kind turned off is never mailed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tierdesk.notifications.models import NotificationPreference

NOW, LATER, DIGEST, OFF = "now", "later", "digest", "off"


@dataclass(frozen=True)
class MailChoice:
    how: str  # NOW, LATER, DIGEST or OFF
    until: datetime | None = None  # for LATER: when the quiet hours end


def mail_choice(
    preference: NotificationPreference | None, *, kind: str, urgent: bool, at: datetime
) -> MailChoice:
    if preference is None:
        return MailChoice(NOW)
    if kind in (preference.email_off or []):
        return MailChoice(OFF)
    if urgent:
        return MailChoice(NOW)
    if preference.digest:
        return MailChoice(DIGEST)
    end = quiet_end(preference, at)
    return MailChoice(LATER, end) if end is not None else MailChoice(NOW)


def quiet_end(preference: NotificationPreference, at: datetime) -> datetime | None:
    """When the quiet hours ``at`` falls in end, or ``None`` outside them. Quiet hours may span
    midnight (20:00-07:00); equal bounds mean none."""
    start, end = preference.quiet_from, preference.quiet_until
    if not isinstance(start, time) or not isinstance(end, time) or start == end:
        return None
    zone = _zone(preference.timezone)
    local = at.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def shown_in_app(preference: NotificationPreference | None, kind: str) -> bool:
    return preference is None or kind not in (preference.in_app_off or [])
