"""Demo tickets, each lived through the ticket services so its timeline is a real one.

Every ticket follows a story (opened and left new; answered; waiting on the customer; escalated
to L2 or L3; resolved; closed) played by the people who would really act: the contact, an L1
agent of the ticket's team or the customer's partner, L2 and L3 engineers.

Stories are placed relative to now, so the first look is a working day: finished tickets
(resolved, closed) over the last two months, each worked within hours or days; tickets still
being worked opened so that, by the SLA clock itself, most are on track, some are in their
warning window and a few are breached; waiting tickets over the last few days.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tierdesk.accounts.models import Team, User
from tierdesk.accounts.principal import SYSTEM
from tierdesk.crm.models import Contact, Organization
from tierdesk.demo import catalogue
from tierdesk.demo.cast import Cast
from tierdesk.sla import clock as sla_clock
from tierdesk.sla.config import plan_configs
from tierdesk.sla.promise import applicable_targets, call_back_spec
from tierdesk.sla.services import plan_for
from tierdesk.sla.timeline import FIRST_RESPONSE, RESOLUTION, TargetSpec
from tierdesk.tickets import services
from tierdesk.tickets.domain import PendingReason
from tierdesk.tickets.models import Category, Channel, Ticket, TicketType
from tierdesk.tickets.services.opening import Impact, initial_priority

DAYS_BACK = 60
PENDING_DAYS_BACK = 5
# A finished ticket was worked for this long (hours), somewhere in the last DAYS_BACK days.
WORKED_HOURS = (1.0, 72.0)
# Tickets still being worked: the clock that matters to them (the first response for a new
# ticket, else the resolution) is this far used up now, by mood.
ACTIVE_PLOTS = {"new", "answered", "at_l2", "at_l3"}
MOODS = {"on_track": 70, "warning": 15, "breached": 15}
BREACHED_SHARE = (1.15, 3.0)
ON_TRACK_SHARE = (0.05, 0.55)

# story -> weight; the story names say where the ticket ends up.
STORIES = {
    "new": 10, "answered": 14, "pending": 10, "resolved": 12, "closed_l1": 20,
    "at_l2": 12, "closed_l2": 10, "at_l3": 6, "closed_l3": 6,
}  # fmt: skip
L1_TEAM_FOR = {
    "billing": "billing", "order-setup": "billing", "presales": "billing",
    "monitoring-and-reboot": "monitoring-noc",
}  # fmt: skip


@contextmanager
def backdated(clock: Clock) -> Iterator[None]:
    """Let the services believe it is ``clock.at``.

    Services read the time through ``tierdesk.core.clock.now``, which calls
    ``django.utils.timezone.now`` (as do ``auto_now_add`` fields): pointing that at the story's
    clock gives every message and event the time it would really have had. Only the demo loader
    does this, in its own process, before any server starts.
    """
    real_now = timezone.now
    setattr(timezone, "now", lambda: clock.at)  # noqa: B010
    try:
        yield
    finally:
        setattr(timezone, "now", real_now)  # noqa: B010


class Clock:
    def __init__(self, start: datetime, end: datetime, rng: random.Random):
        self.at = start
        self.step_size = (end - start) / 12  # no story has more than about ten steps
        self.rng = rng

    def wait(self) -> None:
        self.at += self.step_size * self.rng.uniform(0.2, 1.0)


@dataclass
class Story:
    rng: random.Random
    cast: Cast
    clock: Clock
    organization: Organization
    reporter: User
    category: Category

    def l1_agent(self, ticket: Ticket) -> User:
        """The partner's desk agent when the partner has the ticket (P1), else a vendor L1."""
        partner_id = self.organization.partner_id
        if partner_id and ticket.team is not None and ticket.team.organization_id == partner_id:
            return self.cast.partner_agents[partner_id]
        return self._member(ticket.team, level=1)

    def agent_at(self, ticket: Ticket, level: int) -> User:
        return self._member(ticket.team, level=level)

    def _member(self, team: Team | None, *, level: int) -> User:
        members = [
            user for user in self.cast.agents.values()
            if user.agent.support_level == level and (team is None or team in _teams_of(user))
        ]  # fmt: skip
        return self.rng.choice(members) if members else self.cast.manager


def _teams_of(user: User) -> list[Team]:
    cached: list[Team] | None = getattr(user, "_demo_teams", None)
    if cached is None:
        cached = list(user.agent.teams.all())
        user._demo_teams = cached  # type: ignore[attr-defined]
    return cached


