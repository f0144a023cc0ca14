"""Server time of the desk's queue page and ticket page, signed in, through every middleware.

    .venv/bin/python bench/bench_pages.py \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] [--requests 300]

In process: Django's test Client drives the real WSGI handler with the whole middleware stack
(sessions, authentication, CSRF, CSP nonces, htmx, allauth, messages), signed in with a session
like a browser. The time measured is ``perf_counter`` around each request: everything the server
does for it (no network, no browser). Measured, for an L1 vendor agent and for a manager:

a. the queue page (the agent's team queue; the manager's "all open" queue; "breaching soon"),
   first page, full HTML;
b. the ticket page of tickets the agent may see, drawn at random (open and finished ones);
c. SQL statements per request, the time spent in them (``sql_ms``: the mean per request, from
   the client's side, so it includes the round trips) and the CPU time of this process
   (``python_cpu_ms``, the mean per request: Python's share, which other work on the machine
   inflates less than wall time).

Clocks: ``bench/generate.py`` stores no SLA clocks, so "breaching soon" would be empty. Unless the
database already has clocks (or ``--clocks none``), the run first gives every new or open ticket a
running resolution clock and a next SLA check spread from 20 days ago to 10 days ahead (two thirds
overdue, a sweep far behind: the worst case for "breaching soon"), pending ones a paused clock,
and ANALYZEs the table so the planner sees them.

The run writes nothing that stays: everything (the sessions, the clocks; with
--create-missing-indexes, the indexes of migrations newer than the database) happens inside one
transaction that is rolled back at the end, so the generated database is left as it was. The
clocks' UPDATE leaves dead row versions behind, which a ``VACUUM`` of the table clears at the end
(PostgreSQL; autovacuum may be off on a benchmark database).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CHECKOUT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"
PAGES = (
    "queue_l1_team", "queue_l1_breaching", "queue_l1_overdue", "queue_manager_all", "ticket_l1",
    "search_l1_reference",
)  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}"
    )
    parser.add_argument(
        "--clocks",
        choices=["synthetic", "none"],
        default="synthetic",
        help="give open tickets SLA clocks for the run when the database has none (rolled back)",
    )
    parser.add_argument(
        "--create-missing-indexes",
        action="store_true",
        help="create indexes of newer migrations for the run (rolled back; blocks writers)",
    )
    return parser.parse_args(argv)


def setup_django(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "TIERDESK_DATA_DIR": tempfile.mkdtemp(prefix="td-bench-pages-"),
            "TIERDESK_DEBUG": "false",
            "TIERDESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
        }
    )
    sys.path.insert(0, str(CHECKOUT / "src"))
    import django

    django.setup()


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(max(samples), 2),
        "requests": len(samples),
    }


class SqlTimer:
    """An execute wrapper that adds up the time spent in SQL statements (round trips included)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def measure(client: Any, paths: list[str], count: int, warmup: int) -> dict[str, Any]:
    """``count`` sequential requests cycling through ``paths``, after ``warmup`` unmeasured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for index in range(warmup):
        client.get(paths[index % len(paths)])
    samples = []
    sql = SqlTimer()
    cpu_started = time.process_time()
    with connection.execute_wrapper(sql):
        for index in range(count):
            started = time.perf_counter()
            response = client.get(paths[index % len(paths)])
            samples.append((time.perf_counter() - started) * 1000)
            # The search box answers a ticket's reference with a redirect to the ticket.
            if response.status_code not in (200, 302):
                path = paths[index % len(paths)]
                raise SystemExit(f"bench: {path} answered {response.status_code}")
    cpu = time.process_time() - cpu_started
    with CaptureQueriesContext(connection) as captured:
        client.get(paths[0])
    return {
        **percentiles(samples),
        "sql_ms": round(sql.seconds * 1000 / count, 2),
        "python_cpu_ms": round(cpu * 1000 / count, 2),
        "queries": len(captured),
        "example": paths[0],
    }


def ticket_paths(agent: Any, count: int, seed: int) -> list[str]:
    """Tickets the agent may see, at random among its teams' latest few thousand."""
    from tierdesk.tickets import policies
    from tierdesk.tickets.models import Ticket

    team_ids = list(agent.teams.values_list("id", flat=True))
    ids = list(
        policies.visible(agent.user, policies.VIEW, Ticket.objects.filter(team_id__in=team_ids))
        .order_by("-id")
        .values_list("id", flat=True)[:5000]
    )
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    return [f"/desk/tickets/{Ticket(pk=pk).reference}/" for pk in chosen]


