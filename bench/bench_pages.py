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
c. SQL queries per request.

The run writes nothing that stays: everything (the sessions; with --create-missing-indexes, the
indexes of migrations newer than the database) happens inside one transaction that is rolled
back at the end, so the generated database is left exactly as it was.
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=300, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
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


def measure(client: Any, paths: list[str], count: int, warmup: int) -> dict[str, Any]:
    """``count`` sequential requests cycling through ``paths``, after ``warmup`` unmeasured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for index in range(warmup):
        client.get(paths[index % len(paths)])
    samples = []
    for index in range(count):
        started = time.perf_counter()
        response = client.get(paths[index % len(paths)])
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"bench: {paths[index % len(paths)]} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(paths[0])
    return {**percentiles(samples), "queries": len(captured), "example": paths[0]}


def people() -> tuple[Any, Any]:
    from tierdesk.accounts.models import Agent

    l1 = (
        Agent.objects.filter(support_level=1, is_manager=False, organization__kind="vendor")
        .exclude(teams=None)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    manager = Agent.objects.filter(is_manager=True).select_related("user").first()
    if l1 is None or manager is None:
        raise SystemExit("bench: no L1 vendor agent or manager: run bench/generate.py first")
    return l1, manager


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


def ensure_schema(create_indexes: bool) -> list[str]:
    """What the pages need but this database may predate: the desk's tables, and (when asked)
    the "all open tickets" index of migration tickets 0006. Rolled back with the rest."""
    from django.db import connection

    from tierdesk.desk.models import CannedResponse, SavedView
    from tierdesk.tickets.models import Ticket

    existing = set(connection.introspection.table_names())
    created = []
    with connection.schema_editor(atomic=False) as editor:
        for model in (SavedView, CannedResponse):
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


class Rollback(Exception):
    pass


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test import Client

    from tierdesk.tickets.models import Ticket

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result["created_and_rolled_back"] = ensure_schema(args.create_missing_indexes)
            l1, manager = people()
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
                "queue_manager_all": (manager_client, ["/desk/queue/all/"]),
                "ticket_l1": (agent_client, ticket_paths(l1, 200, args.seed)),
            }
            for name, (client, paths) in pages.items():
                result[name] = measure(client, paths, args.requests, args.warmup)
                print(f"{name}: {result[name]}", file=sys.stderr)
            raise Rollback
    except Rollback:
        pass
    result["database"] = connection.settings_dict["NAME"]
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
