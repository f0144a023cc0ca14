"""An LMTP (or SMTP) listener an MTA delivers to (aiosmtpd), in front of the same intake.

Postfix: ``mailbox_transport = lmtp:inet:127.0.0.1:8024`` (or a ``transport_maps`` entry for the
support addresses). The listener answers 250 only once the raw message is stored (committed),
and 451 (try again later) when it could not store it: the MTA keeps the message and retries, so
a database outage loses nothing (a message stored but not answered 250 comes again as a
duplicate, which the intake recognises by its key). A message over ``TIERDESK_MAIL_MAX_BYTES``
is refused at the protocol level (552), and the sending server tells its sender.

Group commit: an MTA delivers over many connections at once (Postfix up to ~20), and a commit
per message caps the rate at what one message's round trips allow. So every connection hands
its message to one intake thread (``Ingester``) and waits; the thread takes whatever has queued
(up to ``BATCH``) and stores and processes it together with ``mail_ingest_batch`` (one
multi-row INSERT, one transaction; the same guarantees per message as ``mail_ingest``), then
answers each connection with its own message's result. A lone message on an idle listener goes
at once, as a batch of one; under load, the messages that arrive while a batch is being stored
make up the next, which waits a few milliseconds (``LINGER``) for the connections just answered
to send theirs. If the batch call raises, each of its messages is answered 451.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from tierdesk.mail.batch import Delivery, mail_ingest_batch
from tierdesk.mail.services import IngestResult

log = logging.getLogger(__name__)

# Messages per batch at most: as an IMAP poll fetches; more buys little and holds the batch's
# locks (and its connections' answers) longer.
BATCH = 25
# How long a batch waits for more deliveries under load: next to a commit's few milliseconds.
LINGER = 0.005


@dataclass(frozen=True)
class _Waiting:
    """A delivery in the queue, and where its connection waits for the result."""

    delivery: Delivery
    future: Future[IngestResult]


class Ingester:
    """One thread that stores and processes the deliveries of all connections, a batch at a
    time: whatever queued while the previous batch was being stored."""

    def __init__(self, *, batch_size: int = BATCH):
        self.batch_size = batch_size
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._busy = False  # the last batch held more than one delivery

    def start(self) -> None:
        # A fresh queue: nothing left over from before a stop is delivered by a restart.
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="lmtp-intake", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish the deliveries queued so far, then end the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    async def ingest(self, delivery: Delivery) -> IngestResult:
        """Queue one delivery and wait for its result (or the batch's exception)."""
        if self._thread is None:
            raise RuntimeError("the LMTP intake thread is not running")
        future: Future[IngestResult] = Future()
        self._queue.put(_Waiting(delivery, future))
        return await asyncio.wrap_future(future)

    def backlog(self) -> int:
        """How many deliveries wait for the next batch."""
        return self._queue.qsize()

    def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                batch, stopping = self._take()
                self._deliver(batch)
        finally:
            # This thread's database connection goes back (to the pool, or is closed) rather
            # than staying open for a thread that is gone.
            connections.close_all()

    def _take(self) -> tuple[list[_Waiting], bool]:
        """Whatever has queued, up to ``batch_size``, and whether ``stop`` was called. Idle, it
        waits only for the first. Under load (the last batch had company) it lingers up to
        ``LINGER`` for more: the connections just answered send their next message within a
        millisecond or two, and without the wait they would form a batch of their own while
        this one runs, halving every batch."""
        batch: list[_Waiting] = []
        item = self._queue.get()
        until = time.monotonic() + LINGER if self._busy else 0.0
        while item is not None:
            batch.append(item)
            if len(batch) == self.batch_size:
                break
            try:
                item = self._queue.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                break
        else:
            return batch, True
        self._busy = len(batch) > 1
        return batch, False

    def _deliver(self, batch: list[_Waiting]) -> None:
        # A delivery whose connection went away meanwhile is skipped: nobody waits for its
        # answer, and the MTA, not having had 250, delivers it again.
        live = [item for item in batch if item.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            answers = list(zip(live, _ingest([item.delivery for item in live]), strict=True))
        except Exception as exc:
            log.exception(
                "LMTP intake could not take %d messages; answered 451, the MTA will retry them",
                len(live),
            )
            for item in live:
                item.future.set_exception(exc)
            return
        for item, result in answers:
            item.future.set_result(result)


def _ingest(deliveries: list[Delivery]) -> list[IngestResult]:
    # The thread lives as long as the listener: a connection broken or past its age is
    # replaced before the batch, and one not to be kept is closed after it.
    close_old_connections()
    try:
        return mail_ingest_batch(deliveries)
    finally:
        close_old_connections()


class IntakeHandler:
    """aiosmtpd handler: every delivered message goes to the ``Ingester`` (a thread of its own,
    since the ORM is synchronous) and is answered with its result."""

    def __init__(self, *, lmtp: bool, ingester: Ingester):
        self.lmtp = lmtp
        self.ingester = ingester

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        envelope.rcpt_tos.append(address.lower())
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = str(session.peer[0]) if session.peer else "?"
        delivery = Delivery(raw, f"lmtp:{peer}"[:300], tuple(envelope.rcpt_tos))
        try:
            result = await self.ingester.ingest(delivery)
        except Exception as exc:
            # The traceback is logged once per batch by the intake thread, not per message.
            log.warning("LMTP intake answered 451 (%s); the MTA will retry", exc)
            return self._status("451 4.3.0 Temporarily unable to accept the message", envelope)
        # Stored means accepted, whatever processing decided (a failure waits for a retry).
        text = f"250 2.0.0 {result.action} {result.ticket_reference or ''}".strip()
        return self._status(text, envelope)

    def _status(self, line: str, envelope: Envelope) -> str:
        # LMTP answers DATA once per recipient (RFC 2033 §4.2); SMTP once.
        count = max(1, len(envelope.rcpt_tos)) if self.lmtp else 1
        return "\r\n".join([line] * count)


class IntakeController(Controller):
    def __init__(self, *, host: str, port: int, lmtp: bool = True, **kwargs: Any):
        self.lmtp = lmtp
        self.ingester = Ingester()
        super().__init__(
            IntakeHandler(lmtp=lmtp, ingester=self.ingester), hostname=host, port=port,
            data_size_limit=settings.TIERDESK_MAIL_MAX_BYTES, decode_data=False, **kwargs,
        )  # fmt: skip

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)

    def start(self) -> None:
        # The intake thread runs before the first connection is accepted.
        self.ingester.start()
        try:
            super().start()
        except BaseException:
            self.ingester.stop()
            raise

    def stop(self, no_assert: bool = False) -> None:
        # The connections first: no more deliveries come, and those still queued are dropped
        # with their connections, unanswered (the MTA delivers them again). Then the intake
        # finishes the batch in hand and its thread ends.
        try:
            super().stop(no_assert)
        finally:
            self.ingester.stop()


def serve(*, host: str, port: int, lmtp: bool = True) -> None:
    """Listen until interrupted."""
    controller = IntakeController(host=host, port=port, lmtp=lmtp)
    controller.start()
    log.info("mail listener (%s) on %s:%d", "LMTP" if lmtp else "SMTP", host, port)
    try:
        asyncio.run(_forever())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


async def _forever() -> None:
    await asyncio.Event().wait()
