"""Mail intake throughput: a mixed corpus through the intake paths into PostgreSQL, one process.

    .venv/bin/python bench/bench_mail_intake.py \
        [--database-url postgres://postgres@127.0.0.1:5432/td_mail_bench10k] [--messages 2000] \
        [--path both|all|batch|single|lmtp] [--batch-size 25] [--connections 10] [--keep]

Three paths (``both`` runs batch and single, ``all`` the three), each fed ``--messages``
messages (capped at 3,000) of a fresh corpus:

- ``batch``: ``mail_ingest_batch``, ``--batch-size`` messages per call, as an IMAP poll (25 per
  fetch) and ``tierdesk ingest-email FILE...`` / mbox imports (50) deliver them;
- ``single``: ``mail_ingest``, one message per call, as webhooks deliver them;
- ``lmtp``: the LMTP listener (``IntakeController``, group commit) started in this process on a
  free 127.0.0.1 port, the messages delivered by an MTA process of the bench's over
  ``--connections`` concurrent ``smtplib.LMTP`` connections (Postfix uses up to ~20). They are
  delivered in rounds of 10 per connection; between rounds (outside the measured time) the run
  notes the new tickets for later replies, as the other paths do between calls.

The database must already hold tickets (bench/generate.py makes one). The mix, per message:
30 % plain-text new requests (Thunderbird style), 20 % HTML multipart/alternative (Outlook
style), 15 % with attachments (a log file, different in each message, and an inline PNG, the
same in each as a signature's logo is, so stored once), 20 % replies by header (In-Reply-To
one of our acknowledgements from this run) and 15 % replies by a ``[TD-…]`` subject tag, each
from a random existing contact. Every message is stored raw, processed, and its acknowledgement
queued as a database task, exactly as in production (no worker runs, so nothing is sent).

Afterwards the run deletes what it made (its stored mail, the tickets it opened with their
messages, events, attachments and search documents, its queued mail and their task rows, the
"bench" mailbox if it made it), unless ``--keep``. Prints per path messages/s (time spent in the
intake call, or for ``lmtp`` in the rounds of deliveries; the bench's own bookkeeping is left
out), this process's CPU ms per message, SQL statements and savepoint statements
(SAVEPOINT/RELEASE) per message (BEGIN/COMMIT are not seen by Django's execute wrapper) and the
load average, and writes bench/out/mail-intake-<database>.json. For ``lmtp`` the CPU is the
listener's (its event loop and intake thread: the process's, less the client threads', which
are reported apart as the MTA's share), the statements are the intake thread's, and the
batches the intake made are counted (``mean_batch_size``: how much the group commit coalesced).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import random
import smtplib
import socket
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/td_mail_bench10k"
MAX_MESSAGES = 3000
PATHS = {"both": ["batch", "single"], "all": ["batch", "single", "lmtp"]}
ROUND_PER_CONNECTION = 10  # LMTP deliveries per connection between two bookkeeping pauses
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
    parser.add_argument(
        "--path", choices=["both", "all", "batch", "single", "lmtp"], default="both"
    )
    parser.add_argument("--batch-size", type=int, default=25, help="IMAP polls fetch 25")
    parser.add_argument(
        "--connections", type=int, default=10, help="concurrent LMTP connections, as an MTA's"
    )
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
    runs = []
    try:
        for path in PATHS.get(args.path, [args.path]):
            corpus = Corpus(contacts, args.seed)
            if path == "lmtp":
                runs.append(run_lmtp(corpus, count, args.connections))
            else:
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
    webhooks deliver) or ``batch`` (``mail_ingest_batch``, ``batch_size`` at a time, as IMAP polls
    and ``ingest-email`` do)."""
    from django.db import connection

    from tierdesk.mail.batch import Delivery, mail_ingest_batch
    from tierdesk.mail.services import mail_ingest

    statements: Counter[str] = Counter()
    count_queries = counting(statements)
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
        note(corpus, messages, results, kinds, actions)
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
        "_run": corpus.run,
    }


def counting(statements: Counter[str]) -> Any:
    """An execute wrapper counting statements and savepoint statements apart."""

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        word = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
        statements["savepoint" if word in SAVEPOINT_WORDS else "statement"] += 1
        return execute(sql, params, many, context)

    return count_queries


