"""Plans to table rows, for the tickets, messages and events tables.

Columns come from the models (``field.column``): the builders supply the fields they know, and
every other field gets its model default, computed once. A new NOT NULL field without a default
stops the generator with a message instead of loading wrong data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import NOT_PROVIDED

from datagen import vocab
from datagen.plan import MINUTE, Config, TicketPlan
from tierdesk.tickets.models import PUBLIC_EVENT_KINDS, Message, Ticket, TicketEvent

Row = tuple[Any, ...]


class Dialect:
    """How values are spelled for one loader: PostgreSQL COPY text, or SQLite parameters."""

    def __init__(self, name: str, config: Config):
        self.name = name
        self.copy = name == "postgresql"
        self.null: Any = "\\N" if self.copy else None
        suffix = "+00" if self.copy else ""
        # Formatting a datetime per value is slow; a day prefix plus a time-of-day suffix is a
        # list lookup each.
        first = datetime.fromtimestamp(config.start, UTC).replace(hour=0, minute=0, second=0)
        self.epoch0 = int(first.timestamp())
        days = (config.end - self.epoch0) // 86400 + 2
        self.days = [f"{first + timedelta(days=n):%Y-%m-%d} " for n in range(days)]
        self.tod = [
            f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(86400)
        ]

    def at(self, ts: int) -> str:
        offset = ts - self.epoch0
        return self.days[offset // 86400] + self.tod[offset % 86400]

    def at_or_null(self, ts: int | None) -> Any:
        return self.null if ts is None else self.at(ts)

    def text(self, value: str) -> str:
        if not self.copy:
            return value
        return (
            value.replace("\\", "\\\\")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        )

    def value(self, field: models.Field, value: Any) -> Any:
        """A model default in this dialect's spelling."""
        if value is None:
            return self.null
        if isinstance(field, models.JSONField):
            return self.text(json.dumps(value))
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bool | int | float):
            return value
        raise SystemExit(f"bench: cannot spell the default {value!r} of {field}; extend rows.py")


@dataclass(frozen=True)
class TableSpec:
    table: str
    columns: tuple[str, ...]
    defaults: Row  # appended to every built row

    @classmethod
    def of(cls, model: type[models.Model], supplied: list[str], dialect: Dialect) -> TableSpec:
        fields = [model._meta.get_field(name) for name in supplied]
        columns: list[str] = [f.column for f in fields]  # type: ignore[union-attr,misc]
        defaults = []
        for f in model._meta.local_concrete_fields:
            if f.name in supplied or getattr(f, "generated", False):
                continue
            if f.db_default is not NOT_PROVIDED:
                continue  # the database fills it
            value = f.get_default()
            if value is None and not f.null:
                raise SystemExit(
                    f"bench: {model.__name__}.{f.name} is required and has no default; "
                    "teach bench/datagen/rows.py to fill it"
                )
            columns.append(str(f.column))
            defaults.append(dialect.value(f, value))
        return cls(model._meta.db_table, tuple(columns), tuple(defaults))


TICKET_FIELDS = [
    "id", "subject", "type", "channel", "status", "pending_reason", "priority", "support_level",
    "is_emergency", "organization", "reporter", "created_by", "team", "assignee", "category",
    "product", "resolution_summary", "first_response_at", "resolved_at", "closed_at",
    "created_at", "updated_at", "version", "response_state", "response_elapsed",
    "resolution_state", "resolution_elapsed",
]  # fmt: skip
MESSAGE_FIELDS = [
    "id", "ticket", "author", "author_contact", "kind", "by_agent", "channel", "body",
    "body_html", "created_at",
]  # fmt: skip
EVENT_FIELDS = ["id", "ticket", "kind", "actor", "data", "is_public", "at"]


