"""``tierdesk migrate``, ``demo``, ``createadmin`` and ``check``: setting an installation up and
seeing that it is sound. Run once Django is set up (``tierdesk.cli.main``)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.checks import run_checks
from django.core.checks.messages import ERROR, WARNING
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tierdesk.cli import fail, progress
from tierdesk.cli.parser import default_bind
from tierdesk.demo import loader as demo


def cmd_migrate(args: argparse.Namespace) -> int:
    migrate()
    return 0


def migrate() -> None:
    progress("applying database migrations")
    call_command("migrate", interactive=False, verbosity=1, stdout=sys.stderr)
    call_command("createcachetable", verbosity=0)
    progress("database is up to date")


# ---- demo ---------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    if demo.is_loaded():
        progress("demo data is already loaded; nothing to do")
    else:
        try:
            demo.load(tickets=args.tickets, report=progress)
        except demo.DemoError as exc:
            return fail(str(exc))
    print_sign_ins(default_bind())
    return 0


def print_sign_ins(bind: str) -> None:
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


# ---- createadmin --------------------------------------------------------------------------


def cmd_createadmin(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()
    username = args.username or (_ask("Username: ") if interactive else "")
    if not username:
        return fail("a username is needed: --username NAME")
    email = args.email if args.email is not None else (_ask("E-mail: ") if interactive else "")
    password = _read_password(args.password_file, interactive)
    if not password:
        return fail("a password is needed: --password-file FILE")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        return fail(f"user {username!r} already exists")
    try:
        validate_password(password)
    except ValidationError as exc:
        return fail("the password is too weak: " + " ".join(exc.messages))
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


# ---- check --------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    problems = installation_problems(deploy=getattr(args, "deploy", False))
    for problem in problems:
        progress(f"problem: {problem}")
    if problems:
        return 1
    progress("all checks passed")
    return 0


def installation_problems(*, deploy: bool = False) -> list[str]:
    """Errors; with ``deploy``, the deployment checks too, and their warnings count."""
    worst = WARNING if deploy else ERROR
    try:
        messages = run_checks(include_deployment_checks=deploy)
        problems = [str(message) for message in messages if message.level >= worst]
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
    try:
        connection.ensure_connection()
    except Exception as exc:
        progress(f"database: {exc}")
        return False
    return True


def _pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _cache_table_ready() -> bool:
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("DatabaseCache"):
        return True
    return cache["LOCATION"] in connection.introspection.table_names()
