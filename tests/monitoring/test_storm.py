"""An alert storm into a real ``tierdesk web`` (gunicorn, 2 workers) on 127.0.0.1, killed with
SIGKILL halfway and started again; every payload is then sent again, as Alertmanager does with
the groups it could not deliver. Nothing is lost (every group has its ticket and every alert)
and nothing is duplicated (one ticket per group)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.test_cli import LOCAL, free_port, fresh_installation, wait_for

GROUPS = 30
ALERTS = 4  # per group; each group's payloads grow from 1 to ALERTS alerts
SENDERS = 4

SETUP = """
from tierdesk.accounts.models import Team
from tierdesk.accounts.principal import SYSTEM
from tierdesk.crm.models import Organization
from tierdesk.monitoring.services import source_create
vendor = Organization.objects.create(name="Vendor", kind="vendor")
Team.objects.create(name="NOC", slug="noc", organization=vendor)
source, token = source_create(actor=SYSTEM, name="storm", slug="storm", kind="alertmanager")
print("TOKEN=" + token)
"""

TALLY = """
import json
from tierdesk.monitoring.models import AlertGroup
from tierdesk.tickets.models import Ticket
groups = list(AlertGroup.objects.values("group_key", "ticket_id", "alerts", "is_open"))
print("TALLY=" + json.dumps({
    "tickets": Ticket.objects.filter(channel="monitoring").count(),
    "groups": len(groups),
    "keys": len({g["group_key"] for g in groups}),
    "without_ticket": sum(1 for g in groups if g["ticket_id"] is None),
    "alerts": sum(len(g["alerts"]) for g in groups),
    "open": sum(1 for g in groups if g["is_open"]),
}))
"""


def tierdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it (a longer patience than test_cli's: ``migrate`` of a
    fresh PostgreSQL database takes minutes on a busy two-core machine)."""
    return subprocess.run(
        [sys.executable, "-m", "tierdesk.cli", *args], env=env, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip


def storm_payload(group: int, alerts: int) -> bytes:
    """Alertmanager's v4 body for group ``group`` with its first ``alerts`` alerts firing."""
    items = [
        {
            "status": "firing",
            "labels": {"alertname": f"Storm{group}", "instance": f"host{group}-{a}:9100",
                       "severity": "warning"},
            "annotations": {"summary": f"storm alert {group}/{a}"},
            "startsAt": "2026-12-06T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": f"fp-{group}-{a}",
        }
        for a in range(alerts)
    ]  # fmt: skip
    body = {
        "version": "4", "groupKey": f'{{}}:{{alertname="Storm{group}"}}', "truncatedAlerts": 0,
        "status": "firing", "receiver": "tierdesk", "groupLabels": {"alertname": f"Storm{group}"},
        "commonLabels": {"alertname": f"Storm{group}"}, "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093", "alerts": items,
    }  # fmt: skip
    return json.dumps(body).encode()


def post(url: str, token: str, body: bytes) -> int | None:
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    try:
        with LOCAL.open(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None  # the server died under us


def send_all(url: str, token: str, payloads: list[bytes], on_answer: Any = None) -> list[Any]:
    """``SENDERS`` threads post the payloads; the status of each (``None``: not delivered)."""
    work: queue.Queue[tuple[int, bytes]] = queue.Queue()
    for item in enumerate(payloads):
        work.put(item)
    answers: list[Any] = [None] * len(payloads)

    def sender() -> None:
        while True:
            try:
                index, body = work.get_nowait()
            except queue.Empty:
                return
            answers[index] = post(url, token, body)
            if on_answer is not None:
                on_answer()

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


def start_web(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        web = subprocess.Popen(
            [sys.executable, "-m", "tierdesk.cli", "web", "--bind", f"127.0.0.1:{port}",
             "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    assert wait_for(f"http://127.0.0.1:{port}/healthz", 200, within=90, process=web), (
        log.read_text()
    )
    return web


def shell(env: dict[str, str], code: str, marker: str) -> str:
    result = tierdesk(env, "manage", "shell", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if line.startswith(marker))[
        len(marker) :
    ]


def test_a_storm_killed_halfway_and_sent_again_loses_and_duplicates_nothing(tmp_path: Path):
    payloads = [storm_payload(g, a) for a in range(1, ALERTS + 1) for g in range(GROUPS)]
    with fresh_installation(tmp_path) as env:
        assert tierdesk(env, "migrate").returncode == 0
        token = shell(env, SETUP, "TOKEN=")
        port = free_port()
        url = f"http://127.0.0.1:{port}/api/v1/monitoring/storm"
        log = tmp_path / "web.log"
        web = start_web(env, port, log)
        answered = [0]
        killed = threading.Event()

        def kill_halfway() -> None:
            answered[0] += 1
            if answered[0] >= len(payloads) // 2 and not killed.is_set():
                killed.set()
                os.killpg(web.pid, signal.SIGKILL)

        try:
            first = send_all(url, token, payloads, on_answer=kill_halfway)
        finally:
            if not killed.is_set():
                os.killpg(web.pid, signal.SIGKILL)
            web.wait(timeout=30)
        assert killed.is_set()
        assert any(status is None for status in first)  # the kill cut some off

        web = start_web(env, port, log)
        try:
            again = send_all(url, token, payloads)
            assert again == [200] * len(payloads), log.read_text()[-3000:]
        finally:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)

        tally = json.loads(shell(env, TALLY, "TALLY="))
    assert tally == {"tickets": GROUPS, "groups": GROUPS, "keys": GROUPS, "without_ticket": 0,
                     "alerts": GROUPS * ALERTS, "open": GROUPS}  # fmt: skip
