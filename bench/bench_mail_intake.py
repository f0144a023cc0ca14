"""Mail intake throughput: a mixed corpus through both intake paths into PostgreSQL, one process.

    .venv/bin/python bench/bench_mail_intake.py \
        [--database-url postgres://postgres@127.0.0.1:5432/td_mail_bench10k] [--messages 2000] \
        [--path both|batch|single] [--batch-size 25] [--keep]

Two paths, each fed ``--messages`` messages (capped at 3,000) of a fresh corpus:

- ``batch``: ``mail_ingest_batch``, ``--batch-size`` messages per call, as an IMAP poll (25 per
  fetch) and ``tierdesk ingest-email FILE...`` / mbox imports (50) deliver them;
- ``single``: ``mail_ingest``, one message per call, as LMTP and webhooks deliver them.

The database must already hold tickets (bench/generate.py makes one). The mix, per message:
30 % plain-text new requests (Thunderbird style), 20 % HTML multipart/alternative (Outlook
style), 15 % with attachments (a log file and an inline PNG), 20 % replies by header (In-Reply-To
one of our acknowledgements from this run) and 15 % replies by a ``[TD-…]`` subject tag, each
from a random existing contact. Every message is stored raw, processed, and its acknowledgement
queued as a database task, exactly as in production (no worker runs, so nothing is sent).

Afterwards the run deletes what it made (its stored mail, the tickets it opened with their
messages, events, attachments and search documents, its queued mail and their task rows, the
"bench" mailbox if it made it), unless ``--keep``. Prints per path messages/s (time spent in the
intake call; the bench's own bookkeeping is left out), this process's CPU ms per message, SQL
statements and savepoint statements (SAVEPOINT/RELEASE) per message (BEGIN/COMMIT are not seen
by Django's execute wrapper) and the load average, and writes
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
from collections import Counter
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/td_mail_bench10k"
MAX_MESSAGES = 3000
SAVEPOINT_WORDS = {"SAVEPOINT", "RELEASE", "ROLLBACK"}
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
    parser.add_argument("--path", choices=["both", "batch", "single"], default="both")
    parser.add_argument("--batch-size", type=int, default=25, help="IMAP polls fetch 25")
    parser.add_argument("--keep", action="store_true", help="keep what the run made")
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
    from tierdesk.mail.models import Mailbox
    from tierdesk.tickets.models import Ticket

    count = min(args.messages, MAX_MESSAGES)
    tickets_before = Ticket.objects.count()
    mailbox, made_mailbox = Mailbox.objects.get_or_create(
        name="bench", defaults={"address": "support@bench.test", "is_default": False}
    )
    contacts = list(
        Contact.objects.filter(organization__is_active=True)
        .exclude(email="")
        .order_by("?")
        .values_list("email", "name")[:300]
    )
    paths = ["batch", "single"] if args.path == "both" else [args.path]
    runs = []
    try:
        for path in paths:
            corpus = Corpus(contacts, args.seed)
            runs.append(run_path(path, corpus, count, args.batch_size, mailbox))
    finally:
        if not args.keep:
            for corpus_run in runs:
                cleanup(corpus_run.pop("_run"))
            if made_mailbox:
                mailbox.delete()
                Mailbox.history.filter(name="bench").delete()
    summary = {
        "database": connection.settings_dict["NAME"],
        "tickets_before": tickets_before,
        "messages": count,
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "runs": runs,
    }
    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"mail-intake-{summary['database']}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


def run_path(path: str, corpus: Corpus, count: int, batch_size: int, mailbox: Any) -> dict:
    """Feed ``count`` messages through one path: ``single`` (``mail_ingest``, one by one, as
    LMTP delivers) or ``batch`` (``mail_ingest_batch``, ``batch_size`` at a time, as IMAP polls
    and ``ingest-email`` do)."""
    from django.db import connection

    from tierdesk.mail.batch import Delivery, mail_ingest_batch
    from tierdesk.mail.models import OutboundMail
    from tierdesk.mail.services import mail_ingest
    from tierdesk.tickets.models import Ticket

    statements: Counter[str] = Counter()

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        statements["savepoint" if word in SAVEPOINT_WORDS else "statement"] += 1
        return execute(sql, params, many, context)

    kinds: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    source = f"bench:{corpus.run}"
    seconds = cpu = 0.0
    remaining = count
    size = 1 if path == "single" else batch_size
    while remaining > 0:
        messages = [corpus.next() for _ in range(min(size, remaining))]
        remaining -= len(messages)
        deliveries = [Delivery(raw, f"{source}:{corpus.count}") for _kind, raw in messages]
        t0, c0 = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count_queries):
            if path == "single":
                results = [mail_ingest(d.raw, source=d.source, mailbox=mailbox) for d in deliveries]
            else:
                results = mail_ingest_batch(deliveries, mailbox=mailbox)
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        # Bookkeeping for later replies (outside the measured time): each new ticket's
        # acknowledgement id, as a mail client would quote it.
        for (kind, raw), result in zip(messages, results, strict=True):
            kinds[kind] += 1
            actions[result.action] += 1
            if result.action == "created" and kind in {"plain", "html", "attachments"}:
                ack = OutboundMail.objects.filter(
                    ticket_id=Ticket.pk_from_reference(result.ticket_reference or ""),
                    kind="acknowledgement",
                ).values_list("message_id", flat=True)
                email = raw.split(b"<", 1)[1].split(b">", 1)[0].decode()
                name = raw.split(b"From: ", 1)[1].split(b" <", 1)[0].decode()
                corpus.opened.append(
                    (email, name, result.ticket_reference or "", ack.first() or "")
                )
    return {
        "path": path,
        "batch_size": size,
        "messages": count,
        "ingest_seconds": round(seconds, 2),
        "messages_per_second": round(count / seconds, 1),
        # This process's own CPU per message: less at the mercy of other load than the rate.
        "cpu_ms_per_message": round(1000 * cpu / count, 2),
        "statements_per_message": round(statements["statement"] / count, 2),
        "savepoints_per_message": round(statements["savepoint"] / count, 2),
        "kinds": dict(kinds),
        "actions": dict(actions),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "_run": source,
    }


def cleanup(source: str) -> None:
    """Delete what one run made: its stored mail, the tickets it opened (their messages,
    events, attachments and search documents), its queued mail and their task rows."""
    from django.db import connection, transaction
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    from tierdesk.mail.models import InboundMessage, OutboundMail
    from tierdesk.tickets.models import Attachment, Ticket

    inbound = InboundMessage.objects.filter(Q(source=source) | Q(source__startswith=f"{source}:"))
    ticket_ids = sorted(
        set(inbound.filter(action="created").exclude(ticket=None).values_list("ticket", flat=True))
    )
    outbound_ids = set(
        OutboundMail.objects.filter(ticket__in=ticket_ids).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for attachment in Attachment.objects.filter(ticket__in=ticket_ids):
            attachment.file.delete(save=False)
        for task in DBTaskResult.objects.filter(task_path__contains="mail_send"):
            args = (task.args_kwargs or {}).get("args") or []
            flat = args[0] if args and isinstance(args[0], list) else args
            if flat and set(flat) <= outbound_ids:
                task.delete()
        inbound.delete()
        for start in range(0, len(ticket_ids), 500):
            chunk = ticket_ids[start : start + 500]
            Ticket.objects.filter(pk__in=chunk).delete()
            with connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM tickets_search WHERE ticket_id IN ({marks})", chunk)


if __name__ == "__main__":
    raise SystemExit(main())
