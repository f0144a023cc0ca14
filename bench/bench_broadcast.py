"""A problem's broadcast to 1,000 linked tickets on PostgreSQL (issue 19: at most 30 s).

    flock /tmp/bench.lock .venv/bin/python bench/bench_broadcast.py \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] [--tickets 1000]

Against the benchmark database (bench/generate.py, 1,000,000 tickets) it:
1. opens ``--tickets`` tickets for contacts of 100 organizations (``ticket_open``, as the desk
   would) and links them to a new problem (not timed: setup);
2. times the broadcast: ``problem_broadcast`` queues the update, then ``update_deliver`` (the
   background task) posts a public reply on every ticket in batches of 100, each with its
   ``UpdateDelivery`` key; each batch's reply events reach mail as one task
   (``mail_notify_many``). With ``--inline-mail`` the tasks run in-process (django's immediate
   backend), so the time includes composing and storing the reporters' mails (set-based, a
   batch at a time) and handing them to the mailer (files under a temporary data directory:
   nothing leaves the machine); without it they are queued for the workers;
3. times a second delivery of the same update (a retried task: must post nothing);
4. checks one public reply and one mail per ticket, then deletes everything it created.
Figures go to stdout and bench/out/bench-broadcast.json.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"
MARK = "bench-broadcast"
# The task rows a run leaves queued (without --inline-mail), removed with the rest.
QUEUED_BY_RUN = [
    "tierdesk.problems.services.deliveries.deliver_update",
    "tierdesk.mail.tasks.mail_notify",
    "tierdesk.mail.tasks.mail_notify_many",
]


def setup_django(url: str, inline_mail: bool) -> None:
    if inline_mail:  # every task in-process: the replies, then each reporter's mail, composed
        os.environ["TIERDESK_TASK_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    os.environ["DATABASE_URL"] = url
    os.environ["TIERDESK_DB_POOL"] = "false"
    os.environ.setdefault("TIERDESK_DATA_DIR", tempfile.mkdtemp(prefix="td-bench-broadcast-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    sys.path.insert(0, str(BENCH_DIR.parent / "src"))
    import django

    django.setup()


def open_tickets(count: int) -> list[Any]:
    from tierdesk.accounts.principal import SYSTEM
    from tierdesk.crm.models import Contact
    from tierdesk.tickets.services import ticket_open

    contacts = list(
        Contact.objects.exclude(email="").select_related("organization").order_by("id")[:100]
    )
    return [
        ticket_open(
            actor=SYSTEM,
            organization=contacts[i % len(contacts)].organization,
            reporter=contacts[i % len(contacts)],
            subject=f"{MARK} antivirus {i}",
            body="Invoices quarantined since the signature update.",
        )
        for i in range(count)
    ]


def remove() -> None:
    """Delete what a run wrote, in SQL (fast, no cascade walk over a million rows)."""
    from django.db import connection

    tickets = "SELECT id FROM tickets_ticket WHERE subject LIKE %s"
    problems = "SELECT id FROM problems_problem WHERE statement LIKE %s"
    updates = f"SELECT id FROM problems_problemupdate WHERE problem_id IN ({problems})"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM problems_updatedelivery WHERE update_id IN ({updates})",
                       [MARK + "%"])  # fmt: skip
        for table in ("problems_problemupdate", "problems_problemticket", "problems_problemnote"):
            cursor.execute(f"DELETE FROM {table} WHERE problem_id IN ({problems})", [MARK + "%"])
        cursor.execute("DELETE FROM problems_problem WHERE statement LIKE %s", [MARK + "%"])
        for table in ("accounts_notification", "mail_outboundmail", "tickets_ticketevent",
                      "tickets_message", "tickets_search"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE ticket_id IN ({tickets})", [MARK + "%"])
        cursor.execute("DELETE FROM tickets_ticket WHERE subject LIKE %s", [MARK + "%"])


def counting(statements: Counter[str]) -> Any:
    """An execute wrapper counting the statements by their first word (SELECT, INSERT, ...)."""

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements[(sql.lstrip().split(None, 1) or ["?"])[0].upper()] += 1
        return execute(sql, params, many, context)

    return count


@contextlib.contextmanager
def profiling(profile: cProfile.Profile | None) -> Iterator[None]:
    if profile is None:
        yield
        return
    profile.enable()
    try:
        yield
    finally:
        profile.disable()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument(
        "--inline-mail",
        action="store_true",
        help="also compose and send each reporter's mail in this process",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="write the broadcast's cProfile statistics to FILE"
    )
    args = parser.parse_args(argv)
    setup_django(args.database_url, args.inline_mail)
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from tierdesk.accounts.models import Agent
    from tierdesk.core.clock import now
    from tierdesk.mail.models import OutboundMail
    from tierdesk.problems.models import ProblemUpdate
    from tierdesk.problems.services import (
        problem_broadcast,
        problem_create,
        problem_link,
        update_deliver,
    )
    from tierdesk.tickets.models import Message, Ticket

    remove()  # what a run that died half-way left
    begun = now()
    manager = Agent.objects.filter(is_manager=True).select_related("user").first()
    assert manager is not None, "the benchmark data has a manager"
    total = Ticket.objects.count()
    started = time.perf_counter()
    tickets = open_tickets(args.tickets)
    problem = problem_create(actor=manager.user, statement=f"{MARK} antivirus")
    problem_link(actor=manager.user, problem=problem, tickets=tickets)
    setup_seconds = time.perf_counter() - started
    try:
        statements: Counter[str] = Counter()
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        with connection.execute_wrapper(counting(statements)), profiling(profile):
            update = problem_broadcast(
                actor=manager.user, problem=problem, body="A corrected signature file is out."
            )  # the immediate backend delivers it on commit; the database backend queues it
            if not args.inline_mail:
                update_deliver(update_id=update.pk)  # the task, as a worker runs it
        broadcast_seconds = time.perf_counter() - started
        if profile is not None:
            profile.dump_stats(args.profile)
        started = time.perf_counter()
        again = update_deliver(update_id=update.pk)
        retry_seconds = time.perf_counter() - started
        ids = [t.pk for t in tickets]
        replies = Message.objects.filter(ticket_id__in=ids, body__startswith="A corrected").count()
        mails = OutboundMail.objects.filter(ticket_id__in=ids, body__contains="A corrected").count()
        mail_tasks = DBTaskResult.objects.filter(task_path__in=QUEUED_BY_RUN[1:],
                                                 enqueued_at__gte=begun).count()  # fmt: skip
        state = ProblemUpdate.objects.get(pk=update.pk).state
    finally:
        remove()
        DBTaskResult.objects.filter(enqueued_at__gte=begun, task_path__in=QUEUED_BY_RUN).delete()
    figures = {
        "tickets_in_database": total, "linked_tickets": args.tickets,
        "setup_seconds": round(setup_seconds, 1), "broadcast_seconds": round(broadcast_seconds, 2),
        "per_ticket_ms": round(broadcast_seconds * 1000 / args.tickets, 1),
        "statements_per_ticket": {
            word: round(count / args.tickets, 2) for word, count in statements.most_common()
        },
        "retry_posted": again, "retry_seconds": round(retry_seconds, 2),
        "public_replies": replies, "reporter_mails": mails, "mail_tasks_queued": mail_tasks,
        "update_state": state, "inline_mail": args.inline_mail,
        "database": connection.vendor, "load_average": [round(v, 2) for v in os.getloadavg()],
    }  # fmt: skip
    print(json.dumps(figures, indent=2))
    (BENCH_DIR / "out").mkdir(exist_ok=True)
    (BENCH_DIR / "out" / "bench-broadcast.json").write_text(json.dumps(figures, indent=2))
    assert replies == args.tickets and again == 0, "one reply per ticket, none on a retry"


if __name__ == "__main__":
    main()
