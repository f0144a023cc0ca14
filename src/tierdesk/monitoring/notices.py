"""What every source's payload becomes: a ``Notice`` about one alert group.

Pure (no Django): each adapter in ``adapters/`` turns its system's payload into a ``Notice``;
the services decide what the notice does to the group's ticket.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class MalformedPayload(ValueError):
    """The payload cannot be read as its source's shape; the message says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class State(StrEnum):
    FIRING = "firing"  # the group (or some of its alerts) fires
    RESOLVED = "resolved"  # the whole group recovered
    NOTE = "note"  # an acknowledgement, a comment, a flapping or downtime notice


class NoteKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    COMMENT = "comment"


@dataclass(frozen=True)
class Alert:
    """One alert of a group; ``key`` is its fingerprint (stable across notices)."""

    key: str
    name: str
    status: str  # "firing" or "resolved"
    host: str = ""
    severity: str = ""
    summary: str = ""


@dataclass
class Notice:
    group_key: str
    state: State
    title: str
    body: str = ""
    alerts: list[Alert] = field(default_factory=list)
    truncated: int = 0
    severity: str = ""
    hosts: list[str] = field(default_factory=list)
    host_groups: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    note: str = ""
    note_kind: NoteKind | None = None
    author: str = ""

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(self.group_key.encode()).hexdigest()


# Severities from most to least urgent, across the systems (Alertmanager's conventions,
# Zabbix's six levels, Nagios's host and service states).
SEVERITY_RANK = [
    "disaster", "critical", "down", "emergency", "high", "error", "major", "unreachable",
    "average", "warning", "unknown", "minor", "info", "information", "informational",
    "not classified", "none", "ok",
]  # fmt: skip


def most_severe(severities: list[str]) -> str:
    known = [s for s in severities if s]
    if not known:
        return ""
    rank = {name: index for index, name in enumerate(SEVERITY_RANK)}
    return min(known, key=lambda s: rank.get(s, len(rank)))


def rises(old: str, new: str) -> bool:
    """Whether severity ``new`` is more urgent than ``old`` (an unknown name ranks last)."""
    return bool(new) and new != old and most_severe([old, new]) == new


def labels_hash(labels: dict[str, Any]) -> str:
    """A stable key for a set of labels (the group key of senders that send none)."""
    text = json.dumps({str(k): str(v) for k, v in labels.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def text(value: Any, limit: int = 10_000) -> str:
    """A payload's value as text: ``None`` is empty; unresolved macros (Zabbix ``{EVENT.X}``,
    Nagios ``$HOSTNAME$``) are empty too."""
    if value is None:
        return ""
    result = (
        value
        if isinstance(value, str)
        else json.dumps(value)
        if isinstance(value, dict | list)
        else str(value)
    )
    result = result.replace("\x00", "").strip()
    if _unresolved_macro(result):
        return ""
    return result[:limit]


def _unresolved_macro(value: str) -> bool:
    if (
        len(value) > 2
        and value[0] == "{"
        and value[-1] == "}"
        and value[1] in "$#ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ):
        return " " not in value and '"' not in value
    return len(value) > 2 and value[0] == "$" and value[-1] == "$" and " " not in value


def require_object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedPayload(f"{what} must be a JSON object, got {type(data).__name__}.")
    return data


def string_map(value: Any, field_name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedPayload(f"{field_name} must be an object of strings.", field=field_name)
    return {str(k): text(v, 1000) for k, v in value.items()}


def host_of(labels: dict[str, str]) -> str:
    """The host an alert is about, from the labels exporters usually set."""
    for name in ("host", "hostname", "nodename", "node", "instance"):
        value = labels.get(name, "")
        if value:
            head, _, port = value.rpartition(":")
            return head if head and port.isdigit() and not head.endswith("]") else value
    return ""
