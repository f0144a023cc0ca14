"""Every subcommand of ``tierdesk``: its name, description, arguments and handler's path.

Nothing here may import Django models (the parser is built before Django is set up); each
handler is named by its dotted path and imported when its command runs (``tierdesk.cli.main``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tierdesk.core.env import env_int, env_str
from tierdesk.downloads import cli as downloads_cli
from tierdesk.kb import cli as kb_cli
from tierdesk.mail import cli as mail_cli
from tierdesk.monitoring import cli as monitoring_cli
from tierdesk.reports import cli as reports_cli

Arguments = Callable[[argparse.ArgumentParser], None]

# The apps' command modules, in the order their commands are listed.
APP_COMMANDS = [mail_cli, kb_cli, monitoring_cli, downloads_cli, reports_cli]


def default_bind() -> str:
    return env_str("TIERDESK_BIND") or f"127.0.0.1:{env_int('TIERDESK_PORT', 8000)}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierdesk",
        description="Tierdesk: tiered technical support. Configuration comes from environment "
        "variables (see docs/configuration.md); with none set, data lives in ./var.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(
        name: str, handler: str, description: str, arguments: Arguments | None, django: bool = True
    ) -> None:
        _add(commands, name, handler, description, arguments, django=django)

    add("up", "tierdesk.cli.serve:cmd_up", UP, _up_arguments)
    add("web", "tierdesk.cli.launch:cmd_web", WEB, _web_arguments, django=False)
    add("worker", "tierdesk.cli.serve:cmd_worker", WORKER, _worker_arguments)
    add("scheduler", "tierdesk.cli.serve:cmd_scheduler", SCHEDULER, None)
    add("migrate", "tierdesk.cli.install:cmd_migrate", MIGRATE, None)
    add("demo", "tierdesk.cli.install:cmd_demo", DEMO, _demo_arguments)
    add("createadmin", "tierdesk.cli.install:cmd_createadmin", CREATEADMIN, _createadmin_arguments)
    add("check", "tierdesk.cli.install:cmd_check", CHECK, _check_arguments)
    add("manage", "tierdesk.cli.launch:cmd_manage", MANAGE, _manage_arguments, django=False)
    for module in APP_COMMANDS:
        module.add_commands(add)
    add("sla", "tierdesk.cli.sla:run", SLA, _sla_arguments)
    return parser


def _add(
    commands: Any,
    name: str,
    handler: str,
    description: str,
    arguments: Arguments | None,
    *,
    django: bool,
) -> None:
    summary = description.split(". ")[0].rstrip(".") + "."
    sub = commands.add_parser(name, help=summary, description=description)
    if arguments is not None:
        arguments(sub)
    sub.set_defaults(handler=handler, django=django)


# ---- up, web, worker, scheduler -----------------------------------------------------------

UP = (
    "Run the web server, a worker and the scheduler together on this machine. First it "
    "migrates the database, loads the demo data on first start (an empty database) and prints "
    "the sign-ins; then it runs the three as child processes. Ctrl-C or SIGTERM stops them all; "
    "if one of them dies, the others are stopped too."
)


def _up_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--bind",
        default=default_bind(),
        help="address:port for the web server (default $TIERDESK_BIND, else "
        "127.0.0.1:$TIERDESK_PORT, else 127.0.0.1:8000)",
    )
    sub.add_argument("--no-demo", action="store_true", help="never load the demo data")


WEB = (
    "Serve the web pages and the API with gunicorn (threaded workers). Run several "
    "behind a load balancer to scale out; static files are served by the app itself."
)


def _web_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--bind", default=default_bind(), help="address:port (default %(default)s)")
    sub.add_argument(
        "--workers",
        type=int,
        default=env_int("TIERDESK_WEB_WORKERS", 2),
        help="worker processes (default $TIERDESK_WEB_WORKERS or 2)",
    )
    sub.add_argument(
        "--threads",
        type=int,
        default=env_int("TIERDESK_WEB_THREADS", 4),
        help="threads per worker process (default $TIERDESK_WEB_THREADS or 4)",
    )
    sub.add_argument(
        "--timeout",
        type=int,
        default=env_int("TIERDESK_WEB_TIMEOUT", 30),
        help="seconds before a stuck request's worker is restarted (default %(default)s)",
    )


WORKER = (
    "Run background tasks. The worker takes queued tasks (django-tasks-db), stamps a heartbeat "
    "every 15 s for /readyz and the reaper, and ticks the scheduler. Run as many as you like: "
    "tasks and scheduler slots are claimed in the database, so each runs once."
)


def _worker_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--no-scheduler", action="store_true", help="do not tick the scheduler in this worker"
    )
    sub.add_argument(
        "--queue", default="*", help="comma-separated queue names, * for all (default *)"
    )
    sub.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls when idle (default 1)"
    )
    sub.add_argument("--batch", action="store_true", help="run what is queued, then exit")


SCHEDULER = (
    "Enqueue periodic jobs, each once per time slot. Workers also do "
    "this unless started with --no-scheduler; running several is safe."
)


# ---- setting up and looking after ---------------------------------------------------------

MIGRATE = (
    "Create or update the database tables (all migrations) and the cache table. "
    "Safe to run on every deploy; does nothing when everything is up to date."
)

DEMO = (
    "Load demo data: a vendor with its teams and agents, partners, customers with contacts, "
    "products and about 200 tickets with real timelines. Random passwords are written to "
    "$TIERDESK_DATA_DIR/demo-credentials.txt. Loading again changes nothing."
)


def _demo_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--tickets", type=_positive, default=200, help="how many tickets (default 200)"
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


CREATEADMIN = (
    "Create an administrator (a superuser who can sign in at /admin/). Asks for what is not "
    "given; for scripts pass --username, --email and --password-file."
)


def _createadmin_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--username")
    sub.add_argument("--email")
    sub.add_argument(
        "--password-file", type=Path, help="read the password from this file's first line"
    )


CHECK = (
    "Check the installation: Django's system checks, that the database answers, that every "
    "migration is applied and the cache table exists. Exits non-zero on any problem."
)


def _check_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--deploy",
        action="store_true",
        help="also Django's deployment checks (HTTPS, HSTS, cookies, secret key), whose "
        "warnings then count as problems; docs/operations.md lists the settings that pass",
    )


MANAGE = (
    "Run any Django management command. For example `tierdesk manage shell`, or "
    "`tierdesk manage help` for the list."
)


def _manage_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("arguments", nargs=argparse.REMAINDER, help="the command and its options")


# ---- sla ----------------------------------------------------------------------------------

SLA = (
    "Service-level tools. 'sla explain TD-1042' shows each clock of a ticket: plan, target, "
    "calendar, pauses, business time used, due instant, state and the intervals that counted. "
    "'sla due --calendar FILE.json --start ISO8601 --minutes N [--pause START/END ...]' prints "
    "the deadline in the calendar's offset. 'sla sweep' runs the SLA sweep once."
)


def _sla_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="sla_action", required=True, metavar="ACTION")
    explain = actions.add_parser("explain", help="Explain a ticket's SLA clocks.")
    explain.add_argument("ticket", help="ticket number, e.g. TD-1042")
    explain.add_argument("--json", action="store_true", help="print JSON instead of text")
    due = actions.add_parser(
        "due",
        help="Compute a deadline from a calendar file.",
        description=(
            'Calendar file: {"timezone": "Asia/Kolkata", "week": {"mon": [["08:00", "18:00"]]}, '
            '"holidays": ["2026-01-26"], "holiday_country": "IN", "holiday_subdivision": null, '
            '"always_open": false}; every key but timezone is optional.'
        ),
    )
    due.add_argument("--calendar", required=True, metavar="FILE.json")
    due.add_argument("--start", required=True, metavar="ISO8601", help="with a UTC offset")
    due.add_argument("--minutes", required=True, type=int, help="business minutes of target")
    due.add_argument("--pause", action="append", default=[], metavar="START/END", help="repeatable")
    actions.add_parser("sweep", help="Run the SLA sweep once, now.")
