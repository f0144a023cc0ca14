"""Prometheus Alertmanager's webhook (``webhook_config``), version 4 bodies.

``{"version": "4", "groupKey", "truncatedAlerts", "status": "firing|resolved", "receiver",
"groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts": [{"status",
"labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}]}``. Older senders
leave out ``groupKey``, ``truncatedAlerts``, the alerts' ``status`` or ``fingerprint``: the group
is then keyed by a hash of its labels, an alert by a hash of its labels, and an alert without a
status has the group's.
"""

from __future__ import annotations

from typing import Any

from tierdesk.monitoring.notices import (
    Alert,
    MalformedPayload,
    Notice,
    State,
    host_of,
    labels_hash,
    most_severe,
    require_object,
    string_map,
    text,
)

STATUSES = {"firing", "resolved"}


def parse(data: Any) -> Notice:
    return notice_from_group(require_object(data, "An Alertmanager payload"), system="alertmanager")


def notice_from_group(data: dict[str, Any], *, system: str) -> Notice:
    """The shape Alertmanager and Grafana share."""
    raw_alerts = data.get("alerts")
    if not isinstance(raw_alerts, list):
        raise MalformedPayload("The payload has no 'alerts' list.", field="alerts")
    group_status = text(data.get("status")).lower()
    if group_status and group_status not in STATUSES:
        raise MalformedPayload(
            f"'status' must be firing or resolved, got {group_status!r}.", field="status"
        )
    group_labels = string_map(data.get("groupLabels"), "groupLabels")
    common_labels = string_map(data.get("commonLabels"), "commonLabels")
    annotations = string_map(data.get("commonAnnotations"), "commonAnnotations")
    alerts = [_alert(item, index, group_status) for index, item in enumerate(raw_alerts)]
    if not group_status:
        group_status = "firing" if any(a.status == "firing" for a in alerts) else "resolved"
    firing = [a for a in alerts if a.status == "firing"]
    title = text(data.get("title"), 255) or _title(group_labels, common_labels, annotations, alerts)
    return Notice(
        group_key=_group_key(data, group_labels, common_labels, alerts, system),
        state=State.FIRING if group_status == "firing" else State.RESOLVED,
        title=title,
        body=text(data.get("message"))
        or annotations.get("description", "")
        or annotations.get("summary", ""),
        alerts=alerts,
        truncated=_count(data.get("truncatedAlerts")),
        severity=most_severe([a.severity for a in firing or alerts])
        or common_labels.get("severity", "").lower(),
        hosts=sorted({a.host for a in alerts if a.host}),
        labels={**common_labels, **group_labels},
    )


def _alert(item: Any, index: int, group_status: str) -> Alert:
    if not isinstance(item, dict):
        raise MalformedPayload(f"alerts[{index}] must be an object.", field=f"alerts[{index}]")
    labels = string_map(item.get("labels"), f"alerts[{index}].labels")
    annotations = string_map(item.get("annotations"), f"alerts[{index}].annotations")
    status = text(item.get("status")).lower() or group_status or "firing"
    if status not in STATUSES:
        raise MalformedPayload(
            f"alerts[{index}].status must be firing or resolved, got {status!r}.",
            field=f"alerts[{index}].status",
        )
    return Alert(
        key=text(item.get("fingerprint"), 100) or labels_hash(labels),
        name=labels.get("alertname", "") or annotations.get("summary", "") or "alert",
        status=status,
        host=host_of(labels),
        severity=labels.get("severity", "").lower(),
        summary=annotations.get("summary", "") or annotations.get("description", ""),
    )


def _group_key(
    data: dict[str, Any],
    group_labels: dict[str, str],
    common_labels: dict[str, str],
    alerts: list[Alert],
    system: str,
) -> str:
    key = text(data.get("groupKey"), 2000)
    if key:
        return key
    labels = group_labels or common_labels
    if labels:
        return f"{system}:labels:{labels_hash(labels)}"
    if not alerts:
        raise MalformedPayload("No groupKey, no labels and no alerts: nothing to group by.")
    return f"{system}:alerts:{labels_hash({a.key: '' for a in alerts})}"


def _title(
    group_labels: dict[str, str],
    common_labels: dict[str, str],
    annotations: dict[str, str],
    alerts: list[Alert],
) -> str:
    name = (
        annotations.get("summary")
        or common_labels.get("alertname")
        or group_labels.get("alertname")
        or (alerts[0].name if alerts else "")
        or "Alert"
    )
    hosts = sorted({a.host for a in alerts if a.host})
    where = f" on {hosts[0]}" if len(hosts) == 1 else f" on {len(hosts)} hosts" if hosts else ""
    return f"{name}{where}"[:255]


def _count(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedPayload("truncatedAlerts must be a number.", field="truncatedAlerts")
    try:
        count = int(value)
    except ValueError:
        raise MalformedPayload(
            "truncatedAlerts must be a number.", field="truncatedAlerts"
        ) from None
    return max(0, min(count, 10_000_000))