def create_tickets(cast: Cast, *, count: int, seed: int, report: Callable[[str], None]) -> int:
    rng = random.Random(seed)
    categories = {category.slug: category for category in Category.objects.all()}
    leaves = [slug for slug in catalogue.SUBJECTS if slug in categories]
    real_now = timezone.now()
    for number in range(1, count + 1):
        organization = rng.choice(cast.customers)
        plot = rng.choices(list(STORIES), weights=list(STORIES.values()))[0]
        story = Story(
            rng=rng, cast=cast, clock=Clock(real_now, real_now, rng), organization=organization,
            reporter=rng.choice(cast.contacts[organization.pk]),
            category=categories[rng.choice(leaves)],
        )  # fmt: skip
        opening = _opening(story)
        start, end = _story_span(story, plot, opening, real_now)
        story.clock = Clock(start, end, rng)
        with backdated(story.clock):
            play(story, plot, opening)
        if number % 25 == 0 or number == count:
            report(f"demo tickets: {number}/{count}")
    return count


def _story_span(
    story: Story, plot: str, opening: dict[str, Any], real_now: datetime
) -> tuple[datetime, datetime]:
    """When the story starts and by when its steps are done (never after now)."""
    rng = story.rng
    if plot == "pending":
        return real_now - timedelta(days=PENDING_DAYS_BACK) * rng.random(), real_now
    if plot not in ACTIVE_PLOTS:
        start = real_now - timedelta(days=DAYS_BACK) * rng.random() ** 1.5
        return start, min(real_now, start + timedelta(hours=rng.uniform(*WORKED_HOURS)))
    spec, warning_percent = _driving_target(story, plot, opening)
    if spec is None or not spec.seconds:
        return real_now - timedelta(hours=rng.uniform(0.5, 8)), real_now
    mood = rng.choices(list(MOODS), weights=list(MOODS.values()))[0]
    share = {
        "on_track": ON_TRACK_SHARE,
        "warning": (warning_percent / 100 + 0.03, 0.97),
        "breached": BREACHED_SHARE,
    }[mood]
    return _opened_ago(spec, spec.seconds * rng.uniform(*share), real_now), real_now


def _driving_target(
    story: Story, plot: str, opening: dict[str, Any]
) -> tuple[TargetSpec | None, int]:
    """The target the ticket's state hangs on, as the clocks will count it, and the plan's
    warning share; the priority is the one ``ticket_open`` will choose (its rule, called)."""
    impact = opening.get("impact")
    emergency = bool(opening.get("is_emergency"))
    priority = initial_priority(None, impact.severity() if impact else None, emergency)
    plan = plan_for(story.organization, opening.get("product"))
    if plan is None:
        return None, 75
    config = plan_configs([plan.pk])[plan.pk]
    targets = applicable_targets(
        config.targets, priority, emergency=emergency, call_back=call_back_spec()
    )
    metric = FIRST_RESPONSE if plot == "new" else RESOLUTION
    return targets.get(metric), plan.warning_percent


def _opened_ago(spec: TargetSpec, business_seconds: float, real_now: datetime) -> datetime:
    """The opening instant from which ``business_seconds`` of the target's calendar have run
    by now (bisection over real time: business time only grows with it)."""
    assert spec.calendar is not None
    shortest, longest = timedelta(0), timedelta(days=DAYS_BACK)
    if sla_clock.elapsed(spec.calendar, real_now - longest, real_now) < business_seconds:
        return real_now - longest
    for _ in range(40):
        middle = (shortest + longest) / 2
        if sla_clock.elapsed(spec.calendar, real_now - middle, real_now) < business_seconds:
            shortest = middle
        else:
            longest = middle
    return real_now - longest


def play(story: Story, plot: str, opening: dict[str, Any]) -> Ticket:
    ticket = services.ticket_open(**opening)
    if plot == "new":
        return ticket
    l1 = story.l1_agent(ticket)
    _answer(story, ticket, l1)
    if plot == "answered":
        return ticket
    if plot == "pending":
        services.ticket_pend(
            actor=l1, ticket=ticket, reason=PendingReason.CUSTOMER,
            note="Could you send us the device model and a screenshot of the error?",
            internal_note="Standard checks passed; need the device details to go on.",
        )  # fmt: skip
        return ticket
    if plot in {"resolved", "closed_l1"}:
        return _finish(story, ticket, l1, close=plot == "closed_l1")
    l2 = _escalate_to_l2(story, ticket, l1)
    if plot in {"at_l2", "closed_l2"}:
        return ticket if plot == "at_l2" else _finish(story, ticket, l2, close=True)
    l3 = _escalate_to_l3(story, ticket, l2)
    return ticket if plot == "at_l3" else _finish(story, ticket, l3, close=True)


