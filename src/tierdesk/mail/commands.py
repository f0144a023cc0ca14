"""What ``tierdesk ingest-email``, ``mail-poll`` and ``mail-lmtp`` do (their names and arguments
are in ``tierdesk.mail.cli``). Imported by ``tierdesk.cli`` once Django is set up."""

from __future__ import annotations

import argparse
import json
import mailbox as mbox_format
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import close_old_connections

from tierdesk.mail.batch import Delivery, mail_ingest_batch
from tierdesk.mail.imap import mailbox_poll
from tierdesk.mail.lmtp import serve
from tierdesk.mail.models import Mailbox


def _print(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


# ---- ingest-email --------------------------------------------------------------------------


# Messages per batch (one INSERT of the raw messages, one processing transaction), and the
# bytes after which a batch is processed early (an mbox of large attachments).
BATCH_MESSAGES = 50
BATCH_BYTES = 32 * 1024 * 1024


def cmd_ingest_email(args: argparse.Namespace) -> int:
    target = _mailbox(args.mailbox)
    unreadable = False
    batch: list[Delivery] = []

    def flush() -> None:
        for delivery, result in zip(batch, mail_ingest_batch(batch, mailbox=target), strict=True):
            _print(result.as_dict(delivery.source))
        batch.clear()

    for source, raw in _inputs(args.files or ["-"]):
        if raw is None:
            unreadable = True
            continue
        batch.append(Delivery(raw, source))
        if len(batch) >= BATCH_MESSAGES or sum(len(d.raw) for d in batch) >= BATCH_BYTES:
            flush()
    flush()
    return 1 if unreadable else 0


def _inputs(names: list[str]) -> Iterator[tuple[str, bytes | None]]:
    for name in names:
        if name == "-":
            yield "-", sys.stdin.buffer.read()
            continue
        try:
            with open(name, "rb") as handle:
                start = handle.read(5)
        except OSError as exc:
            print(f"tierdesk: cannot read {name}: {exc.strerror}", file=sys.stderr)
            yield name, None
            continue
        if start == b"From ":
            yield from _mbox(name)
        else:
            yield name, Path(name).read_bytes()


def _mbox(name: str) -> Iterator[tuple[str, bytes | None]]:
    box = mbox_format.mbox(name, create=False)
    try:
        for index, key in enumerate(box.keys(), start=1):
            yield f"{name}#{index}", box.get_bytes(key)
    finally:
        box.close()


def _mailbox(name: str | None) -> Any:
    if not name:
        return None
    found = Mailbox.objects.filter(name=name).first()
    if found is None:
        raise SystemExit(f"tierdesk: no mailbox named {name!r}")
    return found


# ---- mail-poll -----------------------------------------------------------------------------


def cmd_mail_poll(args: argparse.Namespace) -> int:
    boxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
    if args.mailbox:
        boxes = boxes.filter(name=args.mailbox)
    failed = False
    while True:
        for box in list(boxes):
            close_old_connections()
            try:
                report = mailbox_poll(box)
            except Exception as exc:
                failed = True
                print(f"tierdesk: polling {box.name} failed: {exc}", file=sys.stderr)
                continue
            for result in report.results:
                _print(result.as_dict(f"imap:{box.name}"))
        if not args.loop:
            return 1 if failed else 0
        time.sleep(args.interval)


# ---- mail-lmtp -----------------------------------------------------------------------------


def cmd_mail_lmtp(args: argparse.Namespace) -> int:
    print(
        f"tierdesk: {'SMTP' if args.smtp else 'LMTP'} intake on {args.host}:{args.port}",
        file=sys.stderr,
        flush=True,
    )
    serve(host=args.host, port=args.port, lmtp=not args.smtp)
    return 0
