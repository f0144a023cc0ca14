"""``tierdesk ingest-email``, ``tierdesk mail-poll`` and ``tierdesk mail-lmtp``.

Imported by ``tierdesk.cli`` before Django is set up: nothing here touches Django at import
time. ``add_commands`` follows the command's plug-in convention; ``register`` and ``run`` offer
the same commands to a plain argparse parser.
"""

from __future__ import annotations

import argparse
import json
import mailbox as mbox_format
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace], int]

_ingest_help = (
    "Feed e-mail to the intake: each FILE (a message, or an mbox), or standard input with - "
    "or no FILE. Prints one JSON object per message and line: source, action (created, "
    "appended, duplicate, ignored, bounce, rejected, failed), ticket and reason. Exits 0 "
    "unless an input could not be read. For MTA pipes and bulk imports: messages are taken "
    "in batches (one commit each)."
)
_poll_help = (
    "Poll the IMAP mailboxes once (or with --loop, every --interval seconds) and ingest what "
    "is new; prints one JSON line per message."
)
_lmtp_help = (
    "Listen for LMTP (or with --smtp, SMTP) deliveries from a mail server and ingest them. "
    "Binds 127.0.0.1:8024 unless told otherwise."
)


def _ingest_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("files", nargs="*", metavar="FILE", help="message or mbox files; - = stdin")
    sub.add_argument("--mailbox", help="the mailbox (name) the mail came to; default: by address")


def _poll_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--mailbox", help="poll only this mailbox (name)")
    sub.add_argument("--loop", action="store_true", help="keep polling until interrupted")
    sub.add_argument("--interval", type=float, default=60.0, help="seconds between polls")


def _lmtp_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--host", default=os.environ.get("TIERDESK_MAIL_LMTP_HOST", "127.0.0.1"))
    sub.add_argument(
        "--port", type=int, default=int(os.environ.get("TIERDESK_MAIL_LMTP_PORT", "8024"))
    )
    sub.add_argument("--smtp", action="store_true", help="speak SMTP instead of LMTP")


def add_commands(add: Callable[..., None]) -> None:
    """The ``tierdesk`` command's plug-in hook: ``add(name, handler, help, arguments)``."""
    for spec in _commands():
        add(*spec)


def register(subparsers: Any) -> None:
    """Add the commands to an argparse sub-parser collection; ``run`` dispatches them."""
    for name, handler, description, arguments in _commands():
        sub = subparsers.add_parser(name, help=description.split(". ")[0], description=description)
        arguments(sub)
        sub.set_defaults(handler=handler)


def run(args: argparse.Namespace) -> int:
    handler: Handler = args.handler
    return handler(args)


def _commands() -> list[tuple[str, Handler, str, Callable[[argparse.ArgumentParser], None]]]:
    return [
        ("ingest-email", cmd_ingest_email, _ingest_help, _ingest_arguments),
        ("mail-poll", cmd_mail_poll, _poll_help, _poll_arguments),
        ("mail-lmtp", cmd_mail_lmtp, _lmtp_help, _lmtp_arguments),
    ]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    import django
    from django.apps import apps

    if not apps.ready:  # already set up (tests, or called from another command)
        django.setup()


def _print(line: dict[str, Any]) -> None:
    print(json.dumps(line, ensure_ascii=False), flush=True)


# ---- ingest-email --------------------------------------------------------------------------


# Messages per batch (one INSERT of the raw messages, one processing transaction), and the
# bytes after which a batch is processed early (an mbox of large attachments).
BATCH_MESSAGES = 50
BATCH_BYTES = 32 * 1024 * 1024


def cmd_ingest_email(args: argparse.Namespace) -> int:
    _setup()
    from tierdesk.mail.batch import Delivery, mail_ingest_batch

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
    from tierdesk.mail.models import Mailbox

    found = Mailbox.objects.filter(name=name).first()
    if found is None:
        raise SystemExit(f"tierdesk: no mailbox named {name!r}")
    return found


# ---- mail-poll -----------------------------------------------------------------------------


def cmd_mail_poll(args: argparse.Namespace) -> int:
    _setup()
    from django.db import close_old_connections

    from tierdesk.mail.imap import mailbox_poll
    from tierdesk.mail.models import Mailbox

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
    _setup()
    from tierdesk.mail.lmtp import serve

    print(
        f"tierdesk: {'SMTP' if args.smtp else 'LMTP'} intake on {args.host}:{args.port}",
        file=sys.stderr,
        flush=True,
    )
    serve(host=args.host, port=args.port, lmtp=not args.smtp)
    return 0