class Texts:
    """Pools of pre-spelled subjects and bodies; a draw is a list index."""

    POOL = 2048

    def __init__(self, dialect: Dialect, seed: int):
        self.d = dialect
        rng = random.Random(seed)
        self.subjects = [
            dialect.text(f"{problem} {place}")
            for problem in vocab.PROBLEMS
            for place in vocab.PLACES
        ]
        self.first = [self._body(rng, vocab.SENTENCES, 2, 4, greet=True) for _ in range(self.POOL)]
        self.contact = [
            self._body(rng, vocab.SENTENCES, 1, 2, greet=False) for _ in range(self.POOL)
        ]
        self.agent = [
            self._body(rng, vocab.AGENT_SENTENCES, 1, 3, greet=True) for _ in range(self.POOL)
        ]
        self.note = [
            self._body(rng, vocab.NOTE_SENTENCES, 1, 2, greet=False) for _ in range(self.POOL)
        ]
        self.summaries = [dialect.text(s) for s in vocab.SUMMARIES]

    def _body(
        self, rng: random.Random, sentences: list[str], low: int, high: int, *, greet: bool
    ) -> tuple[str, str, list[str]]:
        middle = " ".join(rng.sample(sentences, rng.randint(low, high)))
        paragraphs = [middle]
        if greet:
            paragraphs = [rng.choice(vocab.OPENERS), middle, rng.choice(vocab.CLOSINGS)]
        body = "\n\n".join(paragraphs)
        html = vocab.paragraphs_to_html(paragraphs)
        return self.d.text(body), self.d.text(html), paragraphs

    def with_words(self, entry: tuple[str, str, list[str]], words: list[str]) -> tuple[str, str]:
        """A body with marker sentences added to its main paragraph."""
        if not words:
            return entry[0], entry[1]
        paragraphs = list(entry[2])
        extra = " ".join(f"The {word} check reports a problem too." for word in words)
        main = 1 if len(paragraphs) == 3 else 0
        paragraphs[main] = f"{paragraphs[main]} {extra}"
        return self.d.text("\n\n".join(paragraphs)), self.d.text(
            vocab.paragraphs_to_html(paragraphs)
        )


SUBJECT_MARKERS = [i for i, m in enumerate(vocab.MARKERS) if m.where == "subject"]
BODY_MARKERS = [i for i, m in enumerate(vocab.MARKERS) if m.where == "body"]
NOTE_MARKERS = [i for i, m in enumerate(vocab.MARKERS) if m.where == "note"]


def _words(plan: TicketPlan, indexes: list[int]) -> list[str]:
    return [vocab.MARKERS[i].word for i in indexes if plan.markers[i]]


# The stopped clocks' business time, roughly: 10 working hours of 24 on 5 days of 7; and the
# targets (business seconds per priority) they are judged met or breached by, the seeded plans'
# order of magnitude. The reports read these columns (compliance, the 12 weeks' trends).
BUSINESS_SHARE = 10 / 24 * 5 / 7
RESPONSE_TARGET = {1: 3_600, 2: 4 * 3_600, 3: 8 * 3_600, 4: 16 * 3_600}
RESOLUTION_TARGET = {1: 8 * 3_600, 2: 24 * 3_600, 3: 50 * 3_600, 4: 100 * 3_600}


def stopped_clocks(p: TicketPlan) -> tuple[str, int, str, int]:
    """The first-response and resolution clocks as the SLA engine stores them once stopped
    (the response stops at the first agent reply or the resolution, whichever came first);
    an empty state and 0 while a clock runs."""
    clocks: list[Any] = []
    response_stop = min((t for t in (p.first_response, p.resolved) if t is not None), default=None)
    for stop, targets in ((response_stop, RESPONSE_TARGET), (p.resolved, RESOLUTION_TARGET)):
        if stop is None:
            clocks += ["", 0]
            continue
        elapsed = int(max(60, stop - p.created) * BUSINESS_SHARE)
        clocks += ["met" if elapsed <= targets.get(p.priority, targets[4]) else "breached", elapsed]
    return tuple(clocks)  # type: ignore[return-value]


