"""Provider inbound webhooks through django-anymail (the optional ``anymail`` extra).

Anymail verifies the provider's webhook (Mailgun, Postmark, SendGrid, Amazon SES, ...) and sends
its ``inbound`` signal with the message; the handler feeds the raw bytes to the same intake as
every other path. Without anymail installed this module does nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from tierdesk.mail.services import mail_ingest

log = logging.getLogger(__name__)


def connect() -> None:
    try:
        from anymail.signals import inbound
    except ImportError:
        return
    inbound.connect(on_inbound, dispatch_uid="tierdesk.mail.inbound")


def on_inbound(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> None:
    message = event.message
    raw = message.as_bytes() if message is not None else b""
    result = mail_ingest(raw, source=f"anymail:{esp_name or 'webhook'}")
    log.info("mail intake via %s: %s %s", esp_name, result.action, result.ticket_reference or "")
