"""From a ticket's history to the state of its SLA clocks: pure Python, no Django.

``compute_clocks`` replays what happened to a ticket (when it opened, the regimes of plan and
priority it went through, its pauses, when each clock ran) and answers, for every clock, the
business time used, the instant it is or was due, the instant to warn, and its state. The same
function feeds the stored clock columns, the sweep, and ``tierdesk sla explain``, so what the
explanation shows is what the system did.

The rules (also in docs/sla.md):

* **Response** runs from opening to the first public reply by an agent, or to the resolution
  if that comes first (the resolution notice answers the customer).
* **Resolution** runs from opening to resolution; a reopen starts it again *keeping* the
  business time used before, so a ticket resolved wrongly gets no fresh target.
* **Next update** (optional target) runs from each public agent reply to the next one.
* **Pauses** stop every running clock: waiting on the customer, cause on the customer's side,
  waiting for remote access, and waiting on a third party where the plan says so.
* **Priority or plan changes** keep the business time used so far (counted in the old calendar
  up to the change) and apply the new target from then on, in the new target's calendar. If the
  new target is already used up at the change, and the clock had not breached under the old
  target, it gets a grace of the new target's last ``100 - warning_percent`` percent from the
  change: raising a priority late is the right thing to do and must not escalate by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tierdesk.sla import clock

FIRST_RESPONSE = "first_response"
NEXT_UPDATE = "next_update"
RESOLUTION = "resolution"
METRICS = (FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION)

Span = tuple[datetime, datetime | None]  # [start, end); end None = still open


@dataclass(frozen=True)
class TargetSpec:
    seconds: int | None  # None: no target for this clock ("case by case", "next release")
    calendar: clock.Calendar
    calendar_name: str = ""


@dataclass(frozen=True)
class Regime:
    """What applies from ``since``: a plan's targets for the ticket's priority at the time."""

    since: datetime
    targets: Mapping[str, TargetSpec]
    label: str = ""


@dataclass(frozen=True)
class ClockInput:
    now: datetime
    regimes: Sequence[Regime]  # sorted by since; the first starts at or before opening
    runs: Mapping[str, Sequence[Span]]  # metric -> when that clock ran
    pauses: Sequence[Span]  # paused stretches; end None = paused now
    warning_percent: int = 75


@dataclass
class Piece:
    """A stretch of a clock under one regime: the explain command prints these."""

    start: datetime
    end: datetime | None
    regime: str
    calendar: str
    elapsed: int


@dataclass
class ClockResult:
    metric: str
    state: str  # "" (no target), running, paused, met, breached
    elapsed: int  # business seconds used, up to now or to the stop
    target: int | None  # effective target in business seconds (grace included)
    due_at: datetime | None  # when the target is used up (None: no target, paused, stopped)
    warn_at: datetime | None
    breached_at: datetime | None  # when it was or will be breached, if known
    stopped_at: datetime | None
    grace: bool = False
    pieces: list[Piece] = field(default_factory=list)


def compute_clocks(data: ClockInput) -> dict[str, ClockResult]:
    return {
        metric: _compute(metric, data, data.runs[metric])
        for metric in METRICS
        if data.runs.get(metric)
    }


def _regime_at(regimes: Sequence[Regime], instant: datetime) -> int:
    index = 0
    for position, regime in enumerate(regimes):
        if regime.since <= instant:
            index = position
    return index


def _split(span: Span, regimes: Sequence[Regime]) -> list[tuple[datetime, datetime | None, int]]:
    """Cut a run span at each regime change inside it."""
    start, end = span
    pieces: list[tuple[datetime, datetime | None, int]] = []
    index = _regime_at(regimes, start)
    cursor = start
    for next_index in range(index + 1, len(regimes)):
        change = regimes[next_index].since
        if end is not None and change >= end:
            break
        if change > cursor:
            pieces.append((cursor, change, index))
            cursor = change
        index = next_index
    pieces.append((cursor, end, index))
    return pieces


def _closed_pauses(pauses: Sequence[Span], now: datetime) -> list[tuple[datetime, datetime]]:
    return [(start, end if end is not None else now) for start, end in pauses]


def _paused_now(pauses: Sequence[Span], now: datetime) -> bool:
    return any(end is None and start <= now for start, end in pauses)


def _new_target(
    spec: TargetSpec, used: int, old_target: int | None, warning_percent: int
) -> tuple[int | None, bool]:
    """The effective target after a regime change, with the grace rule."""
    if spec.seconds is None:
        return None, False
    already_breached = old_target is not None and used >= old_target
    if used < spec.seconds or already_breached:
        return spec.seconds, False
    grace = spec.seconds * (100 - warning_percent) // 100
    return used + max(grace, 60), True


def _compute(metric: str, data: ClockInput, runs: Sequence[Span]) -> ClockResult:
    now = data.now
    pauses = _closed_pauses(data.pauses, now)
    used = 0
    target: int | None = None
    regime_index: int | None = None
    grace = False
    breached_at: datetime | None = None
    pieces: list[Piece] = []
    result_due = result_warn = None
    for span in runs:
        for start, end, index in _split(span, data.regimes):
            regime = data.regimes[index]
            spec = regime.targets.get(metric)
            if spec is None:
                continue
            if index != regime_index:
                if metric == NEXT_UPDATE or regime_index is None:
                    target, grace = spec.seconds, False
                else:
                    target, grace = _new_target(spec, used, target, data.warning_percent)
                regime_index = index
            if target is not None and breached_at is None and used < target:
                due = clock.deadline(spec.calendar, start, target - used, pauses)
                if end is None or due < end:
                    breached_at = due
            stop = end if end is not None else now
            piece_used = (
                max(0, clock.elapsed(spec.calendar, start, stop, pauses)) if stop > start else 0
            )
            if end is None:
                result_due = breached_at if not _paused_now(data.pauses, now) else None
                result_warn = _warn_at(spec, start, used, target, data, pauses)
            used += piece_used
            pieces.append(Piece(start, end, regime.label, spec.calendar_name, piece_used))
    running = runs[-1][1] is None
    paused = running and _paused_now(data.pauses, now)
    if paused and breached_at is not None and breached_at > now:
        breached_at = None  # a paused clock has no due instant until it runs again
    return ClockResult(
        metric=metric,
        state=_state(target, used, running, paused, breached_at, now),
        elapsed=used,
        target=target,
        due_at=result_due if running else None,
        warn_at=result_warn if running and not paused else None,
        breached_at=breached_at if target is not None else None,
        stopped_at=None if running else runs[-1][1],
        grace=grace,
        pieces=pieces,
    )


def _warn_at(
    spec: TargetSpec,
    start: datetime,
    used: int,
    target: int | None,
    data: ClockInput,
    pauses: list[tuple[datetime, datetime]],
) -> datetime | None:
    if target is None:
        return None
    warn_target = target * data.warning_percent // 100
    if used >= warn_target:
        return start
    return clock.deadline(spec.calendar, start, warn_target - used, pauses)


def _state(
    target: int | None,
    used: int,
    running: bool,
    paused: bool,
    breached_at: datetime | None,
    now: datetime,
) -> str:
    if target is None:
        return ""
    if running:
        if breached_at is not None and breached_at <= now:
            return "breached"
        return "paused" if paused else "running"
    # Stopped: late when the due instant came before it stopped. Not ``used > target``: the
    # seconds used are whole seconds, and a reply a fraction of a second late is still late.
    return "breached" if breached_at is not None else "met"
