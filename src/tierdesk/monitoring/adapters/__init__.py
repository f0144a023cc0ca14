"""One module per monitoring system, each with ``parse(data) -> Notice``: the system's native
payload (a JSON object; for Nagios the notification's environment as a dict) read into the
notice every source shares. Pure: no Django."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tierdesk.monitoring.adapters import alertmanager, generic, grafana, nagios, zabbix
from tierdesk.monitoring.notices import Notice

PARSERS: dict[str, Callable[[Any], Notice]] = {
    "alertmanager": alertmanager.parse,
    "grafana": grafana.parse,
    "zabbix": zabbix.parse,
    "nagios": nagios.parse,
    "generic": generic.parse,
}
