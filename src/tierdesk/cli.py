"""The ``tierdesk`` command: run, set up and look after a Tierdesk installation.

``tierdesk up`` is the all-in-one start for a small team (web, worker and scheduler on one
machine); the other subcommands are its parts, for running each on its own machines at scale.
Django is set up only when a subcommand needs it, so ``--help`` works without a database.

An app adds its own subcommands in ``tierdesk/<app>/cli.py`` with a function
``add_commands(add)``, calling ``add(name, handler, description, arguments)`` like
``build_parser`` does below. Such a module must not import Django models at import time;
handlers call :func:`setup_django` first.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import getpass
import importlib
import os
import pkgutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tierdesk.core.env import env_bool, env_int, env_str

Handler = Callable[[argparse.Namespace], int]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long ``up`` waits for its children to stop gracefully before it kills them.
STOP_GRACE_SECONDS = 20


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


def default_bind() -> str:
    return env_str("TIERDESK_BIND") or f"127.0.0.1:{env_int('TIERDESK_PORT', 8000)}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tierdesk",
        description="Tierdesk: tiered technical support. Configuration comes from environment "
        "variables (see docs/configuration.md); with none set, data lives in ./var.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add(commands, "up", cmd_up, _up_help, _up_arguments)
    _add(commands, "web", cmd_web, _web_help, _web_arguments)
    _add(commands, "worker", cmd_worker, _worker_help, _worker_arguments)
    _add(commands, "scheduler", cmd_scheduler, _scheduler_help, None)
    _add(commands, "migrate", cmd_migrate, _migrate_help, None)
    _add(commands, "demo", cmd_demo, _demo_help, _demo_arguments)
    _add(commands, "createadmin", cmd_createadmin, _createadmin_help, _createadmin_arguments)
    _add(commands, "check", cmd_check, _check_help, None)
    _add(commands, "manage", cmd_manage, _manage_help, _manage_arguments)
    for add_commands in _app_commands():
        add_commands(lambda *spec: _add(commands, *spec))
    return parser


def _app_commands() -> list[Callable[..., None]]:
    """``add_commands`` of every app that has a ``cli`` module (found without importing Django)."""
    import tierdesk

    found = []
    for app in pkgutil.iter_modules(tierdesk.__path__):
        if app.ispkg and (Path(tierdesk.__path__[0]) / app.name / "cli.py").exists():
            module = importlib.import_module(f"tierdesk.{app.name}.cli")
            found.append(module.add_commands)
    return found


def _add(
    commands: Any,
    name: str,
    handler: Handler,
    description: str,
    arguments: Callable[[argparse.ArgumentParser], None] | None,
) -> None:
    summary = description.split(". ")[0].rstrip(".") + "."
    sub = commands.add_parser(name, help=summary, description=description)
    if arguments is not None:
        arguments(sub)
    sub.set_defaults(handler=handler)


# ---- setup --------------------------------------------------------------------------------


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    import django

    django.setup()


def progress(message: str) -> None:
    print(f"tierdesk: {message}", file=sys.stderr, flush=True)


_migrate_help = (
    "Create or update the database tables (all migrations) and the cache table. "
    "Safe to run on every deploy; does nothing when everything is up to date."
)


def cmd_migrate(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    return 0


def migrate() -> None:
    from django.core.management import call_command

    progress("applying database migrations")
    call_command("migrate", interactive=False, verbosity=1, stdout=sys.stderr)
    call_command("createcachetable", verbosity=0)
    progress("database is up to date")


_demo_help = (
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


def cmd_demo(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.core import demo

    if demo.is_loaded():
        progress("demo data is already loaded; nothing to do")
    else:
        try:
            demo.load(tickets=args.tickets, report=progress)
        except demo.DemoError as exc:
            return _fail(str(exc))
    print_sign_ins(default_bind())
    return 0


def print_sign_ins(bind: str) -> None:
    from tierdesk.core import demo

    site = f"http://{bind}"
    lines = [
        "",
        f"  Tierdesk is at {site}/ (customers' portal; sign in at {site}/accounts/login/)",
        f"  Agents work in the desk at {site}/desk/ ; administrators configure at {site}/admin/",
        f"  The REST API and its docs are at {site}/api/v1/docs",
    ]
    credentials = demo.credentials_text()
    if credentials:
        lines += ["  Demo sign-ins (also in " + str(demo.credentials_path()) + "):", ""]
        lines += ["    " + line for line in credentials.splitlines() if line.strip()]
    else:
        lines.append("  No demo data: create an administrator with `tierdesk createadmin`.")
    print("\n".join([*lines, ""]), flush=True)


# ---- up -----------------------------------------------------------------------------------

_up_help = (
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


def cmd_up(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from tierdesk.core import demo

    if not args.no_demo and demo.database_is_empty():
        progress("first start on an empty database: loading the demo data")
        demo.load(report=progress)
    print_sign_ins(args.bind)
    me = [sys.executable, "-m", "tierdesk.cli"]
    return supervise(
        {
            "web": [*me, "web", "--bind", args.bind],
            "worker": [*me, "worker", "--no-scheduler"],
            "scheduler": [*me, "scheduler"],
        }
    )


def supervise(commands: dict[str, list[str]]) -> int:
    """Start the children, wait for a stop signal or a child's death, then stop them all."""
    received: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    children = {name: _spawn(command) for name, command in commands.items()}
    progress("started " + ", ".join(f"{name} (pid {p.pid})" for name, p in children.items()))
    exit_code = 0
    while not received:
        dead = [(name, p.returncode) for name, p in children.items() if p.poll() is not None]
        if dead:
            name, code = dead[0]
            progress(f"{name} exited with status {code}; stopping the others")
            exit_code = code or 1
            break
        time.sleep(0.3)
    if received:
        progress(f"received {signal.Signals(received[0]).name}; stopping")
    _stop_all(children)
    return exit_code


