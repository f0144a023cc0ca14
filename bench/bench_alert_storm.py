"""Alert storm into one ``tierdesk web`` (2 gthread workers) on 127.0.0.1.

    flock /tmp/bench.lock .venv/bin/python bench/bench_alert_storm.py \
        [--database-url postgres://postgres@127.0.0.1:5432/tierdesk_bench] \
        [--groups 500] [--alerts 20] [--waves 4] [--senders 8] [--repeat-seconds 15]

a. Storm: GROUPS x ALERTS firing Alertmanager alerts (default 500 x 20 = 10,000). Each group's
   alerts arrive in WAVES payloads that grow as Alertmanager's do (wave k carries the first
   k/WAVES of the group's alerts), posted by SENDERS concurrent senders (keep-alive
   connections). Measured: wall time from the first post to the last answer; then checked:
   tickets opened (= GROUPS), duplicate groups (0), alerts kept (= GROUPS x ALERTS).
b. Repeats: the last wave's payloads again and again (nothing new: the dedupe path), by the
   same senders for REPEAT_SECONDS; payloads/s and p50/p95 latency.

A source is made for the run; its alert groups, the tickets they opened (ids above the run's
start) and the source are deleted afterwards, so runs can repeat on the same data. The web
server is stopped by the pid this script started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
CHECKOUT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tierdesk_bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--alerts", type=int, default=20, help="alerts per group")
    parser.add_argument("--waves", type=int, default=4, help="payloads per group in the storm")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--repeat-seconds", type=float, default=15.0)
    return parser.parse_args(argv)


def storm_payload(run: str, group: int, alerts: int) -> bytes:
    items = [
        {
            "status": "firing",
            "labels": {"alertname": f"Storm{group}", "instance": f"node{group}-{a}:9100",
                       "severity": "warning", "job": "node"},
            "annotations": {"summary": f"storm alert {group}/{a}"},
            "startsAt": "2026-12-06T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": f"{run}-{group}-{a}",
        }
        for a in range(alerts)
    ]  # fmt: skip
    body = {
        "version": "4", "groupKey": f'{{}}:{{alertname="Storm{group}",run="{run}"}}',
        "truncatedAlerts": 0, "status": "firing", "receiver": "tierdesk",
        "groupLabels": {"alertname": f"Storm{group}"}, "commonLabels": {"job": "node"},
        "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "alerts": items,
    }  # fmt: skip
    return json.dumps(body).encode()


# ---- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_web(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        web = subprocess.Popen(
            [str(CHECKOUT / ".venv/bin/python"), "-m", "tierdesk.cli", "web",
             "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env, cwd=CHECKOUT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise SystemExit(f"bench: tierdesk web exited; see {log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return web
        except OSError:
            time.sleep(0.3)
    web.terminate()
    raise SystemExit("bench: tierdesk web did not answer /healthz within 90 s")


def stop_web(web: subprocess.Popen[bytes]) -> None:
    if web.poll() is None:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()


# ---- senders ------------------------------------------------------------------------------


class Senders:
    """N threads with one keep-alive connection each, posting bodies from a shared list."""

    def __init__(self, port: int, path: str, token: str, count: int):
        self.port, self.path, self.count = port, path, count
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post_all(self, bodies: list[bytes]) -> tuple[list[int], list[float]]:
        """Each body once; the statuses and latencies (seconds)."""
        lock, position = threading.Lock(), [0]
        statuses: list[int] = []
        latencies: list[float] = []

        def take() -> bytes | None:
            with lock:
                if position[0] >= len(bodies):
                    return None
                position[0] += 1
                return bodies[position[0] - 1]

        self._run(take, statuses, latencies, lock)
        return statuses, latencies

    def post_for(self, bodies: list[bytes], seconds: float) -> tuple[list[int], list[float], float]:
        """Cycle through the bodies for ``seconds``; statuses, latencies, elapsed."""
        lock, position = threading.Lock(), [0]
        statuses: list[int] = []
        latencies: list[float] = []
        end = time.monotonic() + seconds

        def take() -> bytes | None:
            if time.monotonic() >= end:
                return None
            with lock:
                position[0] += 1
                return bodies[position[0] % len(bodies)]

        started = time.monotonic()
        self._run(take, statuses, latencies, lock)
        return statuses, latencies, time.monotonic() - started

    def _run(self, take: Any, statuses: list[int], latencies: list[float], lock: Any) -> None:
        def sender() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            while (body := take()) is not None:
                started = time.perf_counter()
                try:
                    connection.request("POST", self.path, body=body, headers=self.headers)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    status = 0
                with lock:
                    statuses.append(status)
                    latencies.append(time.perf_counter() - started)
            connection.close()

        threads = [threading.Thread(target=sender) for _ in range(self.count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


# ---- data ---------------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    sys.path.insert(0, str(CHECKOUT / "src"))
    import django

    django.setup()


def tally(source: Any, alerts_expected: int) -> dict[str, Any]:
    from tierdesk.monitoring.models import AlertGroup

    groups = list(AlertGroup.objects.filter(source=source).values("group_key", "ticket_id",
                                                                  "alerts"))  # fmt: skip
    tickets = {g["ticket_id"] for g in groups if g["ticket_id"] is not None}
    return {
        "tickets": len(tickets),
        "groups": len(groups),
        "duplicate_groups": len(groups) - len({g["group_key"] for g in groups}),
        "groups_without_ticket": sum(1 for g in groups if g["ticket_id"] is None),
        "alerts_kept": sum(len(g["alerts"]) for g in groups),
        "alerts_lost": alerts_expected - sum(len(g["alerts"]) for g in groups),
    }


def cleanup(source: Any, max_ticket_id: int) -> int:
    """Delete the run's alert groups, the tickets they opened and the source."""
    from django.db import connection

    from tierdesk.monitoring.models import AlertGroup
    from tierdesk.tickets.models import Ticket

    ticket_ids = list(
        AlertGroup.objects.filter(source=source, ticket_id__gt=max_ticket_id).values_list(
            "ticket_id", flat=True
        )
    )
    AlertGroup.objects.filter(source=source).delete()
    if connection.vendor == "postgresql":
        deleted = delete_rows(Ticket._meta.db_table, ticket_ids)
    else:
        deleted, _ = Ticket.objects.filter(pk__in=ticket_ids).delete()
    source.delete()
    return deleted