def note(
    corpus: Corpus, messages: list[tuple[str, bytes]], results: list[Any],
    kinds: Counter[str], actions: Counter[str],
) -> None:  # fmt: skip
    """Bookkeeping for later replies (outside the measured time): each new ticket's
    acknowledgement id, as a mail client would quote it."""
    from tierdesk.mail.models import OutboundMail
    from tierdesk.tickets.models import Ticket

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
            corpus.opened.append((email, name, result.ticket_reference or "", ack.first() or ""))


class CountedIntake:
    """The listener's ``mail_ingest_batch``, counting (in its intake thread) the statements,
    the thread's CPU and the size of each batch."""

    def __init__(self, ingest: Any):
        self.ingest = ingest
        self.statements: Counter[str] = Counter()
        self.sizes: list[int] = []
        self.cpu = 0.0

    def __call__(self, deliveries: Any, **kwargs: Any) -> Any:
        from django.db import connection

        c0 = time.thread_time()
        try:
            with connection.execute_wrapper(counting(self.statements)):
                return self.ingest(deliveries, **kwargs)
        finally:
            self.cpu += time.thread_time() - c0
            self.sizes.append(len(deliveries))


def run_lmtp(corpus: Corpus, count: int, connections: int) -> dict:
    """Deliver ``count`` messages to the LMTP listener, started here, over ``connections``
    concurrent connections of an MTA in a process of its own, as in production (its client
    threads would otherwise take the listener's GIL)."""
    from tierdesk.mail import lmtp

    counted = CountedIntake(lmtp.mail_ingest_batch)
    lmtp.mail_ingest_batch = counted  # type: ignore[assignment]
    controller = lmtp.IntakeController(host="127.0.0.1", port=free_port())
    controller.start()
    try:
        with Mta(controller.port, connections) as mta:
            run = deliver_rounds(corpus, count, mta)
    finally:
        controller.stop()
        lmtp.mail_ingest_batch = counted.ingest
    seconds, cpu, client_cpu = run.pop("seconds"), run.pop("cpu"), run.pop("client_cpu")
    return {
        "path": "lmtp",
        "connections": connections,
        "messages": count,
        "ingest_seconds": round(seconds, 2),
        "messages_per_second": round(count / seconds, 1),
        "cpu_ms_per_message": round(1000 * cpu / count, 2),
        "intake_thread_cpu_ms_per_message": round(1000 * counted.cpu / count, 2),
        "mta_cpu_ms_per_message": round(1000 * client_cpu / count, 2),
        "statements_per_message": round(counted.statements["statement"] / count, 2),
        "savepoints_per_message": round(counted.statements["savepoint"] / count, 2),
        "batches": len(counted.sizes),
        "mean_batch_size": round(sum(counted.sizes) / max(1, len(counted.sizes)), 2),
        "largest_batch": max(counted.sizes, default=0),
        **run,
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "_run": corpus.run,
    }


def deliver_rounds(corpus: Corpus, count: int, mta: Mta) -> dict:
    """Rounds of ``ROUND_PER_CONNECTION`` messages per connection, all connections at once;
    only the rounds are timed (the listener's process CPU: this one's)."""
    kinds: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    seconds = cpu = client_cpu = 0.0
    remaining = count
    while remaining > 0:
        messages = [
            corpus.next() for _ in range(min(ROUND_PER_CONNECTION * mta.connections, remaining))
        ]
        remaining -= len(messages)
        t0, c0 = time.perf_counter(), time.process_time()
        replies, round_client_cpu = mta.deliver([raw for _kind, raw in messages])
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        client_cpu += round_client_cpu
        note(corpus, messages, [result_of_reply(*reply) for reply in replies], kinds, actions)
    return {
        "seconds": seconds, "cpu": cpu, "client_cpu": client_cpu,
        "kinds": dict(kinds), "actions": dict(actions),
    }  # fmt: skip


