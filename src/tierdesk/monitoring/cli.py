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


_source_help = (
    "Monitoring sources. 'monitoring-source create --kind KIND --slug SLUG' makes a source "
    "(alerts are posted to /api/v1/monitoring/SLUG) and 'monitoring-source rotate-token --slug "
    "SLUG' gives an existing one a new token; both print one JSON line "
    '{"slug", "kind", "path", "token"}. The token is shown this once (only its hash is kept): '
    "give it to the monitoring system as a bearer token or as the basic-auth password."
)


def add_commands(add: Callable[..., None]) -> None:
    add("ingest-alert", "tierdesk.monitoring.commands:run", _help, _arguments)
    add("monitoring-source", "tierdesk.monitoring.commands:run_source", _source_help,
        _source_arguments)  # fmt: skip


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", required=True, choices=KINDS, help="the monitoring system")
    parser.add_argument("--slug", help="the configured source to act as (default: by kind)")
    parser.add_argument("files", nargs="+", metavar="FILE")


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="source_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="Make a source and print its token.")
    create.add_argument("--kind", required=True, choices=KINDS, help="the monitoring system")
    create.add_argument("--slug", required=True, help="its URL name")
    create.add_argument("--name", default="", help="its display name (default: the slug)")
    create.add_argument(
        "--on-recovery", choices=["resolve", "note"], default="resolve",
        help="what a recovery does to the ticket (default: resolve it)",
    )  # fmt: skip
    create.add_argument(
        "--reopen-minutes", type=int, default=30,
        help="a group firing again this soon after resolving reopens its ticket (default: 30)",
    )  # fmt: skip
    rotate = actions.add_parser("rotate-token", help="Give a source a new token and print it.")
    rotate.add_argument("--slug", required=True)