class Builder:
    """Builds the rows of one chunk for each big table; keeps the running message id."""

    def __init__(self, dialect: Dialect, config: Config):
        self.d = dialect
        self.config = config
        self.tickets = TableSpec.of(Ticket, TICKET_FIELDS, dialect)
        self.messages = TableSpec.of(Message, MESSAGE_FIELDS, dialect)
        self.events = TableSpec.of(TicketEvent, EVENT_FIELDS, dialect)
        self.texts = Texts(dialect, config.seed)
        self.next_message_id = 1
        self.next_event_id = 1
        self.events_message_cursor = 1
        self.public_kinds = frozenset(str(k) for k in PUBLIC_EVENT_KINDS)

    def ticket_rows(self, index: int, plans: list[TicketPlan]) -> Iterator[Row]:
        d, texts, n = self.d, self.texts, self.d.null
        rng = random.Random(self.config.seed * 7919 + index)
        tail = self.tickets.defaults
        for p in plans:
            subject = texts.subjects[rng.randrange(len(texts.subjects))]
            for word in _words(p, SUBJECT_MARKERS):
                subject = f"{subject} ({word.capitalize()})"
            done = p.resolved is not None
            yield (
                p.id, subject, p.type, p.channel, p.status, p.pending_reason, p.priority,
                p.level, p.emergency, p.org, p.reporter, _n(p.created_by, n), _n(p.team, n),
                _n(p.assignee, n), _n(p.category, n), _n(p.product, n),
                rng.choice(texts.summaries) if done else "",
                d.at_or_null(p.first_response), d.at_or_null(p.resolved),
                d.at_or_null(p.closed), d.at(p.created), d.at(p.updated), _version(p),
                *stopped_clocks(p), *tail,
            )  # fmt: skip

    def message_rows(self, index: int, plans: list[TicketPlan]) -> Iterator[Row]:
        d, texts, n = self.d, self.texts, self.d.null
        rng = random.Random(self.config.seed * 7919 + index + 104_729)
        tail = self.messages.defaults
        pools = {"agent": texts.agent, "contact": texts.contact, "internal": texts.note}
        size = Texts.POOL
        for p in plans:
            note_words = _words(p, NOTE_MARKERS)
            for i, m in enumerate(p.messages):
                if i == 0:
                    body, html = texts.with_words(texts.first[rng.randrange(size)],
                                                  _words(p, BODY_MARKERS))  # fmt: skip
                else:
                    pool = pools["internal" if m.kind == "internal" else
                                 "agent" if m.by_agent else "contact"]  # fmt: skip
                    words = note_words if m.kind == "internal" else []
                    body, html = texts.with_words(pool[rng.randrange(size)], words)
                    if m.kind == "internal":
                        note_words = []  # the word goes into the first note only
                yield (
                    self.next_message_id, p.id, _n(m.author, n), _n(m.contact, n), m.kind,
                    m.by_agent, p.channel if i == 0 else "portal", body, html, d.at(m.at), *tail,
                )  # fmt: skip
                self.next_message_id += 1

    def event_rows(self, index: int, plans: list[TicketPlan]) -> Iterator[Row]:
        tail = self.events.defaults
        for p in plans:
            for kind, actor, data, at in self._events(p):
                yield (
                    self.next_event_id, p.id, kind, actor, self.d.text(data),
                    kind in self.public_kinds, self.d.at(at), *tail,
                )  # fmt: skip
                self.next_event_id += 1

    def _events(self, p: TicketPlan) -> Iterator[tuple[str, Any, str, int]]:
        n = self.d.null
        emergency = "true" if p.emergency else "false"
        yield "opened", _n(p.created_by, n), (
            f'{{"channel": "{p.channel}", "priority": {p.priority}, "severity": "", '
            f'"emergency": {emergency}}}'
        ), p.created  # fmt: skip
        # Events name their message: replay the message ids the message loader hands out.
        first_id = self.events_message_cursor
        self.events_message_cursor += len(p.messages)
        for mid, m in enumerate(p.messages[1:], start=first_id + 1):
            if m.kind == "internal":
                yield "noted", _n(m.author, n), f'{{"message": {mid}}}', m.at
            else:
                by_agent = "true" if m.by_agent else "false"
                data = f'{{"message": {mid}, "by_agent": {by_agent}}}'
                yield "replied", _n(m.author, n), data, m.at
        yield from self._status_events(p)

    def _status_events(self, p: TicketPlan) -> Iterator[tuple[str, Any, str, int]]:
        n = self.d.null
        last = p.messages[-1].at
        if p.status == "pending":
            data = f'{{"reason": "{p.pending_reason}", "note": "", "status": ["open", "pending"]}}'
            yield "pended", _n(p.assignee, n), data, min(self.config.end, last + 30 * MINUTE)
        if p.resolved is not None:
            data = '{"summary": "", "status": ["open", "resolved"]}'
            yield "resolved", _n(p.assignee, n), data, p.resolved
        if p.closed is not None:
            yield "closed", n, "{}", p.closed


def _n(value: Any, null: Any) -> Any:
    return null if value is None else value


def _version(p: TicketPlan) -> int:
    # Every change after opening bumps the compare-and-set version once.
    return (
        len(p.messages)
        + (p.status == "pending")
        + (p.resolved is not None)
        + (p.closed is not None)
    )


RowsFn = Callable[[int, list[TicketPlan]], Iterator[Row]]
