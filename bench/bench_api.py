"""HTTP benchmark of the web tier against a generated database (see bench/generate.py).

    .venv/bin/python bench/bench_api.py \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] [--duration 15]
        [--worker-class both|gthread|sync] [--keyword kerberos]

Starts gunicorn (2 workers) on a free loopback port, creates API tokens for an L1 agent and a
manager, warms up, then measures:

a. GET /healthz, requests/s (wrk, keep-alive, 8 connections);
b. POST /api/v1/tickets as the L1 agent, requests/s, and its ratio to (a);
c. the L1 agent's queue, GET /api/v1/tickets?team=&active=true&ordering=queue&page_size=25:
   p50/p95/p99 over sequential requests on one connection, and SQL queries per request;
d. keyword search, GET /api/v1/tickets?q=<keyword>, as the L1 agent and as the manager.

(c) and (d) run first, on the data as generated, and again after (b), which leaves some
thousands of alike tickets without the keyword on top of the newest (printed for the record).

Queries per request are counted in this process (Django test client + CaptureQueriesContext on
the same database). The slowest SQL statement of (c) and (d) is EXPLAIN ANALYZEd into
bench/out/. Tickets created by (b) are deleted afterwards, and so are the tokens, so runs can
repeat on the same data. gunicorn is always stopped, by the pid this script started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CHECKOUT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"
WORKERS = 2
THREADS = 4  # per gthread worker
WRK_CONNECTIONS = 8


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--duration", type=int, default=15, help="seconds per throughput run")
    parser.add_argument("--requests", type=int, default=500, help="sequential latency requests")
    parser.add_argument("--worker-class", choices=["both", "gthread", "sync"], default="both")
    parser.add_argument("--keyword", help="search word (default: a ~1%% word from generate)")
    return parser.parse_args(argv)


def configure_environment(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    """The environment of this process and of gunicorn: same database, same settings."""
    env = {
        "DATABASE_URL": args.database_url,
        "TIERDESK_DATA_DIR": str(data_dir),
        "TIERDESK_DEBUG": "false",
        "TIERDESK_API_RATE_TOKEN": "1000000/min",
        "TIERDESK_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "tierdesk.settings",
    }
    os.environ.update(env)
    return {**os.environ, **env}


# ---- the cast: who calls, and what --------------------------------------------------------


@dataclass
class Setup:
    tickets: int
    max_ticket_id: int
    l1_token: str
    manager_token: str
    token_ids: list[int]
    team_id: int
    organization_id: int
    keyword: str


def prepare(keyword: str | None) -> Setup:
    from datagen.cast import benchmark_people
    from tierdesk.crm.models import Organization
    from tierdesk.tickets.models import Ticket

    l1, manager = benchmark_people()
    team_id = l1.teams.order_by("id").values_list("id", flat=True).first()
    organization = Organization.objects.filter(kind="customer", partner=None).order_by("id").first()
    l1_token, l1_id = _token(l1.user)
    manager_token, manager_id = _token(manager.user)
    last = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return Setup(
        tickets=Ticket.objects.count(),
        max_ticket_id=last,
        l1_token=l1_token,
        manager_token=manager_token,
        token_ids=[l1_id, manager_id],
        team_id=int(team_id or 0),
        organization_id=organization.pk if organization else 0,
        keyword=keyword or _generated_keyword(),
    )


def _token(user: Any) -> tuple[str, int]:
    from tierdesk.accounts.models import ApiToken, hash_token

    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name="bench", key_hash=hash_token(raw), hint=raw[:8])
    return raw, token.pk


def _generated_keyword() -> str:
    """The subject keyword bench/generate.py placed in ~1% of tickets."""
    from django.db import connection

    summary = OUT_DIR / f"generate-{connection.settings_dict['NAME']}.json"
    if summary.exists():
        keywords = json.loads(summary.read_text())["keywords"]
        for word, info in keywords.items():
            if info["where"] == "subject" and 0.005 <= info["share"] <= 0.02:
                return str(word)
    return "kerberos"


def cleanup(setup: Setup) -> int:
    """Drop what the run added: the tickets POSTed in (b) and the bench tokens.

    Another session (an SLA sweep, say) may hold locks on those tickets for a long time: give up
    after a while and say what is left rather than hang.
    """
    from django.db import DatabaseError, connection, transaction

    from tierdesk.accounts.models import ApiToken
    from tierdesk.tickets.models import Ticket

    ApiToken.objects.filter(pk__in=setup.token_ids).delete()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '60s'")
            deleted, _ = Ticket.objects.filter(pk__gt=setup.max_ticket_id).delete()
    except DatabaseError as exc:
        print(
            f"bench: could not delete the tickets this run created (id > {setup.max_ticket_id}):"
            f" {exc}; delete them later",
            file=sys.stderr,
        )
        return 0
    return deleted


# ---- gunicorn -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(worker_class: str, env: dict[str, str], log_dir: Path) -> Iterator[tuple[int, int]]:
    """Serve tierdesk.wsgi on a free port; yields (port, master pid); always stops it (by its
    pid) afterwards."""
    port = free_port()
    threads = THREADS if worker_class == "gthread" else 1
    command = [
        str(CHECKOUT / ".venv/bin/gunicorn"), "tierdesk.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
        "--worker-class", worker_class, "--threads", str(threads),
        "--keep-alive", "5", "--log-level", "warning",
    ]  # fmt: skip
    log_path = log_dir / f"gunicorn-{worker_class}.log"
    log = log_path.open("w")
    process = subprocess.Popen(command, env=env, cwd=CHECKOUT, stdout=log, stderr=log)
    try:
        _wait_until_up(port, process, log_path)
        yield port, process.pid
    finally:
        _stop(process)
        log.close()


def _wait_until_up(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"bench: gunicorn exited; see {log_path}")
        try:
            status, _ = request(port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("bench: gunicorn did not answer /healthz within 30 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---- clients ------------------------------------------------------------------------------


def request(
    port: int, method: str, path: str, token: str | None = None, conn: Any = None
) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request(method, path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if own:
        conn.close()
    return response.status, body


def latencies(port: int, path: str, token: str, count: int) -> dict[str, Any]:
    """``count`` sequential requests on one keep-alive connection: p50/p95/p99 in ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(count):
        began = time.perf_counter()
        status, body = request(port, "GET", path, token, conn)
        times.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise SystemExit(f"bench: GET {path} answered {status}: {body[:300]!r}")
    conn.close()
    page = json.loads(body)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "requests": count,
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(max(times), 2),
        "items_on_page": len(page.get("items", [])),
        "has_next": page.get("has_next"),
    }


WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p99\\": %f, "
    .. "\\"errors\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


# ---- where the CPU goes -------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(child) for child in task.read_text().split())
    return found


def _database_backends() -> list[int]:
    """The PostgreSQL server processes serving the bench database, other than ours."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def cpu_meter(web_pid: int) -> Iterator[dict[str, float]]:
    """CPU seconds spent meanwhile by the web server (gunicorn and its workers), by the
    database's server processes for the bench database, and by the load generator (wrk, a
    child of this process). Unlike requests/s this barely moves with other work on the
    machine, so it says where each request's cost goes."""
    web, database = _process_tree(web_pid), _database_backends()
    before = {pid: _cpu_seconds(pid) for pid in web + database}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent: dict[str, float] = {}
    yield spent
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    for name, pids in (("web", web), ("database", _database_backends())):
        spent[name] = sum(_cpu_seconds(pid) - before.get(pid, 0.0) for pid in set(pids))
    spent["load_generator"] = (after_children.ru_utime - children.ru_utime) + (
        after_children.ru_stime - children.ru_stime
    )


def wrk(port: int, path: str, seconds: int, script: str = "", scratch: Path | None = None) -> dict:
    """Run wrk (1 thread, keep-alive connections) and return requests/s and latencies."""
    lua = Path(tempfile.mkstemp(suffix=".lua", dir=scratch)[1])
    lua.write_text(script + WRK_REPORT)
    command = [
        "wrk", "-t1", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(lua), f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    report = json.loads(output.split("JSON ", 1)[1].splitlines()[0])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    report["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    report["requests_per_s"] = round(report["requests"] / report["seconds"], 1)
    report["p50_ms"] = round(report.pop("p50"), 2)
    report["p99_ms"] = round(report.pop("p99"), 2)
    if report["non_2xx"] or report["errors"]:
        raise SystemExit(f"bench: {path} had failures under load: {report}\n{output}")
    return report


def post_script(setup: Setup) -> str:
    body = json.dumps(
        {
            "organization": setup.organization_id,
            "subject": "Bench: printer does not print",
            "body": "Since this morning nothing prints.\n\nWe restarted the spooler.",
        }
    )
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {setup.l1_token}"\n'
    )


# ---- in-process query counts and plans ----------------------------------------------------


def queries_of(path: str, token: str) -> dict[str, Any]:
    """SQL statements one request runs, counted in this process against the same database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="localhost")
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers)  # the first request loads caches: count the second
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"bench: in-process GET {path} answered {response.status_code}")
    statements = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    # The statement worth a plan is the ticket list itself, not the token lookup.
    listing = [s for s in statements if 'FROM "tickets_ticket"' in s[1]] or statements
    slowest = max(listing)[1] if listing else ""
    return {"count": len(statements), "statements": [s for _, s in statements], "slowest": slowest}


def explain(statement: str) -> str:
    from django.db import connection

    if not statement.lstrip().upper().startswith("SELECT"):
        return ""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
        return "\n".join(row[0] for row in cursor.fetchall())


# ---- the run ------------------------------------------------------------------------------


def throughput(port: int, pid: int, setup: Setup, seconds: int, scratch: Path) -> dict[str, Any]:
    wrk(port, "/healthz", 3, scratch=scratch)  # warm up
    with cpu_meter(pid) as healthz_cpu:
        healthz = wrk(port, "/healthz", seconds, scratch=scratch)
    script = post_script(setup)
    wrk(port, "/api/v1/tickets", 3, script, scratch)  # warm up
    with cpu_meter(pid) as create_cpu:
        create = wrk(port, "/api/v1/tickets", seconds, script, scratch)
    for report, spent in ((healthz, healthz_cpu), (create, create_cpu)):
        report["cpu_ms_per_request"] = {
            name: round(1000 * value / report["requests"], 3) for name, value in spent.items()
        }
    ratio = create["requests_per_s"] / healthz["requests_per_s"]
    return {"healthz": healthz, "create_ticket": create, "create_vs_healthz": round(ratio, 3)}


def read_paths(setup: Setup) -> dict[str, tuple[str, str]]:
    queue = f"/api/v1/tickets?team={setup.team_id}&active=true&ordering=queue&page_size=25"
    search = f"/api/v1/tickets?q={setup.keyword}"
    return {
        "queue_l1": (queue, setup.l1_token),
        "search_l1": (search, setup.l1_token),
        "search_manager": (search, setup.manager_token),
    }


def reads(port: int, setup: Setup, count: int, out: Path, label: str = "") -> dict[str, Any]:
    results = {}
    for name, (path, token) in read_paths(setup).items():
        latencies(port, path, token, 20)  # warm up
        result = latencies(port, path, token, count)
        counted = queries_of(path, token)
        result["path"] = path
        result["sql_queries"] = counted["count"]
        plan = explain(counted["slowest"])
        plan_file = out / f"plan-{name}{label}.txt"
        plan_file.write_text(f"{counted['slowest']}\n\n{plan}\n")
        result["slowest_query_plan"] = str(plan_file.relative_to(CHECKOUT))
        results[name] = result
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise SystemExit("bench: wrk is missing (apt-get install -y wrk)")
    scratch = Path(tempfile.mkdtemp(prefix="td-bench-api-"))
    env = configure_environment(args, scratch)
    import django

    django.setup()
    from django.core.management import call_command

    # The schema moves on between generation and benchmark runs: bring the database along.
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    OUT_DIR.mkdir(exist_ok=True)
    setup = prepare(args.keyword)
    classes = ["gthread", "sync"] if args.worker_class == "both" else [args.worker_class]
    report: dict[str, Any] = {"setup": _describe(setup, args)}
    # Other work on the machine skews every figure: record how busy it was.
    report["load_average_before"] = os.getloadavg()
    try:
        # Reads first, on the data as generated: the tickets (b) posts are all alike and none
        # holds the keyword, so afterwards the newest ~15,000 tickets match nothing, which a
        # search walking back from the newest pays for (measured again below, for the record).
        with gunicorn(classes[0], env, scratch) as (port, _):
            report["reads"] = reads(port, setup, args.requests, OUT_DIR)
        report["throughput"] = {}
        for worker_class in classes:
            with gunicorn(worker_class, env, scratch) as (port, pid):
                report["throughput"][worker_class] = throughput(
                    port, pid, setup, args.duration, scratch
                )
        chosen = max(
            classes, key=lambda c: report["throughput"][c]["create_ticket"]["requests_per_s"]
        )
        report["chosen_worker_class"] = chosen
        report["tickets_posted"] = _tickets_posted(setup)
        with gunicorn(chosen, env, scratch) as (port, _):
            report["reads_after_writes"] = reads(
                port, setup, args.requests, OUT_DIR, label="-after-writes"
            )
    finally:
        report["cleanup_deleted_rows"] = cleanup(setup)
    report["load_average_after"] = os.getloadavg()
    return report


def _tickets_posted(setup: Setup) -> int:
    from tierdesk.tickets.models import Ticket

    return Ticket.objects.filter(pk__gt=setup.max_ticket_id).count()


def _describe(setup: Setup, args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    return {
        "database": connection.settings_dict["NAME"],
        "tickets": setup.tickets,
        "keyword": setup.keyword,
        "team_id": setup.team_id,
        "gunicorn_workers": WORKERS,
        "gthread_threads": THREADS,
        "wrk_connections": WRK_CONNECTIONS,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def print_report(report: dict[str, Any]) -> None:
    setup = report["setup"]
    print(f"\nDatabase {setup['database']}: {setup['tickets']:,} tickets; {setup['cpus']} CPUs")
    before, after = report["load_average_before"], report["load_average_after"]
    print(f"load average (1 min) before/after: {before[0]:.1f}/{after[0]:.1f}")
    print(f"{'measure':<44} {'value':>12}  target")
    for worker_class, t in report["throughput"].items():
        print(f"{'a. GET /healthz req/s (' + worker_class + ')':<44} "
              f"{t['healthz']['requests_per_s']:>12,.0f}")  # fmt: skip
        print(f"{'b. POST /api/v1/tickets req/s (' + worker_class + ')':<44} "
              f"{t['create_ticket']['requests_per_s']:>12,.0f}")  # fmt: skip
        print(f"{'   b / a (' + worker_class + ')':<44} {t['create_vs_healthz']:>12.1%}  >= 10%")
        for name in ("healthz", "create_ticket"):
            cpu = t[name]["cpu_ms_per_request"]
            split = (
                f"{cpu['web']:.2f} web + {cpu['database']:.2f} db + {cpu['load_generator']:.2f} wrk"
            )
            print(f"{'   CPU ms per request, ' + name:<44} {split:>12}")
    print(f"chosen worker class: {report['chosen_worker_class']}")
    targets = {"queue_l1": "p95 <= 15 ms, <= 8 queries", "search_l1": "p95 <= 50 ms",
               "search_manager": "p95 <= 50 ms"}  # fmt: skip
    print("reads on the generated data (before b):")
    _print_reads(report["reads"], targets)
    print(f"reads again after b posted {report['tickets_posted']:,} tickets (for the record):")
    _print_reads(report["reads_after_writes"], {name: "" for name in targets})


def _print_reads(reads: dict[str, Any], targets: dict[str, str]) -> None:
    for name, r in reads.items():
        figures = f"{r['p50_ms']:.1f}/{r['p95_ms']:.1f}/{r['p99_ms']:.1f}"
        print(f"{'c/d. ' + name + ' p50/p95/p99 ms':<44} {figures:>12}  {targets[name]}")
        print(f"{'     ' + name + ' SQL queries per request':<44} {r['sql_queries']:>12}")


def main(argv: list[str] | None = None) -> None:
    report = run(parse_args(argv))
    print_report(report)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for name in (f"api-{stamp}.json", "api-latest.json"):
        (OUT_DIR / name).write_text(json.dumps(report, indent=2) + "\n")
    print(f"Written {OUT_DIR / 'api-latest.json'}")


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH_DIR))
    main()
