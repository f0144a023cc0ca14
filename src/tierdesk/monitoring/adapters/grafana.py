"""Grafana unified alerting's webhook contact point.

Grafana sends Alertmanager's shape with more: ``orgId``, ``title``, ``state``, ``message``, and
per alert ``values``/``valueString``, ``silenceURL``, ``dashboardURL``, ``panelURL``. The group is
Grafana's ``groupKey``; the title and message are Grafana's own.
"""

from __future__ import annotations

from typing import Any

from tierdesk.monitoring.adapters.alertmanager import notice_from_group
from tierdesk.monitoring.notices import Notice, require_object


def parse(data: Any) -> Notice:
    return notice_from_group(require_object(data, "A Grafana payload"), system="grafana")
