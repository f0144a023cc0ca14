"""Polling IMAP mailboxes (imapclient): fetch, ingest, and only then mark the messages done.

The order is the whole point. Messages are fetched ``FETCH_BATCH`` at a time with
``BODY.PEEK[]`` (they stay unread), handed to ``mail_ingest_batch``, which commits their ticket
work, and only after that flagged ``$Tierdesk`` + ``\\Seen`` or moved to the done folder. A
poller killed between the commit and the flag fetches them again next time; the intake
recognises them by their keys and answers ``duplicate``, and they are flagged then. Nothing is
lost and nothing is doubled.

Authentication: ``LOGIN`` with a password, or ``XOAUTH2`` with an OAuth 2 access token for
Microsoft 365 and Google. The secret is read on every poll from the environment variable the
mailbox names (or its ``_FILE`` twin), so an external token refresher can rotate it.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import close_old_connections
from imapclient import IMAPClient

from tierdesk.core.clock import now
from tierdesk.core.env import env_str
from tierdesk.mail.batch import Delivery, mail_ingest_batch
from tierdesk.mail.models import ImapAuth, Mailbox
from tierdesk.mail.services import IngestResult

log = logging.getLogger(__name__)
DONE_FLAG = b"$Tierdesk"
FETCH_BATCH = 25


@dataclass
class PollReport:
    mailbox: str
    results: list[IngestResult] = field(default_factory=list)
    error: str = ""


def connect(mailbox: Mailbox, *, timeout: float = 30.0) -> IMAPClient:
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl,
        ssl_context=context, timeout=timeout,
    )  # fmt: skip
    if mailbox.imap_starttls and not mailbox.imap_ssl:
        client.starttls(context)
    secret = env_str(mailbox.imap_secret_env) if mailbox.imap_secret_env else ""
    if mailbox.imap_auth == ImapAuth.XOAUTH2:
        client.oauth2_login(mailbox.imap_username, secret)
    else:
        client.login(mailbox.imap_username, secret)
    return client


def mailbox_poll(
    mailbox: Mailbox,
    *,
    limit: int | None = None,
    after_ingest: Callable[[int, IngestResult], None] | None = None,
) -> PollReport:
    """Ingest every message not yet done in the mailbox's folder; one pass.

    ``after_ingest`` runs for each message between the committed intake of its batch and the
    flags (tests use it to kill the poller at exactly that moment).
    """
    report = PollReport(mailbox=mailbox.name)
    client = connect(mailbox)
    try:
        selected = client.select_folder(mailbox.imap_folder)
        permanent = selected.get(b"PERMANENTFLAGS", ())
        # Our own keyword survives a person reading the mailbox; \Seen is the fallback.
        keyword = b"\\*" in permanent or DONE_FLAG in permanent
        uids = client.search(["NOT", "KEYWORD", DONE_FLAG.decode()] if keyword else ["UNSEEN"])
        uids = uids[:limit] if limit else uids
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = list(client.fetch(batch, ["BODY.PEEK[]"]).items())
            deliveries = [
                Delivery(data.get(b"BODY[]") or b"", f"imap:{mailbox.name}:{uid}")
                for uid, data in fetched
            ]
            results = mail_ingest_batch(deliveries, mailbox=mailbox)
            for (uid, _data), result in zip(fetched, results, strict=True):
                report.results.append(result)
                if after_ingest is not None:
                    after_ingest(uid, result)
            _mark_done(client, mailbox, [uid for uid, _data in fetched], keyword)
        if mailbox.imap_done_folder and not client.has_capability("MOVE"):
            client.expunge()
    finally:
        _logout(client)
    return report


def _mark_done(client: IMAPClient, mailbox: Mailbox, uids: list[int], keyword: bool) -> None:
    if not uids:
        return
    if mailbox.imap_done_folder:
        if client.has_capability("MOVE"):
            client.move(uids, mailbox.imap_done_folder)
        else:
            client.copy(uids, mailbox.imap_done_folder)
            client.delete_messages(uids)
        return
    client.add_flags(uids, [DONE_FLAG, b"\\Seen"] if keyword else [b"\\Seen"], silent=True)


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; nothing is pending on it
        log.debug("IMAP logout failed", exc_info=True)


def poll_all() -> int:
    """Poll every active IMAP mailbox once; the number of messages ingested. One mailbox's
    failure (server down, password changed) is logged, stored on the mailbox for its page, and
    does not stop the others."""
    count = 0
    for mailbox in Mailbox.objects.filter(is_active=True).exclude(imap_host=""):
        close_old_connections()
        try:
            count += len(mailbox_poll(mailbox).results)
        except Exception as failure:
            log.exception("IMAP poll of mailbox %s failed", mailbox.name)
            mailbox_record_poll(mailbox, error=describe(failure))
        else:
            mailbox_record_poll(mailbox, error="")
    return count


def mailbox_test_connection(mailbox: Mailbox, *, timeout: float = 10.0) -> str:
    """Sign in and open the folder, touching no message; "" when that worked, else what went
    wrong. Stored on the mailbox like a poll's outcome."""
    try:
        client = connect(mailbox, timeout=timeout)
        try:
            client.select_folder(mailbox.imap_folder, readonly=True)
        finally:
            _logout(client)
    except Exception as failure:
        error = describe(failure)
    else:
        error = ""
    mailbox_record_poll(mailbox, error=error)
    return error


def describe(failure: BaseException) -> str:
    """A failure as a person can read it on the mailbox page (no traceback)."""
    text = str(failure).strip() or type(failure).__name__
    return f"{type(failure).__name__}: {text}"[:2000]


def mailbox_record_poll(mailbox: Mailbox, *, error: str) -> None:
    at = now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_poll_at=at, last_poll_ok=not error, last_poll_error=error
    )
    mailbox.last_poll_at, mailbox.last_poll_ok, mailbox.last_poll_error = at, not error, error