def delete_rows(table: str, ids: list[int]) -> int:
    """Delete rows and, first, every row that references them, following the foreign keys the
    database has (not the models Django knows: an app whose tables are not migrated in this
    database would make the ORM's cascade fail)."""
    from django.db import connection

    if not ids:
        return 0
    deleted = 0
    with connection.cursor() as cursor:
        cursor.execute(REFERENCES, [table])
        references = cursor.fetchall()
        for child, column in references:
            if child == table:
                continue
            cursor.execute(f'SELECT id FROM "{child}" WHERE "{column}" = ANY(%s)', [ids])
            deleted += delete_rows(child, [row[0] for row in cursor.fetchall()])
        cursor.execute(f'DELETE FROM "{table}" WHERE id = ANY(%s)', [ids])
        deleted += cursor.rowcount
    return deleted


# The (table, column) pairs whose foreign key points at a table's id.
REFERENCES = """
SELECT child.relname, attribute.attname
FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid
JOIN pg_class parent ON parent.oid = c.confrelid
JOIN pg_attribute attribute ON attribute.attrelid = c.conrelid AND attribute.attnum = c.conkey[1]
WHERE c.contype = 'f' AND parent.relname = %s
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args.database_url)
    from django.db import connection
    from django.db.models import Max

    from tierdesk.accounts.principal import SYSTEM
    from tierdesk.monitoring.services import source_create
    from tierdesk.tickets.models import Ticket

    run = f"r{os.getpid()}"
    source, token = source_create(actor=SYSTEM, name=f"bench {run}", slug=f"bench-{run}",
                                  kind="alertmanager")  # fmt: skip
    max_ticket_id = Ticket.objects.aggregate(top=Max("id"))["top"] or 0
    ticket_count = Ticket.objects.count() if connection.vendor != "postgresql" else None
    connection.close()
    env = {**os.environ, "DATABASE_URL": args.database_url, "TIERDESK_WEB_ACCESS_LOG": "0"}
    port = free_port()
    OUT_DIR.mkdir(exist_ok=True)
    web = start_web(env, port, OUT_DIR / "alert-storm-web.log")
    before = ticket_count or f"max id {max_ticket_id}"
    report: dict[str, Any] = {"database": args.database_url.rsplit("/", 1)[-1], "before": before}
    try:
        senders = Senders(port, f"/api/v1/monitoring/{source.slug}", token, args.senders)
        waves = [
            [storm_payload(run, g, args.alerts * (w + 1) // args.waves) for g in range(args.groups)]
            for w in range(args.waves)
        ]
        storm = [body for wave in waves for body in wave]
        started = time.monotonic()
        statuses, latencies = senders.post_all(storm)
        elapsed = time.monotonic() - started
        report["storm"] = {
            "alerts": args.groups * args.alerts, "groups": args.groups, "payloads": len(storm),
            "senders": args.senders, "seconds": round(elapsed, 2),
            "payloads_per_s": round(len(storm) / elapsed, 1),
            "non_200": sum(1 for s in statuses if s != 200),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            **tally(source, args.groups * args.alerts),
        }  # fmt: skip
        statuses, latencies, elapsed = senders.post_for(waves[-1], args.repeat_seconds)
        report["repeats"] = {
            "payloads": len(statuses), "seconds": round(elapsed, 2),
            "payloads_per_s": round(len(statuses) / elapsed, 1),
            "non_200": sum(1 for s in statuses if s != 200),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "tickets_after": tally(source, args.groups * args.alerts)["tickets"],
        }  # fmt: skip
    finally:
        stop_web(web)
        print(json.dumps(report, indent=2), flush=True)
        print(f"cleanup: {cleanup(source, max_ticket_id)} rows deleted", flush=True)
    storm_ok = report["storm"]["seconds"] <= 30 and report["storm"]["tickets"] == args.groups
    print(
        f"storm: {report['storm']['seconds']} s for {args.groups * args.alerts} alerts, "
        f"{report['storm']['tickets']} tickets, {report['storm']['duplicate_groups']} duplicates, "
        f"{report['storm']['alerts_lost']} lost ({'ok' if storm_ok else 'OVER TARGET'}); "
        f"repeats: {report['repeats']['payloads_per_s']} payloads/s "
        f"({'ok' if report['repeats']['payloads_per_s'] >= 300 else 'UNDER TARGET'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
