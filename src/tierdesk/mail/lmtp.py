"""An LMTP (or SMTP) listener an MTA delivers to (aiosmtpd), in front of the same intake.

Postfix: ``mailbox_transport = lmtp:inet:127.0.0.1:8024`` (or a ``transport_maps`` entry for the
support addresses). The listener answers 250 only once the raw message is stored (committed),
and 451 (try again later) when it could not store it: the MTA keeps the message and retries, so
a database outage loses nothing. A message over ``TIERDESK_MAIL_MAX_BYTES`` is refused at the
protocol level (552), and the sending server tells its sender.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections

from tierdesk.mail.services import IngestResult, mail_ingest

log = logging.getLogger(__name__)


def _ingest(raw: bytes, recipients: list[str], peer: str) -> IngestResult:
    close_old_connections()
    try:
        return mail_ingest(raw, source=f"lmtp:{peer}"[:300], recipients=recipients)
    finally:
        close_old_connections()


class IntakeHandler:
    """aiosmtpd handler: every delivered message goes to ``mail_ingest`` (in a thread, since
    the ORM is synchronous)."""

    def __init__(self, *, lmtp: bool):
        self.lmtp = lmtp

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
        try:
            result = await asyncio.to_thread(_ingest, raw, list(envelope.rcpt_tos), peer)
        except Exception:
            log.exception("LMTP intake could not store a message; the MTA will retry")
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
        super().__init__(
            IntakeHandler(lmtp=lmtp), hostname=host, port=port,
            data_size_limit=settings.TIERDESK_MAIL_MAX_BYTES, decode_data=False, **kwargs,
        )  # fmt: skip

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)


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
