"""Mail intake throughput: a mixed corpus through ``mail_ingest`` into PostgreSQL, one process.

    .venv/bin/python bench/bench_mail_intake.py \
        [--database-url postgres://postgres@127.0.0.1:5432/td_mail_bench10k] [--messages 2000]

The database must already hold tickets (bench/generate.py makes one). The mix, per message:
30 % plain-text new requests (Thunderbird style), 20 % HTML multipart/alternative (Outlook
style), 15 % with attachments (a log file and an inline PNG), 20 % replies by header (In-Reply-To
one of our acknowledgements from this run) and 15 % replies by a ``[TD-…]`` subject tag, each
from a random existing contact. Every message is stored raw, processed, and its acknowledgement
queued as a database task, exactly as in production (no worker runs, so nothing is sent).

It adds rows (the ingested mail, their tickets, a "bench" mailbox) and changes nothing else; at
most --messages (capped at 3,000) messages per run. Prints messages/s (time spent in
``mail_ingest``; the bench's own bookkeeping is left out), SQL statements per message by kind
(BEGIN/COMMIT/SAVEPOINT are not counted) and the load average, and writes
bench/out/mail-intake-<database>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/td_mail_bench10k"
MAX_MESSAGES = 3000
MIX = [("plain", 30), ("html", 20), ("attachments", 15), ("reply_header", 20), ("reply_tag", 15)]
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
    "awAAAABJRU5ErkJggg=="
)
LOG_LINES = "\n".join(f"2026-12-01 02:14:{i:02d} ERROR media gateway timeout" for i in range(40))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("TIERDESK_DATA_DIR", "/tmp/td-mail-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BENCH_DIR.parent / "src"))
    import django

    django.setup()


class Corpus:
    """Messages of the mix, made on the fly (replies need this run's tickets and ids)."""

    def __init__(self, contacts: list[tuple[str, str]], seed: int):
        self.random = random.Random(seed)
        self.contacts = contacts
        self.run = uuid.uuid4().hex[:8]
        self.count = 0
        self.opened: list[tuple[str, str, str, str]] = []  # (email, name, reference, ack id)

    def next(self) -> tuple[str, bytes]:
        kinds, weights = zip(*MIX, strict=True)
        kind = self.random.choices(kinds, weights)[0]
        if kind.startswith("reply") and not self.opened:
            kind = "plain"
        self.count += 1
        return kind, getattr(self, kind)()

    def _head(self, email: str, name: str, subject: str, extra: str = "") -> str:
        mid = f"<bench-{self.run}-{self.count}@{email.rpartition('@')[2]}>"
        return (
            f"From: {name} <{email}>\r\nTo: support@bench.test\r\nSubject: {subject}\r\n"
            f"Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: {mid}\r\nMIME-Version: 1.0\r\n"
            + extra
        )

    def _someone(self) -> tuple[str, str]:
        return self.random.choice(self.contacts)

    def plain(self) -> bytes:
        email, name = self._someone()
        head = self._head(email, name, f"Calls drop after 30 seconds ({self.count})")
        body = "Hello support,\r\n\r\nsince this morning every outbound call drops.\r\n" * 3
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()

    def html(self) -> bytes:
        email, name = self._someone()
        head = self._head(email, name, f"Dashboard shows wrong totals ({self.count})")
        return (
            head + 'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\nThe wallboard shows 0 calls.\r\n"
            "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<html><body><p>The <b>wallboard</b> shows 0 calls.</p></body></html>\r\n--alt--\r\n"
        ).encode()

    def attachments(self) -> bytes:
        email, name = self._someone()
        head = self._head(email, name, f"Logs from the crash ({self.count})")
        return (
            head + 'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n--mix\r\n'
            "Content-Type: text/plain; charset=utf-8\r\n\r\nLogs attached.\r\n--mix\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Disposition: attachment; filename*=UTF-8''gateway%20log.txt\r\n\r\n"
            + LOG_LINES
            + f"\r\n{self.run}-{self.count}\r\n--mix\r\n"
            "Content-Type: image/png\r\nContent-ID: <shot@bench>\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + PNG + "\r\n--mix--\r\n"
        ).encode()

    def reply_header(self) -> bytes:
        email, name, _reference, ack = self.random.choice(self.opened)
        extra = f"In-Reply-To: <{ack}>\r\nReferences: <{ack}>\r\n"
        head = self._head(email, name, "Re: your request", extra)
        body = "More details: SIP 408.\r\n\r\nOn Tue, Support wrote:\r\n> old text\r\n"
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()

    def reply_tag(self) -> bytes:
        email, name, reference, _ack = self.random.choice(self.opened)
        head = self._head(email, name, f"Re: [{reference}] Calls drop")
        return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\nStill broken.\r\n").encode()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup(args.database_url)
    from django.db import connection

    from tierdesk.crm.models import Contact
    from tierdesk.mail.models import Mailbox, OutboundMail
    from tierdesk.mail.services import mail_ingest
    from tierdesk.tickets.models import Ticket

    count = min(args.messages, MAX_MESSAGES)
    tickets_before = Ticket.objects.count()
    mailbox, _ = Mailbox.objects.get_or_create(
        name="bench", defaults={"address": "support@bench.test", "is_default": False}
    )
    contacts = list(
        Contact.objects.filter(organization__is_active=True)
        .exclude(email="")
        .order_by("?")
        .values_list("email", "name")[:300]
    )
    corpus = Corpus(contacts, args.seed)
    per_kind: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    actions: Counter[str] = Counter()
    executed = [0]

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    cpu = 0.0
    for _ in range(count):
        kind, raw = corpus.next()
        t0, c0 = time.perf_counter(), time.process_time()
        before = executed[0]
        with connection.execute_wrapper(count_queries):
            result = mail_ingest(raw, source="bench", mailbox=mailbox)
        per_kind[kind].append(time.perf_counter() - t0)
        cpu += time.process_time() - c0
        queries[kind].append(executed[0] - before)
        actions[result.action] += 1
        if result.action == "created" and kind in {"plain", "html", "attachments"}:
            ack = OutboundMail.objects.filter(
                ticket_id=Ticket.pk_from_reference(result.ticket_reference or ""),
                kind="acknowledgement",
            ).values_list("message_id", flat=True)
            email = raw.split(b"<", 1)[1].split(b">", 1)[0].decode()
            name = raw.split(b"From: ", 1)[1].split(b" <", 1)[0].decode()
            corpus.opened.append((email, name, result.ticket_reference or "", ack.first() or ""))
    elapsed = time.perf_counter() - started
    # The rate is of mail_ingest alone; the bench's own bookkeeping (looking up each new
    # ticket's acknowledgement for later replies) is in "seconds" but not in the rate.
    ingesting = sum(sum(times) for times in per_kind.values())
    summary = {
        "database": connection.settings_dict["NAME"],
        "tickets_before": tickets_before,
        "messages": count,
        "seconds": round(elapsed, 2),
        "ingest_seconds": round(ingesting, 2),
        "messages_per_second": round(count / ingesting, 1),
        # This process's own CPU per message: less at the mercy of other load than the rate.
        "cpu_ms_per_message": round(1000 * cpu / count, 2),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "actions": dict(actions),
        "by_kind": {
            kind: {
                "count": len(times),
                "ms_mean": round(1000 * sum(times) / len(times), 2),
                "queries_mean": round(sum(queries[kind]) / len(queries[kind]), 1),
            }
            for kind, times in sorted(per_kind.items())
        },
    }
    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"mail-intake-{summary['database']}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