def _spawn(command: list[str]) -> subprocess.Popen[bytes]:
    # Each child gets its own process group, so a terminal's Ctrl-C reaches only this
    # supervisor, which then stops the children once and in order. If the supervisor is killed
    # outright, the kernel sends them SIGTERM (Linux), so nothing is left running.
    return subprocess.Popen(command, process_group=0, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    # Not on Linux: no such call, and the supervisor's own stop handling still applies.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            progress(f"{name} did not stop in {STOP_GRACE_SECONDS} s; killing it")
            child.kill()
            child.wait()


# ---- web, worker, scheduler ---------------------------------------------------------------

_web_help = (
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


def cmd_web(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": args.bind,
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": "gthread",
        "timeout": args.timeout,
        "graceful_timeout": 10,
        "accesslog": "-" if env_bool("TIERDESK_WEB_ACCESS_LOG", True) else None,
        "forwarded_allow_ips": env_str("TIERDESK_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "proc_name": "tierdesk-web",
    }

    class TierdeskWeb(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from tierdesk.wsgi import application

            return application

    TierdeskWeb().run()
    return 0


_worker_help = (
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


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.core.worker import run_worker

    run_worker(
        queues=args.queue.split(","),
        interval=args.interval,
        schedule=not args.no_scheduler,
        batch=args.batch,
    )
    return 0


_scheduler_help = (
    "Enqueue periodic jobs, each once per time slot. Workers also do "
    "this unless started with --no-scheduler; running several is safe."
)


def cmd_scheduler(args: argparse.Namespace) -> int:
    setup_django()
    from tierdesk.core.worker import run_scheduler

    run_scheduler()
    return 0


# ---- admin and checks ---------------------------------------------------------------------

_createadmin_help = (
    "Create an administrator (a superuser who can sign in at /admin/). Asks for what is not "
    "given; for scripts pass --username, --email and --password-file."
)


def _createadmin_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--username")
    sub.add_argument("--email")
    sub.add_argument(
        "--password-file", type=Path, help="read the password from this file's first line"
    )


def cmd_createadmin(args: argparse.Namespace) -> int:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    interactive = sys.stdin.isatty()
    username = args.username or (_ask("Username: ") if interactive else "")
    if not username:
        return _fail("a username is needed: --username NAME")
    email = args.email if args.email is not None else (_ask("E-mail: ") if interactive else "")
    password = _read_password(args.password_file, interactive)
    if not password:
        return _fail("a password is needed: --password-file FILE")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        return _fail(f"user {username!r} already exists")
    try:
        validate_password(password)
    except ValidationError as exc:
        return _fail("the password is too weak: " + " ".join(exc.messages))
    user_model.objects.create_superuser(username=username, email=email, password=password)
    progress(f"administrator {username!r} created; sign in at /admin/")
    return 0


def _ask(prompt: str) -> str:
    return input(prompt).strip()


def _read_password(path: Path | None, interactive: bool) -> str:
    if path is not None:
        lines = path.read_text().splitlines()
        return lines[0] if lines else ""
    if not interactive:
        return ""
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Password (again): "):
        progress("the passwords differ")
        return ""
    return password


def _fail(message: str) -> int:
    progress(f"error: {message}")
    return 1


_check_help = (
    "Check the installation: Django's system checks, that the database answers, that every "
    "migration is applied and the cache table exists. Exits non-zero on any problem."
)


def cmd_check(args: argparse.Namespace) -> int:
    setup_django()
    problems = installation_problems()
    for problem in problems:
        progress(f"problem: {problem}")
    if problems:
        return 1
    progress("all checks passed")
    return 0


def installation_problems() -> list[str]:
    from django.core.checks import run_checks
    from django.core.checks.messages import ERROR

    try:
        problems = [str(message) for message in run_checks() if message.level >= ERROR]
    except Exception as exc:  # a broken URLconf or app raises instead of reporting
        problems = [f"the system checks could not run: {type(exc).__name__}: {exc}"]
    if not _database_answers():
        return [*problems, "the database does not answer (see DATABASE_URL)"]
    pending = _pending_migrations()
    if pending:
        problems.append(f"{pending} migration(s) not applied: run `tierdesk migrate`")
    elif not _cache_table_ready():
        problems.append("the cache table is missing: run `tierdesk migrate`")
    return problems


def _database_answers() -> bool:
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:
        progress(f"database: {exc}")
        return False
    return True


def _pending_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _cache_table_ready() -> bool:
    from django.conf import settings
    from django.db import connection

    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("DatabaseCache"):
        return True
    return cache["LOCATION"] in connection.introspection.table_names()


_manage_help = (
    "Run any Django management command. For example `tierdesk manage shell`, or "
    "`tierdesk manage help` for the list."
)


def _manage_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("arguments", nargs=argparse.REMAINDER, help="the command and its options")


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tierdesk manage", *(args.arguments or ["help"])])
    return 0


if __name__ == "__main__":
    sys.exit(main())
