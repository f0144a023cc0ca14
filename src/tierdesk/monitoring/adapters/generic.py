"""A generic JSON alert for any other system (documented in ``docs/monitoring.md``).

``{"group": "db1/disk", "status": "firing|resolved|acknowledged|comment", "title": "...",
"severity": "critical", "host": "db1", "host_groups": ["..."], "labels": {...},
"message": "...", "author": "...", "alerts": [{"id": "...", "status": "firing|resolved",
"name": "...", "host": "..."}]}``. Only ``group`` and ``status`` are required; ``title`` is
required to open a ticket.
"""

from __future__ import annotations

from typing import Any

from tierdesk.monitoring.notices import (
    Alert,
    MalformedPayload,
    NoteKind,
    Notice,
    State,
    most_severe,
    require_object,
    string_map,
    text,
)

STATES = {
    "firing": State.FIRING, "problem": State.FIRING, "resolved": State.RESOLVED,
    "ok": State.RESOLVED, "recovery": State.RESOLVED, "acknowledged": State.NOTE,
    "comment": State.NOTE,
}  # fmt: skip


def parse(data: Any) -> Notice:
    body = require_object(data, "A generic alert")
    group = text(body.get("group"), 2000)
    if not group:
        raise MalformedPayload("'group' is required: what identifies this alert.", field="group")
    status = text(body.get("status")).lower()
    if status not in STATES:
        raise MalformedPayload(
            f"'status' must be one of {', '.join(sorted(STATES))}; got {status!r}.",
            field="status",
        )
    state = STATES[status]
    host = text(body.get("host"), 255)
    severity = text(body.get("severity"), 40).lower()
    title = text(body.get("title"), 255)
    alerts = _alerts(body.get("alerts"), host, severity, state) or [
        Alert(key=group, name=title or group, status=_alert_status(state), host=host,
              severity=severity, summary=title)
    ]  # fmt: skip
    groups = body.get("host_groups")
    if groups is not None and not isinstance(groups, list):
        raise MalformedPayload("'host_groups' must be a list of names.", field="host_groups")
    return Notice(
        group_key=group,
        state=state,
        title=title or group[:255],
        body=text(body.get("message")),
        alerts=alerts,
        severity=severity or most_severe([a.severity for a in alerts]),
        hosts=sorted({a.host for a in alerts if a.host} | ({host} if host else set())),
        host_groups=[text(g, 200) for g in groups or [] if text(g)],
        labels=string_map(body.get("labels"), "labels"),
        note=text(body.get("message")) if state is State.NOTE else "",
        note_kind=(NoteKind.ACKNOWLEDGEMENT if status == "acknowledged" else NoteKind.COMMENT)
        if state is State.NOTE
        else None,
        author=text(body.get("author"), 150),
    )


def _alert_status(state: State) -> str:
    return "resolved" if state is State.RESOLVED else "firing"


def _alerts(value: Any, host: str, severity: str, state: State) -> list[Alert]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload("'alerts' must be a list.", field="alerts")
    alerts = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not text(item.get("id")):
            raise MalformedPayload(f"alerts[{index}] needs an 'id'.", field=f"alerts[{index}]")
        status = text(item.get("status")).lower() or _alert_status(state)
        if status not in {"firing", "resolved"}:
            raise MalformedPayload(
                f"alerts[{index}].status must be firing or resolved.", field=f"alerts[{index}]"
            )
        alerts.append(
            Alert(
                key=text(item.get("id"), 200), name=text(item.get("name"), 255) or "alert",
                status=status, host=text(item.get("host"), 255) or host,
                severity=text(item.get("severity"), 40).lower() or severity,
                summary=text(item.get("name"), 300),
            )
        )  # fmt: skip
    return alerts
