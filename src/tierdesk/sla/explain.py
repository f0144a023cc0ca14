"""``tierdesk sla explain`` and ``tierdesk sla due``: the clocks, shown the way they were made."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tierdesk.sla import clock
from tierdesk.sla.calendars import calendar_from_file_data
from tierdesk.sla.clocks import TicketClocks, ticket_clocks
from tierdesk.sla.timeline import METRICS, ClockResult

TITLES = {
    "first_response": "First response",
    "next_update": "Next update",
    "resolution": "Resolution",
}


def duration(seconds: int | None) -> str:
    if seconds is None:
        return "no target"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}h{rest // 60:02d}m"


def explain_data(ticket: Any, *, at: datetime | None = None) -> dict[str, Any]:
    """The explanation as data: the API returns it, the CLI prints it."""
    clocks = ticket_clocks(ticket, at=at)
    return {
        "ticket": ticket.reference,
        "plan": clocks.plan.name if clocks.plan else None,
        "at": clocks.input.now.isoformat(),
        "pauses": [
            {"start": s.isoformat(), "end": e.isoformat() if e else None}
            for s, e in clocks.input.pauses
        ],
        "clocks": [_clock_data(clocks, clocks.results[m]) for m in METRICS if m in clocks.results],
    }


def _clock_data(clocks: TicketClocks, result: ClockResult) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "metric": result.metric,
        "state": result.state or "no target",
        "target_seconds": result.target,
        "elapsed_seconds": result.elapsed,
        "remaining_seconds": None if result.target is None else result.target - result.elapsed,
        "grace": result.grace,
        "due_at": iso(result.due_at),
        "breached_at": iso(result.breached_at),
        "stopped_at": iso(result.stopped_at),
        "warn_at": iso(result.warn_at),
        "pieces": [
            {
                "start": iso(piece.start),
                "end": iso(piece.end),
                "regime": piece.regime,
                "calendar": piece.calendar,
                "elapsed_seconds": piece.elapsed,
            }
            for piece in result.pieces
        ],
    }


def explain_text(ticket: Any, *, at: datetime | None = None) -> str:
    data = explain_data(ticket, at=at)
    lines = [f"{data['ticket']}  plan: {data['plan'] or 'none'}  as of {data['at']}"]
    for pause in data["pauses"]:
        lines.append(f"  paused {pause['start']} → {pause['end'] or 'now'}")
    for item in data["clocks"]:
        lines.append("")
        lines.append(
            f"{TITLES[item['metric']]}: {item['state']}  target {duration(item['target_seconds'])}"
            f"{' (grace)' if item['grace'] else ''}  used {duration(item['elapsed_seconds'])}"
        )
        for label, key in (
            ("due", "due_at"),
            ("breached", "breached_at"),
            ("stopped", "stopped_at"),
        ):
            if item[key]:
                lines.append(f"  {label}: {item[key]}")
        for piece in item["pieces"]:
            lines.append(
                f"  {piece['start']} → {piece['end'] or 'now'}  {piece['regime']} "
                f"[{piece['calendar']}] counted {duration(piece['elapsed_seconds'])}"
            )
    return "\n".join(lines)


def due_from_file(
    calendar_file: str, start: str, minutes: int, pauses: list[str] | None = None
) -> str:
    """``tierdesk sla due``: the deadline as ISO 8601 in the calendar's offset."""
    start_at = _instant(start, "--start")
    data = json.loads(Path(calendar_file).read_text())
    calendar = calendar_from_file_data(data, around_year=start_at.year)
    pause_spans = [_pause(text) for text in pauses or []]
    return clock.deadline(calendar, start_at, minutes * 60, pause_spans).isoformat()


def _instant(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:
        raise ValueError(f"{what}: {text!r} needs a UTC offset, e.g. 2026-11-30T09:00+05:30")
    return value


def _pause(text: str) -> tuple[datetime, datetime]:
    start, sep, end = text.partition("/")
    if not sep:
        raise ValueError(f"--pause: {text!r} must be START/END")
    return _instant(start, "--pause"), _instant(end, "--pause")