def result_of_reply(code: int, text: str) -> Any:
    """The listener's answer ("2.0.0 created TD-123") as the intake's result."""
    from tierdesk.mail.services import IngestResult

    words = text.split()
    if code != 250 or len(words) < 2:
        return IngestResult(f"answered {code}")
    return IngestResult(words[1], words[2] if len(words) > 2 else None)


class Mta:
    """The sending MTA: a process of its own (spawned: it holds no Django, no database
    connection) with ``connections`` LMTP connections kept open across rounds."""

    def __init__(self, port: int, connections: int):
        self.connections = connections
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=mta_main, args=(port, connections, child))

    def __enter__(self) -> Mta:
        self.process.start()
        if self.pipe.recv() != "ready":
            raise SystemExit("bench: the MTA process could not connect")
        return self

    def __exit__(self, *exc: object) -> None:
        self.pipe.send(None)
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()

    def deliver(self, raws: list[bytes]) -> tuple[list[tuple[int, str]], float]:
        """Deliver one round; the replies in order, and the MTA's CPU seconds for it."""
        self.pipe.send(raws)
        replies, cpu = self.pipe.recv()
        return replies, cpu


def mta_main(port: int, connections: int, pipe: Any) -> None:
    """The MTA process: each round, every connection takes the next message as soon as it has
    its answer, until none is left."""
    clients = [LmtpClient(port) for _ in range(connections)]
    pipe.send("ready")
    with ThreadPoolExecutor(connections) as pool:
        while (raws := pipe.recv()) is not None:
            c0 = time.process_time()
            work: queue.SimpleQueue[tuple[int, bytes]] = queue.SimpleQueue()
            for index, raw in enumerate(raws):
                work.put((index, raw))
            replies: list[Any] = [None] * len(raws)
            list(pool.map(LmtpClient.drain, clients, repeat(work), repeat(replies)))
            pipe.send((replies, time.process_time() - c0))
    for client in clients:
        client.close()


class LmtpClient:
    """One of the MTA's connections, kept open across deliveries (Postfix caches them)."""

    def __init__(self, port: int):
        self.smtp = smtplib.LMTP("127.0.0.1", port)
        self.smtp.ehlo_or_helo_if_needed()

    def drain(self, work: queue.SimpleQueue[tuple[int, bytes]], replies: list[Any]) -> None:
        """Deliver from ``work`` until it is empty, each reply at its message's place."""
        while True:
            try:
                index, raw = work.get_nowait()
            except queue.Empty:
                return
            replies[index] = self.deliver(raw)

    def deliver(self, raw: bytes) -> tuple[int, str]:
        sender = raw.split(b"<", 1)[1].split(b">", 1)[0].decode()
        self.smtp.mail(sender)
        self.smtp.rcpt("support@bench.test")
        # Every line ends in CRLF, as an MTA sends it (Postfix keeps lines, not bytes): the
        # corpus's log attachment has bare LFs, one line too long for SMTP otherwise.
        code, text = self.smtp.data(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        return code, text.decode()

    def close(self) -> None:
        self.smtp.quit()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cleanup(run: str) -> None:
    """Delete what one run made: its stored mail (by its source, or for LMTP deliveries by the
    run's Message-IDs), the tickets it opened (their messages, events, attachments and search
    documents), its queued mail and their task rows."""
    from django.db import connection, transaction
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    from tierdesk.mail.models import InboundMessage, OutboundMail
    from tierdesk.tickets.models import Attachment, Ticket

    inbound = InboundMessage.objects.filter(
        Q(source__startswith=f"bench:{run}") | Q(message_id__startswith=f"bench-{run}-")
    )
    ticket_ids = sorted(
        set(inbound.filter(action="created").exclude(ticket=None).values_list("ticket", flat=True))
    )
    outbound_ids = set(
        OutboundMail.objects.filter(ticket__in=ticket_ids).values_list("pk", flat=True)
    )
    with transaction.atomic():
        # Files are stored once per content: keep those that another ticket's attachment uses.
        ours = Attachment.objects.filter(ticket__in=ticket_ids)
        kept = set(
            Attachment.objects.exclude(ticket__in=ticket_ids)
            .filter(file__in=ours.values("file"))
            .values_list("file", flat=True)
        )
        for attachment in ours:
            if attachment.file.name not in kept:
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
