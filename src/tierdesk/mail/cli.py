"""``tierdesk ingest-email``, ``tierdesk mail-poll`` and ``tierdesk mail-lmtp``: their names,
descriptions and arguments. What they do is in ``tierdesk.mail.commands``, imported by
``tierdesk.cli`` once Django is set up; this module is read before, so it imports no Django.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

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
_HANDLERS = "tierdesk.mail.commands"


def add_commands(add: Callable[..., None]) -> None:
    """The ``tierdesk`` command's plug-in hook: ``add(name, handler, description, arguments)``,
    the handler named by its dotted path."""
    add("ingest-email", f"{_HANDLERS}:cmd_ingest_email", _ingest_help, _ingest_arguments)
    add("mail-poll", f"{_HANDLERS}:cmd_mail_poll", _poll_help, _poll_arguments)
    add("mail-lmtp", f"{_HANDLERS}:cmd_mail_lmtp", _lmtp_help, _lmtp_arguments)


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
