"""Fill a Tierdesk database with a realistic bulk of tickets, for benchmarks and demos.

    .venv/bin/python bench/generate.py --tickets 1000000 \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] [--reset]
    .venv/bin/python bench/generate.py --tickets 20000 --sqlite var/demo [--reset]

It migrates the database, creates the organizations and people through the ORM, then loads
tickets, messages and events (PostgreSQL: COPY, one process per table; SQLite: executemany),
rebuilds the search index and analyzes. Progress goes to stderr; the summary (counts, phase
times, the search keywords and the share of tickets each matches) to stdout and to
bench/out/generate-<database>.json. docs/benchmarks.md describes the data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"
PROTECTED_DATABASES = {"postgres", "template0", "template1"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--database-url", default=None, help=f"PostgreSQL (default {DEFAULT_URL})")
    target.add_argument("--sqlite", metavar="DATA_DIR", help="make DATA_DIR/tierdesk.sqlite3")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--years", type=float, default=2.0, help="time range of created_at")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--keep-constraints",
        action="store_true",
        help="PostgreSQL: load with every index and foreign key in place (slower)",
    )
    args = parser.parse_args(argv)
    if not args.sqlite and not args.database_url:
        args.database_url = DEFAULT_URL
    return args


class Phases:
    """Wall time per phase, printed as it goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.monotonic()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        began = time.monotonic()
        yield
        self.seconds[name] = round(time.monotonic() - began, 2)
        print(f"== {name}: {self.seconds[name]:.1f}s", file=sys.stderr, flush=True)

    @property
    def total(self) -> float:
        return round(time.monotonic() - self.started, 2)


def configure_environment(args: argparse.Namespace) -> None:
    """Settings read the environment once, at django.setup(): set it before."""
    if args.sqlite:
        data_dir = Path(args.sqlite).resolve()
        os.environ.pop("DATABASE_URL", None)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="td-bench-gen-"))
        os.environ["DATABASE_URL"] = args.database_url
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")


def prepare_database(args: argparse.Namespace) -> None:
    """Create (or with --reset drop and recreate) the target database."""
    if args.sqlite:
        if args.reset:
            for suffix in ("", "-wal", "-shm"):
                Path(os.environ["TIERDESK_DATA_DIR"], f"tierdesk.sqlite3{suffix}").unlink(
                    missing_ok=True
                )
        return
    import psycopg
    from psycopg import sql

    from tierdesk.core.env import database_from_url

    db = database_from_url(args.database_url)
    name = str(db["NAME"])
    if name in PROTECTED_DATABASES:
        raise SystemExit(f"bench: refusing to use the {name!r} database")
    admin = _make_conninfo({**db, "NAME": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        if args.reset:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    configure_environment(args)
    phases = Phases()
    with phases("create database"):
        prepare_database(args)

    import django

    django.setup()
    from django.core.management import call_command

    with phases("migrate"):
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)  # the database cache backs rate limits
    _refuse_non_empty()

    from datagen.cast import build_cast
    from datagen.plan import Config

    rng = random.Random(args.seed)
    with phases("organizations, contacts, teams, agents"):
        cast = build_cast(
            rng, customers=args.customers, partners=args.partners, contacts=args.contacts
        )
    end = int(datetime.now(UTC).replace(minute=0, second=0, microsecond=0).timestamp())
    start = end - int(timedelta(days=365 * args.years).total_seconds())
    config = Config(tickets=args.tickets, seed=args.seed, start=start, end=end)
    if args.sqlite:
        result = _load_sqlite(phases, cast, config)
    else:
        result = _load_postgres(phases, args, cast, config)
    with phases("search index"):
        search = _rebuild_search_index()
    with phases("vacuum analyze"):
        _analyze(bool(args.sqlite))
    summary = _summary(args, config, phases, result, search)
    _print_summary(summary)
    return summary


def _refuse_non_empty() -> None:
    from tierdesk.tickets.models import Ticket

    if Ticket.objects.exists():
        raise SystemExit("bench: the database already has tickets; run again with --reset")


def _load_sqlite(phases: Phases, cast: Any, config: Any) -> Any:
    from datagen.sqliteload import load_sqlite

    with phases("tickets, messages, events"):
        return load_sqlite(cast, config)


def _load_postgres(phases: Phases, args: argparse.Namespace, cast: Any, config: Any) -> Any:
    import psycopg
    from django.db import connections

    from datagen import pgload
    from datagen.rows import Builder, Dialect

    builder = Builder(Dialect("postgresql", config), config)
    specs = {
        name: (spec.table, spec.columns)
        for name, spec in zip(
            pgload.TABLES, (builder.tickets, builder.messages, builder.events), strict=True
        )
    }
    tables = [spec[0] for spec in specs.values()]
    conninfo = _conninfo()
    connections.close_all()  # the loaders fork: no open connection may be shared
    with psycopg.connect(conninfo, autocommit=True) as conn:
        schema = pgload.Schema.read(conn, tables)
        if not args.keep_constraints:
            pgload.save_script(schema, Path(os.environ["TIERDESK_DATA_DIR"]) / "restore-schema.sql")
            with phases("drop secondary indexes and foreign keys"):
                schema.drop(conn)
    try:
        with phases("tickets, messages, events"):
            result = pgload.copy_all(conninfo, specs, cast, config)
    finally:
        if not args.keep_constraints:
            with phases("recreate indexes and foreign keys"):
                schema.recreate(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pgload.reset_sequences(conn, tables)
        if pgload.Schema.read(conn, tables) != schema:
            raise SystemExit("bench: recreated indexes or foreign keys differ from the originals")
    return result


def _conninfo() -> str:
    from django.conf import settings

    return _make_conninfo(settings.DATABASES["default"])


def _make_conninfo(db: dict[str, Any]) -> str:
    """A libpq connection string from a Django DATABASES entry (empty parts left out)."""
    import psycopg

    parts = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"],
             "host": db["HOST"], "port": db["PORT"]}  # fmt: skip
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in parts.items() if v})