def reference_searches(agent: Any, count: int, seed: int) -> list[str]:
    """The desk's search box given the references of tickets the agent may see (each answers
    with a redirect to the ticket: the time measured is the lookup, not the ticket page)."""
    return [
        "/desk/search/?q=" + path.removeprefix("/desk/tickets/").strip("/")
        for path in ticket_paths(agent, count, seed + 1)
    ]


def ensure_schema(create_indexes: bool) -> list[str]:
    """What the pages need but this database may predate: the desk's tables, and (when asked)
    the "all open tickets" index of migration tickets 0006. Rolled back with the rest."""
    from django.db import connection

    from tierdesk.desk.models import CannedResponse, SavedView, TicketPresence
    from tierdesk.tickets.models import Ticket

    existing = set(connection.introspection.table_names())
    created = []
    with connection.schema_editor(atomic=False) as editor:
        for model in (SavedView, CannedResponse, TicketPresence):
            if model._meta.db_table not in existing:
                editor.create_model(model)
                created.append(model._meta.db_table)
        if create_indexes:
            indexes = connection.introspection.get_constraints(
                connection.cursor(), "tickets_ticket"
            )
            for index in Ticket._meta.indexes:
                if index.name not in indexes:
                    editor.add_index(Ticket, index)
                    created.append(index.name)
    return created


def synthetic_clocks() -> int:
    """Clocks for every new or open ticket (pending: paused) that has none; how many tickets got
    them. Deterministic: spread by id, not at random."""
    from django.db import connection

    from tierdesk.core.clock import now
    from tierdesk.tickets.models import OPEN_STATUSES, Ticket

    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET
              sla_next_check_at = CASE WHEN status = 'pending' THEN NULL ELSE
                %(at)s - interval '20 days' + ((id * 7919) %% 2592000) * interval '1 second' END,
              resolution_state = CASE WHEN status = 'pending' THEN 'paused' ELSE 'running' END,
              resolution_due_at = %(at)s - interval '19 days'
                + ((id * 7919) %% 2592000) * interval '1 second',
              response_state = CASE WHEN status = 'new' THEN 'running' ELSE 'met' END,
              response_due_at = created_at + interval '4 hours'
            WHERE status = ANY(%(open)s) AND resolution_state = ''
            """,
            {"at": now(), "open": list(OPEN_STATUSES)},
        )
        updated = cursor.rowcount
        if updated:
            cursor.execute(f"ANALYZE {table}")
    return updated


def vacuum_tickets() -> None:
    """Clear the dead row versions the rolled-back clocks left (PostgreSQL only)."""
    from django.db import connection

    from tierdesk.tickets.models import Ticket

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {Ticket._meta.db_table}")


class Rollback(Exception):
    pass


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test import Client

    from datagen.cast import benchmark_people
    from tierdesk.core.clock import now
    from tierdesk.tickets.models import Ticket

    result: dict[str, Any] = {}
    clocked = 0
    try:
        with transaction.atomic():
            result["created_and_rolled_back"] = ensure_schema(args.create_missing_indexes)
            if args.clocks == "synthetic":
                clocked = synthetic_clocks()
                result["synthetic_clocks"] = clocked
                if clocked:
                    due = Ticket.objects.filter(sla_next_check_at__lte=now())
                    result["synthetic_overdue"] = due.count()
            l1, manager = benchmark_people()
            agent_client, manager_client = (
                Client(HTTP_HOST="127.0.0.1"),
                Client(HTTP_HOST="127.0.0.1"),
            )
            agent_client.force_login(l1.user)
            manager_client.force_login(manager.user)
            result["tickets"] = Ticket.objects.count()
            result["agent"] = {"user": l1.user.username, "level": l1.support_level}
            pages = {
                "queue_l1_team": (agent_client, ["/desk/queue/team/"]),
                "queue_l1_breaching": (agent_client, ["/desk/queue/breaching/"]),
                "queue_l1_overdue": (agent_client, ["/desk/queue/overdue/"]),
                "queue_manager_all": (manager_client, ["/desk/queue/all/"]),
                "ticket_l1": (agent_client, ticket_paths(l1, 200, args.seed)),
                "search_l1_reference": (agent_client, reference_searches(l1, 200, args.seed)),
            }
            for name in args.pages.split(","):
                client, paths = pages[name]
                result[name] = measure(client, paths, args.requests, args.warmup)
                print(f"{name}: {result[name]}", file=sys.stderr)
            raise Rollback
    except Rollback:
        pass
    if clocked:
        vacuum_tickets()
    result["database"] = connection.settings_dict["NAME"]
    result["load_average"] = [round(load, 2) for load in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_django(args.database_url)
    summary = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **run(args)}
    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"pages-{summary['database']}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
