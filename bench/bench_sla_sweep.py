"""SLA engine benchmarks on PostgreSQL: the sweep (one worker, then two) and the per-event cost.

    .venv/bin/python bench/bench_sla_sweep.py [--database-url URL] [--due 10000]

Against the benchmark database (bench/generate.py, 1,000,000 tickets) it:
1. gives every ticket without one a future ``sla_next_check_at`` (once), so the sweep's index
   holds a million entries, as on a busy installation;
2. adds ``--due`` P1 tickets on the Standard plan opened 3.5 hours ago, all due now (each has a
   response breach and a resolution warning to fire), and times one ``sla_sweep`` worker;
3. does it again with two worker processes sweeping at once and counts duplicate events (must
   be 0);
4. times ``ticket_clocks_recompute`` (the work every clock-moving event adds to its request) on
   a ticket with a few events.
The added tickets are deleted at the end. Figures go to stdout and bench/out/bench-sla-sweep.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"
MARK = "bench-sla-sweep"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    # Worker processes are spawned fresh; no connection pool threads to share across a fork.
    os.environ["TIERDESK_DB_POOL"] = "false"
    os.environ.setdefault("TIERDESK_DATA_DIR", tempfile.mkdtemp(prefix="td-bench-sla-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    sys.path.insert(0, str(BENCH_DIR.parent / "src"))
    import django

    django.setup()


def fill_next_checks() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket"
            " SET sla_next_check_at = now() + (id % 100000) * interval '1 minute'"
            " WHERE sla_next_check_at IS NULL"
        )
        if cursor.rowcount:
            print(f"gave {cursor.rowcount:,} tickets a future sla_next_check_at", file=sys.stderr)
            cursor.execute("ANALYZE tickets_ticket")


def add_due_tickets(count: int) -> None:
    """P1 tickets opened 3.5 h ago: response (2 h) breached, resolution (4 h) past its warning."""
    from tierdesk.core.clock import now
    from tierdesk.crm.models import Organization
    from tierdesk.sla.models import Plan
    from tierdesk.tickets.models import Ticket, TicketEvent

    opened = now() - timedelta(hours=3, minutes=30)
    plan = Plan.objects.get(slug="standard")
    org = Organization.objects.filter(kind="customer").order_by("id").first()
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                subject=f"{MARK} {i}",
                organization=org,
                priority=1,
                sla_plan=plan,
                status="open",
                created_at=opened,
                updated_at=opened,
                sla_next_check_at=opened + timedelta(hours=2),
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=t,
                kind="opened",
                data={"priority": 1, "plan": plan.pk},
                is_public=True,
                at=opened,
            )
            for t in tickets
        ],
        batch_size=2000,
    )


def remove_due_tickets() -> None:
    """Delete the added tickets and everything hanging off them, in SQL (fast, no cascade walk)."""
    from django.db import connection

    ids = "SELECT id FROM tickets_ticket WHERE subject LIKE %s"
    with connection.cursor() as cursor:
        for table in ("sla_slaalert", "accounts_notification", "tickets_ticketevent",
                      "tickets_message", "tickets_search"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE ticket_id IN ({ids})", [MARK + "%"])
        cursor.execute("DELETE FROM tickets_ticket WHERE subject LIKE %s", [MARK + "%"])


def sweep_worker(url: str, results: Any) -> None:
    setup_django(url)
    try:  # the sweep's acting part moved into the ticket domain (issue 11)
        from tierdesk.tickets.services.sweep import sla_sweep
    except ImportError:  # an older checkout, for before/after pairs
        from tierdesk.sla.sweep import sla_sweep  # type: ignore[no-redef]

    started = time.perf_counter()
    handled = sla_sweep(batch_size=500)
    results.put((handled, time.perf_counter() - started))


def run_sweep(url: str, workers: int) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=sweep_worker, args=(url, queue)) for _ in range(workers)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    wall = time.perf_counter() - started
    return {
        "workers": workers,
        "handled": sum(o[0] for o in outcomes),
        "per_worker": [o[0] for o in outcomes],
        "sweep_seconds": max(o[1] for o in outcomes),
        "wall_seconds_with_process_start": wall,
        **count_events(),
    }


def count_events() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*),
                      count(DISTINCT (e.ticket_id, e.kind, e.data->>'metric', e.data->>'step'))
               FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id
               WHERE t.subject LIKE %s AND e.kind LIKE 'sla_%%'""",
            [MARK + "%"],
        )
        total, distinct = cursor.fetchone()
    return {"sla_events": total, "duplicate_events": total - distinct}


def time_recompute(samples: int = 300) -> dict[str, float]:
    """What recomputing the clocks adds to a request: the same service call (a priority change,
    its own transaction) timed with the SLA hook and without it."""
    from tierdesk.accounts.models import Agent
    from tierdesk.crm.models import Organization
    from tierdesk.tickets import services
    from tierdesk.tickets.services import base

    agent = Agent.objects.filter(is_manager=True).first().user
    org = Organization.objects.filter(kind="customer").order_by("id").first()

    def typical_ticket() -> Any:
        """A ticket with an ordinary history: opened, answered, waited on, resumed."""
        ticket = services.ticket_open(
            actor=agent, organization=org, subject=f"{MARK} recompute", body="b", priority=2
        )
        services.ticket_reply(actor=agent, ticket=ticket, body="Which version?")
        services.ticket_pend(actor=agent, ticket=ticket, reason="customer")
        services.ticket_resume(actor=agent, ticket=ticket)
        return ticket

    def run() -> list[float]:
        timings = []
        for i in range(samples):
            if i % 4 == 0:  # keep histories realistic: a few changes per ticket
                ticket = typical_ticket()
            started = time.perf_counter()
            services.ticket_set_priority(
                actor=agent, ticket=ticket, priority=2 + i % 2, reason="benchmark"
            )
            timings.append((time.perf_counter() - started) * 1000)
        return sorted(timings)

    with_hook = run()
    kinds = base.CLOCK_EVENT_KINDS
    base.CLOCK_EVENT_KINDS = frozenset()  # type: ignore[misc]
    try:
        without_hook = run()
    finally:
        base.CLOCK_EVENT_KINDS = kinds  # type: ignore[misc]
    p50 = statistics.median
    return {
        "service_ms_p50_with_clocks": p50(with_hook),
        "service_ms_p50_without_clocks": p50(without_hook),
        "added_ms_p50": p50(with_hook) - p50(without_hook),
        "samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    setup_django(args.database_url)
    from tierdesk.tickets.models import Ticket

    figures: dict[str, object] = {"tickets_in_database": Ticket.objects.count(), "due": args.due}
    fill_next_checks()
    try:
        for workers in (1, 2):
            remove_due_tickets()
            add_due_tickets(args.due)
            print(f"sweeping {args.due:,} due tickets with {workers} worker(s)", file=sys.stderr)
            figures[f"sweep_{workers}_worker"] = run_sweep(args.database_url, workers)
            print(json.dumps(figures[f"sweep_{workers}_worker"]), file=sys.stderr)
        figures["recompute"] = time_recompute()
    finally:
        remove_due_tickets()
    print(json.dumps(figures, indent=2))
    out = BENCH_DIR / "out"
    out.mkdir(exist_ok=True)
    (out / "bench-sla-sweep.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
