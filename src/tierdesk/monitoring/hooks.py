"""What monitoring lets the layers above it act on (``tierdesk.core.hooks``).

``alert_received`` fires once per payload, after the payload and its open group were read and
before anything is written (a repeat: before its one UPDATE). Subscribers (problems:
maintenance windows) may tag the alert group or silence it through the ``verdict`` they are
given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tierdesk.core.hooks import Hook

alert_received = Hook(
    "monitoring.alert_received",
    "An alert notice arrived, before its ticket is opened or updated; fired once per notice, "
    "before anything is written (a repeat: before its one UPDATE), with source (a monitoring "
    "Source), notice (a monitoring.notices.Notice: "
    "group_key, state, title, hosts, host_groups, labels, alerts), group_id (the open "
    "alert group's id or None) and verdict (a Verdict: call "
    "verdict.tag(name) or verdict.silence(reason)). A silenced notice changes nothing and is "
    "answered 'ignored' with the reason.",
)


@dataclass
class Verdict:
    """What the subscribers of ``alert_received`` decided about one notice."""

    tags: list[str] = field(default_factory=list)
    silenced_because: str = ""

    def tag(self, name: str) -> None:
        if name and name not in self.tags:
            self.tags.append(name)

    def silence(self, reason: str) -> None:
        self.silenced_because = reason or "silenced"

    @property
    def silenced(self) -> bool:
        return bool(self.silenced_because)