def _opening(story: Story) -> dict[str, Any]:
    """What ``ticket_open`` is called with (who opens it, how, with which impact)."""
    rng, category = story.rng, story.category
    subject = rng.choice(catalogue.SUBJECTS[category.slug])
    what = subject[0].lower() + subject[1:]
    total = rng.choice([20, 50, 100, 400])
    body = rng.choice(catalogue.BODIES).format(
        what=what, what_cap=subject, count=max(1, total // rng.choice([2, 5, 10, 50])),
        total=total,
    )  # fmt: skip
    contact = Contact.objects.get(user=story.reporter)
    common: dict[str, Any] = {
        "organization": story.organization, "subject": subject, "body": body,
        "category": category, "product": rng.choice(story.cast.products),
        "type": _type_for(category, rng),
    }  # fmt: skip
    team_slug = L1_TEAM_FOR.get(category.slug)
    if team_slug and not story.organization.partner_id:
        common["team"] = story.cast.teams[team_slug]
    if category.slug == "monitoring-and-reboot":
        return {"actor": SYSTEM, "channel": Channel.MONITORING, **common}
    if rng.random() < 0.06:
        impact = Impact(affected=total // 4, total=total, unit="seats")
        return {
            "actor": story.reporter, "channel": Channel.EMAIL, "impact": impact,
            "is_emergency": True, **common,
        }  # fmt: skip
    if rng.random() < 0.2:
        agent = story.l1_agent(Ticket(team=common.get("team"), organization=story.organization))
        return {"actor": agent, "channel": Channel.PHONE, "reporter": contact, **common}
    channel = rng.choice([Channel.PORTAL, Channel.EMAIL])
    return {"actor": story.reporter, "channel": channel, **common}


def _type_for(category: Category, rng: random.Random) -> str:
    if category.slug == "how-to":
        return TicketType.QUESTION
    if category.audience == "hosting" and rng.random() < 0.5:
        return TicketType.SERVICE_REQUEST
    return rng.choice([TicketType.INCIDENT] * 4 + [TicketType.DEFECT, TicketType.QUESTION])


def _answer(story: Story, ticket: Ticket, l1: User) -> None:
    story.clock.wait()
    if ticket.team and l1.agent.organization_id == ticket.team.organization_id:
        services.ticket_assign(actor=l1, ticket=ticket, assignee=l1)
    services.ticket_reply(actor=l1, ticket=ticket, body=story.rng.choice(catalogue.AGENT_REPLIES))
    story.clock.wait()
    services.ticket_reply(
        actor=story.reporter, ticket=ticket, body=story.rng.choice(catalogue.CUSTOMER_REPLIES)
    )


def _escalate_to_l2(story: Story, ticket: Ticket, l1: User) -> User:
    story.clock.wait()
    team = None
    if story.category.audience == "hosting":
        team = story.cast.teams["server-administration"]
    services.ticket_escalate(
        actor=l1, ticket=ticket, reason="Standard troubleshooting did not help; needs L2.",
        facts=catalogue.ESCALATION_FACTS, team=team,
    )  # fmt: skip
    l2 = story.agent_at(ticket, 2)
    story.clock.wait()
    services.ticket_assign(actor=l2, ticket=ticket, assignee=l2)
    services.ticket_note(
        actor=l2, ticket=ticket, body="Logs show the profile service timing out; checking."
    )
    story.clock.wait()
    services.ticket_reply(
        actor=l2, ticket=ticket,
        body="Could you run `td-diag --collect` on the server and send us the archive?",
    )  # fmt: skip
    return l2


def _escalate_to_l3(story: Story, ticket: Ticket, l2: User) -> User:
    story.clock.wait()
    slug = "product-development" if ticket.type == TicketType.DEFECT else "solutions-research"
    services.ticket_escalate(
        actor=l2, ticket=ticket, to_level=3, team=story.cast.teams[slug],
        reason="Reproduced in the lab: looks like a product defect.",
    )  # fmt: skip
    l3 = story.agent_at(ticket, 3)
    story.clock.wait()
    services.ticket_assign(actor=l3, ticket=ticket, assignee=l3)
    services.ticket_note(
        actor=l3, ticket=ticket, body="Root cause found in the sync module; preparing a fix."
    )
    return l3


def _finish(story: Story, ticket: Ticket, agent: User, *, close: bool) -> Ticket:
    story.clock.wait()
    services.ticket_resolve(
        actor=agent, ticket=ticket, summary=story.rng.choice(catalogue.RESOLUTIONS)
    )
    if close:
        story.clock.wait()
        services.ticket_close(actor=story.reporter, ticket=ticket)
    return ticket
