"""Per-ticket plans: every random choice about a ticket except its wording.

Tickets are planned in chunks, each from its own seeded RNG, so any process can re-plan any
chunk and get the same tickets: the tickets, messages and events loaders run in parallel and
agree on every id, status and time without talking to each other.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from datagen.cast import Cast
from datagen.vocab import MARKERS

# Shares of all tickets; active tickets cluster in the most recent tenth of the time range.
RECENT_SHARE = 0.10
ACTIVE_IF_RECENT = 0.60
ACTIVE_IF_OLDER = 0.10  # 0.1 * 0.6 + 0.9 * 0.1 = 15% active overall
ACTIVE_STATUSES = (("new", 25), ("open", 50), ("pending", 25))
DONE_STATUSES = (("resolved", 12), ("closed", 88))
LEVELS = ((1, 70), (2, 22), (3, 8))
PRIORITIES = ((1, 3), (2, 15), (3, 62), (4, 20))
TYPES = (
    ("incident", 50), ("service_request", 20), ("question", 20), ("defect", 7),
    ("suggestion", 2), ("change", 1),
)  # fmt: skip
CHANNELS = (("email", 45), ("portal", 35), ("phone", 10), ("api", 5), ("monitoring", 3),
            ("chat", 2))  # fmt: skip
MESSAGE_COUNTS = ((1, 10), (2, 25), (3, 30), (4, 20), (5, 10), (6, 5))
# After the customer's first message: who writes next.
FOLLOWING_KINDS = (("agent", 60), ("note", 20), ("contact", 20))
PENDING_REASONS = ("customer", "third_party", "customer_side", "remote_access")

MARKER_SHARES = [m.share for m in MARKERS]
MINUTE = 60
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Table:
    """Weighted choices, ready for ``rng.choices(values, cum_weights=...)``."""

    values: tuple
    cum: tuple  # cumulative weights scaled to 1.0

    @classmethod
    def of(cls, pairs: tuple) -> Table:
        total = sum(w for _, w in pairs)
        return cls(
            tuple(v for v, _ in pairs), tuple(c / total for c in accumulate(w for _, w in pairs))
        )

    def draw(self, rng: random.Random) -> Any:
        # bisect on one uniform draw: several times faster than rng.choices for a single value.
        return self.values[bisect_right(self.cum, rng.random())]


def pick(rng: random.Random, seq: list[int]) -> int:
    """rng.choice without its checks: this runs millions of times."""
    return seq[int(rng.random() * len(seq))]


T_ACTIVE = Table.of(ACTIVE_STATUSES)
T_DONE = Table.of(DONE_STATUSES)
T_LEVEL = Table.of(LEVELS)
T_PRIORITY = Table.of(PRIORITIES)
T_TYPE = Table.of(TYPES)
T_CHANNEL = Table.of(CHANNELS)
T_COUNT = Table.of(MESSAGE_COUNTS)
T_FOLLOWING = Table.of(FOLLOWING_KINDS)


@dataclass(frozen=True)
class Config:
    tickets: int
    seed: int
    start: int  # epoch seconds of the oldest ticket
    end: int  # epoch seconds of "now"
    chunk: int = 5000

    @property
    def chunks(self) -> int:
        return (self.tickets + self.chunk - 1) // self.chunk

    def chunk_ids(self, index: int) -> range:
        return range(index * self.chunk + 1, min((index + 1) * self.chunk, self.tickets) + 1)


class Msg:
    __slots__ = ("at", "author", "by_agent", "contact", "kind")

    def __init__(self, kind: str, at: int, author: int | None, contact: int | None, by_agent: bool):
        self.kind = kind  # "public" or "internal"
        self.at = at
        self.author = author
        self.contact = contact
        self.by_agent = by_agent


class TicketPlan:
    # Plain slots, no dataclass: a million of these are made per loader process.
    __slots__ = (
        "assignee", "category", "channel", "closed", "created", "created_by", "emergency",
        "first_response", "id", "level", "markers", "messages", "org", "pending_reason",
        "priority", "product", "reporter", "reporter_user", "resolved", "status", "team",
        "type", "updated",
    )  # fmt: skip
    assignee: int | None
    category: int | None
    channel: str
    closed: int | None
    created: int
    created_by: int | None
    emergency: bool
    first_response: int | None
    id: int
    level: int
    markers: list[bool]
    messages: list[Msg]
    org: int
    pending_reason: str
    priority: int
    product: int | None
    reporter: int
    reporter_user: int | None
    resolved: int | None
    status: str
    team: int
    type: str
    updated: int


class Planner:
    """Plans chunks of tickets for one cast and config."""

    def __init__(self, cast: Cast, config: Config):
        self.cast = cast
        self.config = config
        # Ticket counts per customer follow a long tail: a few big customers file most.
        weights = [1.0 / (rank + 5) ** 0.9 for rank in range(len(cast.customer_ids))]
        self.org_cum = tuple(accumulate(weights))
        self.span = config.end - config.start - HOUR  # room for the jitter below

    def chunk(self, index: int) -> list[TicketPlan]:
        rng = random.Random(self.config.seed * 1_000_003 + index)
        ids = self.config.chunk_ids(index)
        orgs = rng.choices(self.cast.customer_ids, cum_weights=self.org_cum, k=len(ids))
        return [self._ticket(rng, tid, org) for tid, org in zip(ids, orgs, strict=True)]

    def _ticket(self, rng: random.Random, tid: int, org: int) -> TicketPlan:
        p = TicketPlan()
        p.id = tid
        p.org = org
        age_share = (tid - 1) / self.config.tickets
        p.created = self.config.start + int(age_share * self.span) + int(rng.random() * HOUR)
        recent = age_share > 1 - RECENT_SHARE
        active = rng.random() < (ACTIVE_IF_RECENT if recent else ACTIVE_IF_OLDER)
        p.status = (T_ACTIVE if active else T_DONE).draw(rng)
        self._routing(rng, p)
        self._people(rng, p)
        self._attributes(rng, p)
        p.markers = [rng.random() < share for share in MARKER_SHARES]
        self._conversation(rng, p)
        self._closure(rng, p)
        return p

    def _routing(self, rng: random.Random, p: TicketPlan) -> None:
        p.level = T_LEVEL.draw(rng)
        partner = self.cast.customer_partner.get(p.org)
        if p.level == 1 and partner:
            p.team = self.cast.partner_desk[partner]
        else:
            p.team = pick(rng, self.cast.vendor_teams_by_level[p.level])
        assigned = rng.random() < (0.3 if p.status == "new" else 0.95)
        p.assignee = pick(rng, self.cast.team_agents[p.team]) if assigned else None

    def _people(self, rng: random.Random, p: TicketPlan) -> None:
        p.reporter = pick(rng, self.cast.contacts_by_org[p.org])
        p.reporter_user = self.cast.contact_user.get(p.reporter)
        p.channel = T_CHANNEL.draw(rng)
        if p.channel in ("portal", "api"):
            p.created_by = p.reporter_user
        elif p.channel == "phone":
            p.created_by = p.assignee
        else:
            p.created_by = None  # e-mail and monitoring intake: Tierdesk itself

    def _attributes(self, rng: random.Random, p: TicketPlan) -> None:
        p.emergency = rng.random() < 0.002
        p.priority = 1 if p.emergency else T_PRIORITY.draw(rng)
        p.type = T_TYPE.draw(rng)
        cast = self.cast
        p.category = pick(rng, cast.category_ids) if rng.random() < 0.8 else None
        p.product = pick(rng, cast.product_ids) if rng.random() < 0.6 else None
        p.pending_reason = rng.choice(PENDING_REASONS) if p.status == "pending" else ""

    def _conversation(self, rng: random.Random, p: TicketPlan) -> None:
        count = (1 if rng.random() < 0.7 else 2) if p.status == "new" else T_COUNT.draw(rng)
        end = self.config.end
        at = p.created
        msgs = [Msg("public", at, p.reporter_user, p.reporter, False)]
        agent = p.assignee or pick(rng, self.cast.team_agents[p.team])
        for _ in range(count - 1):
            at = min(end, at + MINUTE * 10 + int(rng.expovariate(1 / (8 * HOUR))))
            msgs.append(self._reply(T_FOLLOWING.draw(rng), at, agent, p))
        if p.markers[-1] and not any(m.kind == "internal" for m in msgs):
            # The note marker needs an internal note to live in.
            msgs.append(Msg("internal", min(end, at + MINUTE), agent, None, True))
        p.messages = msgs
        p.first_response = next((m.at for m in msgs if m.by_agent and m.kind == "public"), None)

    @staticmethod
    def _reply(kind: object, at: int, agent: int, p: TicketPlan) -> Msg:
        if kind == "agent":
            return Msg("public", at, agent, None, True)
        if kind == "note":
            return Msg("internal", at, agent, None, True)
        return Msg("public", at, p.reporter_user, p.reporter, False)

    def _closure(self, rng: random.Random, p: TicketPlan) -> None:
        last = p.messages[-1].at
        p.resolved = p.closed = None
        if p.status in ("resolved", "closed"):
            resolved = min(self.config.end, last + HOUR + int(rng.random() * 2 * DAY))
            p.resolved = resolved
            if p.status == "closed":
                p.closed = min(self.config.end, resolved + 3 * DAY + int(rng.random() * 11 * DAY))
        p.updated = p.closed or p.resolved or last
