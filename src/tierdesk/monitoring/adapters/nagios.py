"""Nagios 4 and Icinga 2 notifications, as the notification command's environment.

``contrib/nagios/tierdesk-notify`` posts the environment it was started with: Nagios 4's
``NAGIOS_*`` macros (``enable_environment_macros=1``) or the names Icinga 2's notification
commands set in ``env`` (``NOTIFICATIONTYPE``, ``HOSTNAME``, ``SERVICENAME``/``SERVICEDESC``,
``SERVICESTATE``, ...). The group is the host, or the host and service. ``PROBLEM`` fires,
``RECOVERY`` resolves, ``ACKNOWLEDGEMENT``, ``CUSTOM``, flapping and downtime notices are notes.
"""

from __future__ import annotations

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

STATE_OF_TYPE = {"PROBLEM": State.FIRING, "RECOVERY": State.RESOLVED}


def macros(data: dict[str, Any]) -> dict[str, str]:
    """The notification's macros by their bare names (``NAGIOS_HOSTNAME`` -> ``HOSTNAME``)."""
    found: dict[str, str] = {}
    for key, value in data.items():
        name = str(key).upper()
        bare = name.removeprefix("NAGIOS_").removeprefix("ICINGA_")
        if name.startswith(("NAGIOS_", "ICINGA_")) or bare not in found:
            found[bare] = text(value)
    return found


def parse(data: Any) -> Notice:
    env = macros(require_object(data, "A Nagios/Icinga payload"))
    kind = env.get("NOTIFICATIONTYPE", "").upper()
    if not kind:
        raise MalformedPayload("NOTIFICATIONTYPE is missing.", field="NOTIFICATIONTYPE")
    host = env.get("HOSTNAME") or env.get("HOSTALIAS") or env.get("HOSTDISPLAYNAME", "")
    if not host:
        raise MalformedPayload("HOSTNAME is missing.", field="HOSTNAME")
    service = env.get("SERVICEDESC") or env.get("SERVICENAME", "")
    if service:
        state_name = env.get("SERVICESTATE", "").upper()
        output = _joined(env.get("SERVICEOUTPUT", ""), env.get("LONGSERVICEOUTPUT", ""))
        label = env.get("SERVICEDISPLAYNAME") or service
        title = f"{label} on {host} is {state_name or kind}"
    else:
        state_name = env.get("HOSTSTATE", "").upper()
        output = _joined(env.get("HOSTOUTPUT", ""), env.get("LONGHOSTOUTPUT", ""))
        title = f"Host {env.get('HOSTDISPLAYNAME') or host} is {state_name or kind}"
    state = STATE_OF_TYPE.get(kind, State.NOTE)
    comment = (
        env.get("NOTIFICATIONCOMMENT")
        or env.get("SERVICEACKCOMMENT")
        or env.get("HOSTACKCOMMENT", "")
    )
    author = (
        env.get("NOTIFICATIONAUTHORNAME") or env.get("NOTIFICATIONAUTHOR")
        or env.get("SERVICEACKAUTHOR") or env.get("HOSTACKAUTHOR", "")
    )  # fmt: skip
    return Notice(
        group_key=f"{host}/{service}" if service else host,
        state=state,
        title=title[:255],
        body=output,
        alerts=[
            Alert(
                key=f"{host}/{service}" if service else host,
                name=service or "host",
                status="resolved" if state is State.RESOLVED else "firing",
                host=host,
                severity=state_name.lower(),
                summary=output[:300],
            )
        ],
        severity=state_name.lower() if state is State.FIRING else "",
        hosts=[host],
        host_groups=[g.strip() for g in env.get("HOSTGROUPNAMES", "").split(",") if g.strip()],
        labels={"service": service} if service else {},
        note=_note(kind, comment) if state is State.NOTE else "",
        note_kind=(NoteKind.ACKNOWLEDGEMENT if kind == "ACKNOWLEDGEMENT" else NoteKind.COMMENT)
        if state is State.NOTE
        else None,
        author=author[:150],
    )


def _joined(first: str, second: str) -> str:
    return f"{first}\n{second}".strip()


def _note(kind: str, comment: str) -> str:
    what = kind.replace("_", " ").capitalize()
    return f"{what}: {comment}" if comment else what
