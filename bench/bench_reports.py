"""Benchmark of the reports on a generated database (see bench/generate.py).

    flock /tmp/bench.lock .venv/bin/python bench/bench_reports.py \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] [--fill-days 200]
        [--requests 20]

Measures, in this process (Django test client on the same database, a manager signed in):

a. a rollup rebuild of one day (three days before the newest ticket), best and median of
   ``--repeat``; then its two parts alone: the cells (read and built, not written) and the
   backlog's INSERT ... SELECT (rolled back);
b. the rollups of the last ``--fill-days`` days built in one go (7-day chunks, as
   ``tierdesk reports rebuild`` does): seconds per day, and a year extrapolated from it;
c. the dashboard, p50/p95 over ``--requests`` requests for each filter (none, organization,
   partner, team, plan, priority; periods today, 30 days, this month, last month);
d. one organization's monthly report (the organization with most tickets last month): HTML
   and PDF, median and max of ``--repeat``.

``--only rebuild`` runs (a) and (b), ``--only pages`` (c) and (d) on the rollups in place.

The rollup tables are the reports app's own: the script leaves the days it built in place (the
dashboard reads them), and writes nothing else.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "TIERDESK_DATA_DIR": tempfile.mkdtemp(prefix="td-bench-reports-"),
            "TIERDESK_DEBUG": "false",
            "TIERDESK_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
            "TIERDESK_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        }
    )
    sys.path.insert(0, str(CHECKOUT / "src"))
    import django

    django.setup()


def timed(action, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        out.append(time.perf_counter() - start)
    return out


def _backlog_rolled_back(day) -> None:
    """The backlog's INSERT ... SELECT of one day, undone (its timing alone)."""
    from django.db import transaction

    from tierdesk.reports.backlog import backlog_insert

    with transaction.atomic():
        backlog_insert(day)
        transaction.set_rollback(True)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/tierdesk_bench"
    )
    parser.add_argument("--fill-days", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (d)")
    parser.add_argument("--only", choices=["rebuild", "pages"], help="(a, b) or (c, d) alone")
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.db.models import Max

    from tierdesk.reports.rollups import local_day
    from tierdesk.tickets.models import Ticket

    newest = Ticket.objects.aggregate(Max("created_at"))["created_at__max"]
    today = local_day(newest)
    print(f"tickets: {Ticket.objects.count()}, newest ticket {today}")

    if args.only != "pages":
        bench_rebuild(args, today)
    if args.only != "rebuild":
        bench_pages(args, today)
    return 0


def bench_rebuild(args: argparse.Namespace, today: date) -> None:
    from tierdesk.reports.models import DailyBacklog, DailyRollup
    from tierdesk.reports.rollups import cube_build
    from tierdesk.reports.services import days_rebuild

    one_day = today - timedelta(days=3)
    day_times = timed(lambda: days_rebuild(first=one_day, last=one_day), args.repeat)
    cells = DailyRollup.objects.filter(day=one_day).count()
    backlog = DailyBacklog.objects.filter(day=one_day).count()
    print(f"a. rebuild one day ({one_day}, {cells} cells, {backlog} backlog rows): "
          f"best {min(day_times):.2f} s, median {statistics.median(day_times):.2f} s")  # fmt: skip
    cube_times = timed(lambda: cube_build(one_day, one_day).rows(), args.repeat)
    backlog_times = timed(lambda: _backlog_rolled_back(one_day), args.repeat)
    cube, backlog = statistics.median(cube_times), statistics.median(backlog_times)
    print(f"   of which the cells (read, no write) median {cube:.2f} s, "
          f"the backlog INSERT ... SELECT median {backlog:.2f} s")  # fmt: skip

    if args.fill_days:
        first = today - timedelta(days=args.fill_days - 1)
        start = time.perf_counter()
        rows = days_rebuild(first=first, last=today)
        spent = time.perf_counter() - start
        per_day = spent / args.fill_days
        print(f"b. rebuild {args.fill_days} days ({first} to {today}, {rows} rows): "
              f"{spent:.1f} s, {per_day:.2f} s/day, "
              f"a year extrapolated: {per_day * 365 / 60:.1f} min")  # fmt: skip


def bench_pages(args: argparse.Namespace, today: date) -> None:
    from django.db.models import Count
    from django.test import Client

    from tierdesk.accounts.models import User
    from tierdesk.reports.models import DailyRollup
    from tierdesk.tickets.models import Ticket

    manager = (
        User.objects.filter(is_superuser=True).first()
        or User.objects.filter(agent__is_manager=True).first()
    )
    client = Client()
    client.force_login(manager)
    month_start = today.replace(day=1)
    last_month = (month_start - timedelta(days=1)).replace(day=1)
    busiest = (
        Ticket.objects.filter(created_at__date__gte=last_month, created_at__date__lt=month_start)
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    org = busiest["organization_id"]
    sample = (
        DailyRollup.objects.filter(day=today)
        .exclude(team=None)
        .exclude(plan=None)
        .exclude(assignee=None)
        .exclude(category=None)
        .first()
    )
    partner = (
        DailyRollup.objects.filter(organization__partner__isnull=False)
        .values_list("organization__partner_id", flat=True)
        .first()
    )
    base = f"/reports/dashboard/?period=custom&to={today}"
    filters = {
        "month, no filter": f"{base}&from={month_start}",
        "today": f"{base}&from={today}",
        "30 days": f"{base}&from={today - timedelta(days=29)}",
        "last month": f"/reports/dashboard/?period=custom&from={last_month}"
        f"&to={month_start - timedelta(days=1)}",
        "organization": f"{base}&from={month_start}&organization={org}",
        "partner": f"{base}&from={month_start}&partner={partner}",
        "team": f"{base}&from={month_start}&team={sample.team_id if sample else 0}",
        "plan": f"{base}&from={month_start}&plan={sample.plan_id if sample else 0}",
        "priority": f"{base}&from={month_start}&priority=1",
        "assignee": f"{base}&from={month_start}&assignee={sample.assignee_id if sample else 0}",
        "category": f"{base}&from={month_start}&category={sample.category_id if sample else 0}",
        "level": f"{base}&from={month_start}&level=2",
        "org + priority": f"{base}&from={month_start}&organization={org}&priority=2",
    }
    print("c. dashboard (ms):")
    worst = 0.0
    for name, url in filters.items():
        assert client.get(url).status_code == 200, url
        times = [t * 1000 for t in timed(lambda u=url: client.get(u), args.requests)]
        worst = max(worst, p95(times))
        print(f"   {name:18} p50 {statistics.median(times):6.0f}  p95 {p95(times):6.0f}")
    print(f"   worst p95 {worst:.0f} ms")

    report = f"/reports/monthly/{org}/{last_month:%Y-%m}/"
    assert client.get(report).status_code == 200
    html = timed(lambda: client.get(report), args.repeat)
    pdf = timed(lambda: client.get(report + "report.pdf"), args.repeat)
    print(f"d. monthly report of organization {org} ({busiest['n']} tickets in {last_month:%Y-%m}):"
          f" HTML median {statistics.median(html):.2f} s max {max(html):.2f} s; "
          f"PDF median {statistics.median(pdf):.2f} s max {max(pdf):.2f} s")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