def _rebuild_search_index() -> str:
    """tierdesk.core.search.rebuild_index is being written; use it when it is there."""
    from tierdesk.core import search

    rebuild = getattr(search, "rebuild_index", None)
    if rebuild is None:
        print("  search.rebuild_index does not exist yet: skipped", file=sys.stderr)
        return "skipped: tierdesk.core.search.rebuild_index not available"
    last = [time.monotonic()]

    def progress(*args: Any, **kwargs: Any) -> None:
        if time.monotonic() - last[0] >= 5:
            last[0] = time.monotonic()
            print(f"  search index: {args} {kwargs or ''}", file=sys.stderr, flush=True)

    rebuild(progress=progress)
    return "rebuilt"


def _analyze(sqlite: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # VACUUM as well as ANALYZE: the search rebuild may have rewritten rows, and index-only
        # scans need an up-to-date visibility map (autovacuum may be off on this server).
        cursor.execute("ANALYZE" if sqlite else "VACUUM (ANALYZE)")


def _summary(
    args: argparse.Namespace, config: Any, phases: Phases, result: Any, search: str
) -> dict[str, Any]:
    from django.db import connection

    from tierdesk.accounts.models import Agent, Team
    from tierdesk.crm.models import Contact, Organization

    tickets = max(config.tickets, 1)
    return {
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()},
        "rows": {
            **result.rows,
            "organizations": Organization.objects.count(),
            "contacts": Contact.objects.count(),
            "teams": Team.objects.count(),
            "agents": Agent.objects.count(),
        },
        "phases_seconds": phases.seconds,
        "loader_seconds": {k: round(v, 2) for k, v in result.seconds.items()},
        "total_seconds": phases.total,
        "search_index": search,
        "keywords": {
            word: {"tickets": n, "share": round(n / tickets, 4), "where": where}
            for word, n, where in _keyword_rows(result.markers)
        },
        "seed": args.seed,
    }


def _keyword_rows(markers: dict[str, int]) -> list[tuple[str, int, str]]:
    from datagen.vocab import MARKERS

    return [(m.word, markers.get(m.word, 0), m.where) for m in MARKERS]


def _print_summary(summary: dict[str, Any]) -> None:
    print(f"\nDatabase {summary['database']} ({summary['vendor']})")
    for name, count in summary["rows"].items():
        print(f"  {name:<14} {count:>12,}")
    print("Phases:")
    for name, seconds in summary["phases_seconds"].items():
        print(f"  {name:<42} {seconds:>8.1f}s")
    print(f"  {'TOTAL wall time':<42} {summary['total_seconds']:>8.1f}s")
    print("Search keywords (share of tickets that contain the word):")
    for word, info in summary["keywords"].items():
        note = (
            "  <- ~1%: use for the search benchmark"
            if info["where"] != "note" and (0.005 <= info["share"] <= 0.02)
            else ""
        )
        print(f"  {word:<12} {info['tickets']:>9,} {info['share']:>7.2%}  in {info['where']}{note}")
    print(f"Search index: {summary['search_index']}")
    OUT_DIR.mkdir(exist_ok=True)
    path = OUT_DIR / f"generate-{Path(str(summary['database'])).stem}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"Written {path}")


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH_DIR))
    main()
