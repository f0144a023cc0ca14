"""``tierdesk ingest-alert``: names, description and arguments. What it does is in
``tierdesk.monitoring.commands``, imported once Django is set up; this module imports no Django.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

KINDS = ["alertmanager", "grafana", "zabbix", "nagios", "generic"]

_help = (
    "Feed monitoring payloads through the same intake as the webhook endpoints, in the order "
    'given, and print one JSON line per payload: {"source": PATH, "action": '
    'created|updated|resolved|reopened|ignored|rejected, "ticket": REF or null, "reason"}. '
    "Each FILE is one JSON payload; for nagios it holds the notification's environment as "
    "KEY=VALUE lines (NAGIOS_HOSTNAME=...; lines starting with # or without = are ignored). "
    "The payloads count as sent by the source --slug names, else the first active source of "
    "that kind (one named after the kind is made when there is none). Exits 1 if any payload "
    "was rejected."
)


def add_commands(add: Callable[..., None]) -> None:
    add("ingest-alert", "tierdesk.monitoring.commands:run", _help, _arguments)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, choices=KINDS, help="the monitoring system")
    parser.add_argument("--slug", help="the configured source to act as (default: by kind)")
    parser.add_argument("files", nargs="+", metavar="FILE")
