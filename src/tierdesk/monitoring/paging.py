"""Who is paged for a monitoring ticket, and the page itself.

The chain of a team at an instant: the overrides on duty then, then the regular shifts by
position (each person once). Step 0 pages the first at once; each step the acknowledgement
deadline passes without an acknowledgement pages the next; after the last person on duty the
team's outside party (``OnCallPolicy.outside_email``) is paged once, and the chain stops.
Pages are mail through ``tierdesk.mail.outbound`` under a unique key per group, opening and step:
a sweep that runs twice never pages twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import router
from django.template.loader import render_to_string

from tierdesk.accounts.models import User
from tierdesk.core.fetch import CompiledQuery, Param
from tierdesk.mail.outbound import outbound_store, sending_mailbox
from tierdesk.mail.rendering import ticket_subject
from tierdesk.monitoring.models import AlertGroup, OnCallPolicy, OnCallShift

PAGE_KIND = "monitoring_page"  # OutboundMail.kind of a page


@dataclass(frozen=True)
class Policy:
    ack_minutes: int
    step_minutes: int
    outside_email: str


def policy_for(team_id: int | None) -> Policy:
    row = _POLICY.first(router.db_for_read(OnCallPolicy), team=team_id) if team_id else None
    default = settings.TIERDESK_MONITORING_ACK_MINUTES
    if row is None:
        return Policy(default, default, "")
    return Policy(row.ack_minutes, row.step_minutes, row.outside_email)


def on_duty(team_id: int | None, at: datetime) -> list[User]:
    """The team's chain at ``at``: overrides first, then shifts by position; each person once."""
    if team_id is None:
        return []
    shifts = _SHIFTS.rows(router.db_for_read(OnCallShift), team=team_id, at=at)
    chain: list[User] = []
    for shift in shifts:
        if all(user.pk != shift.user_id for user in chain):
            chain.append(shift.user)
    return chain


# Read for every alert group opened (a storm opens hundreds): compiled once per process.
_POLICY = CompiledQuery(
    lambda: OnCallPolicy.objects.filter(
        team_id=Param("team", OnCallPolicy._meta.get_field("team"))
    ).order_by()
)


def _shifts_at() -> Any:
    at = Param("at", OnCallShift._meta.get_field("starts_at"))
    return (
        OnCallShift.objects.filter(
            team_id=Param("team", OnCallShift._meta.get_field("team")),
            starts_at__lte=at,
            ends_at__gt=at,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("-is_override", "position", "starts_at", "id")
    )


_SHIFTS = CompiledQuery(_shifts_at)


@dataclass(frozen=True)
class Page:
    """One step of the chain: a person on duty, or the outside party."""

    to: str
    name: str
    outside: bool


def page_at_step(
    group: AlertGroup, step: int, at: datetime, policy: Policy | None = None
) -> Page | None:
    """Who step ``step`` pages; ``None`` once the chain (and the outside party) is used up.
    ``policy``: the team's, when the caller read it already."""
    team_id = group.ticket.team_id if group.ticket else None
    chain = on_duty(team_id, at)
    if step < len(chain):
        person = chain[step]
        return Page(person.email, str(person.display_name or person.username), outside=False)
    outside = (policy or policy_for(team_id)).outside_email
    if step == len(chain) and outside:
        return Page(outside, outside, outside=True)
    return None


def next_deadline(group: AlertGroup, step: int, at: datetime) -> datetime | None:
    """When step ``step + 1`` is due, or ``None`` when there is nobody after ``step``."""
    team_id = group.ticket.team_id if group.ticket else None
    policy = policy_for(team_id)
    if page_at_step(group, step + 1, at, policy) is None:
        return None
    return at + timedelta(minutes=policy.step_minutes if step else policy.ack_minutes)


def send_page(group: AlertGroup, page: Page, step: int, at: datetime) -> Any:
    """Queue the page's mail (sent after commit); the key makes it once per opening and step."""
    ticket = group.ticket
    context: dict[str, Any] = {
        "group": group, "ticket": ticket, "page": page, "step": step,
        "site_url": settings.SITE_URL,
    }  # fmt: skip
    body = render_to_string("monitoring/page_mail.txt", context)
    title = "ALERT" if not page.outside else "ESCALATED ALERT"
    opening = int(group.first_seen_at.timestamp()) if group.first_seen_at else 0
    return outbound_store(
        kind=PAGE_KIND, to=page.to, subject=ticket_subject(ticket, f"{title}: {group.title}"),
        body=body.strip() + "\n", dedupe_key=f"monitoring-page:{group.pk}:{opening}:{step}",
        mailbox=sending_mailbox(ticket), ticket=ticket, automatic=False, on_ticket=False,
    )  # fmt: skip
