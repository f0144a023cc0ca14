"""Zabbix's webhook media type (``contrib/zabbix/media_tierdesk.yaml`` posts its parameters as
one JSON object).

The parameters are those Zabbix's helpdesk media types pass: ``event_id`` (the problem's event,
also in its recovery and update operations: the group), ``event_value`` (1 problem, 0 recovery),
``event_update_status`` (1: an update: acknowledgement, comment, severity change),
``event_update_action``, ``event_update_message``, ``event_update_user``, ``event_nseverity``
(0-5) and ``event_severity``, ``event_source``, ``trigger_id``, ``event_tags`` (``{EVENT.TAGSJSON}``
or ``{EVENT.TAGS}``), ``alert_subject``, ``alert_message``, ``host_name``, ``host_groups``.
Macros Zabbix left unresolved (``{EVENT.UPDATE.STATUS}``) count as empty.
"""

from __future__ import annotations

import json
from typing import Any

from tierdesk.monitoring.notices import (
    Alert,
    MalformedPayload,
    NoteKind,
    Notice,
    State,
    require_object,
    text,
)

SEVERITIES = ["not classified", "information", "warning", "average", "high", "disaster"]


def parse(data: Any) -> Notice:
    params = require_object(data, "A Zabbix payload")
    event_id = text(params.get("event_id"), 40)
    if not event_id:
        raise MalformedPayload("event_id is missing.", field="event_id")
    value = text(params.get("event_value"))
    if value not in {"0", "1", ""}:
        raise MalformedPayload(
            f"event_value must be 1 (problem) or 0 (recovery), got {value!r}.", field="event_value"
        )
    updating = text(params.get("event_update_status")) == "1"
    severity = _severity(params)
    host = text(params.get("host_name"), 255) or text(params.get("host"), 255)
    subject = text(params.get("alert_subject"), 255) or text(params.get("event_name"), 255)
    trigger = text(params.get("trigger_id"), 40)
    title = subject or f"Zabbix problem {event_id}"
    alert = Alert(
        key=f"trigger:{trigger}" if trigger else f"event:{event_id}",
        name=text(params.get("event_name"), 255) or title,
        status="resolved" if value == "0" else "firing",
        host=host,
        severity=severity,
        summary=title,
    )
    if updating:
        state = State.NOTE
    elif value == "0":
        state = State.RESOLVED
    elif value == "1":
        state = State.FIRING
    else:
        raise MalformedPayload("event_value is missing.", field="event_value")
    action = text(params.get("event_update_action")).lower()
    return Notice(
        group_key=f"event:{event_id}",
        state=state,
        title=title,
        body=text(params.get("alert_message")),
        alerts=[alert],
        severity=severity,
        hosts=[host] if host else [],
        host_groups=_groups(params.get("host_groups") or params.get("trigger_hostgroup_name")),
        labels=_tags(params.get("event_tags")),
        note=text(params.get("event_update_message"))
        or (text(params.get("alert_message")) if updating else ""),
        note_kind=(NoteKind.ACKNOWLEDGEMENT if "acknowledg" in action else NoteKind.COMMENT)
        if updating
        else None,
        author=text(params.get("event_update_user"), 150),
    )


def _severity(params: dict[str, Any]) -> str:
    named = text(params.get("event_severity")).lower()
    if named:
        return named
    number = text(params.get("event_nseverity"))
    if number.isdigit() and int(number) < len(SEVERITIES):
        return SEVERITIES[int(number)]
    return ""


def _groups(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text(v, 200) for v in value if text(v)]
    return [part.strip() for part in text(value).split(",") if part.strip()]


def _tags(value: Any) -> dict[str, str]:
    """``{EVENT.TAGSJSON}`` (``[{"tag": "a", "value": "b"}]``, as a list or its JSON text) or
    ``{EVENT.TAGS}`` (``a:b, c:d``)."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise MalformedPayload("event_tags is not valid JSON.", field="event_tags") from None
    if isinstance(value, list):
        tags = {}
        for item in value:
            if isinstance(item, dict) and text(item.get("tag")):
                tags[text(item.get("tag"), 100)] = text(item.get("value"), 200)
        return tags
    tags = {}
    for part in text(value).split(","):
        name, _, tag_value = part.partition(":")
        if name.strip():
            tags[name.strip()[:100]] = tag_value.strip()[:200]
    return tags
