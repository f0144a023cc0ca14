"""Outbound webhooks: ticket events and notifications POSTed to the URLs admins subscribed.

A payload is a ``WebhookDelivery`` row first (unique key: one per event and webhook), then
POSTed by the worker: ``webhooks_deliver`` claims due rows by compare-and-set (pending ->
sending), so one worker sends each attempt. A failure (no answer, or a status outside 2xx) is
retried after ``BACKOFF_MINUTES`` until ``TIERDESK_WEBHOOK_ATTEMPTS`` are used; each failed
attempt counts against the webhook, a success resets the count, and at
``TIERDESK_WEBHOOK_DISABLE_AFTER`` failures in a row the webhook is disabled and the admins are
notified.

JSON payloads are signed: ``X-Tierdesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" under the webhook's secret>``. Slack and Mattermost formats send their incoming
webhooks' ``{"text": ...}`` (they ignore the signature; their URL is the secret).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from tierdesk.accounts.models import Notification, NotificationKind, User
from tierdesk.accounts.services import notifications_raise
from tierdesk.core.clock import now
from tierdesk.notifications import config
from tierdesk.notifications.models import (
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WebhookFormat,
    http_url,
)
from tierdesk.notifications.producers import ticket_link
from tierdesk.tickets.models import EventKind, TicketEvent

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Tierdesk-Signature"
BACKOFF_MINUTES = [1, 5, 15, 60, 240, 720]
STALE_SENDING = timedelta(minutes=10)

# The webhook event each ticket event is (one ticket event, at most one webhook event).
WEBHOOK_EVENTS: dict[str, str] = {
    EventKind.OPENED: WebhookEvent.OPENED,
    EventKind.REPLIED: WebhookEvent.REPLIED,
    EventKind.ESCALATED: WebhookEvent.ESCALATED,
    EventKind.SLA_ESCALATED: WebhookEvent.ESCALATED,
    EventKind.SLA_BREACHED: WebhookEvent.BREACHED,
    EventKind.RESOLVED: WebhookEvent.RESOLVED,
}


def webhook_may_follow(*, kind: str, **_: Any) -> bool:
    """Cheap (a per-process cache): whether an active webhook takes this kind of event."""
    event = WEBHOOK_EVENTS.get(kind)
    return event is not None and event in config.webhook_events()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int, at: int) -> bool:
    """What a receiver does (and the tests): the signature matches and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    expected = sign(secret, timestamp, body).partition(",v1=")[2]
    fresh = abs(at - timestamp) <= tolerance
    return fresh and hmac.compare_digest(expected, parts.get("v1", ""))


def check_url(url: str) -> None:
    """Only http(s) URLs (no file:, ftp: or other schemes urllib would follow)."""
    http_url(url)


# ---- queueing ----------------------------------------------------------------------------


def webhooks_for_event(event_id: int) -> int:
    """Queue the payload of one ticket event for every webhook that takes it; the count."""
    event = TicketEvent.objects.select_related("ticket__organization", "actor").get(pk=event_id)
    kind = WEBHOOK_EVENTS.get(event.kind)
    if kind is None:
        return 0
    payload = {
        "event": kind, "at": event.at.isoformat(), "ticket": ticket_payload(event.ticket),
        "data": event.data or {}, "actor": str(event.actor) if event.actor else None,
    }  # fmt: skip
    return _queue(kind, payload, key=f"event:{event.pk}")


def webhooks_for_notification(notification: Notification) -> int:
    """Queue a notification for the webhooks that take notifications of its kind (a role)."""
    payload = {
        "event": WebhookEvent.NOTIFICATION, "at": notification.created_at.isoformat(),
        "kind": notification.kind, "title": notification.title,
        "recipient": notification.recipient.get_username(),
        "ticket": ticket_payload(notification.ticket) if notification.ticket else None,
    }  # fmt: skip
    return _queue(
        WebhookEvent.NOTIFICATION, payload, key=f"notification:{notification.pk}",
        role=notification.kind,
    )  # fmt: skip


def ticket_payload(ticket: Any) -> dict[str, Any]:
    return {
        "reference": ticket.reference, "subject": ticket.subject, "status": ticket.status,
        "priority": ticket.priority, "emergency": ticket.is_emergency,
        "support_level": ticket.support_level, "url": ticket_link(ticket),
    }  # fmt: skip


def _queue(kind: str, payload: dict[str, Any], *, key: str, role: str = "") -> int:
    queued = 0
    for hook in Webhook.objects.filter(is_active=True):
        if kind not in (hook.events or []) or (role and hook.role and hook.role != role):
            continue
        body = json.dumps(render_payload(hook, payload), separators=(",", ":"), sort_keys=True)
        delivery = WebhookDelivery(
            webhook=hook, event=kind, body=body, dedupe_key=f"{key}:{hook.pk}",
            created_at=now(), next_attempt_at=None,
        )  # fmt: skip
        try:
            with transaction.atomic():
                delivery.save()
        except IntegrityError:
            continue  # queued before: a retried task
        queued += 1
    return queued


def render_payload(hook: Webhook, payload: dict[str, Any]) -> dict[str, Any]:
    """The body for the webhook's format: ours as is, or a chat message (Slack, Mattermost)."""
    if hook.format == WebhookFormat.JSON:
        return payload
    text = chat_text(payload)
    if hook.format == WebhookFormat.MATTERMOST:
        return {"text": text, "username": "Tierdesk"}
    return {"text": text}


def chat_text(payload: dict[str, Any]) -> str:
    ticket = payload.get("ticket") or {}
    label = WebhookEvent(payload["event"]).label
    if payload["event"] == WebhookEvent.NOTIFICATION:
        label = f"{payload.get('title', '')} (for {payload.get('recipient', '')})"
    if not ticket:
        return label
    # <url|text> is a link in both Slack's and Mattermost's incoming-webhook markup.
    link = f"<{ticket['url']}|{ticket['reference']}>"
    return f"{label}: {link} {ticket['subject']} (P{ticket['priority']})"


# ---- delivering --------------------------------------------------------------------------


def webhooks_deliver(*, limit: int = 100, at: datetime | None = None) -> int:
    """POST every delivery that is due; the count delivered."""
    at = at or now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, next_attempt_at__lt=at - STALE_SENDING
    ).update(status=DeliveryStatus.PENDING)
    due = (
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(delivery_send(pk, at=at) == DeliveryStatus.DELIVERED for pk in list(due))


def delivery_send(delivery_id: int, *, at: datetime | None = None) -> str:
    """One attempt at one delivery, claimed by compare-and-set; the new status."""
    at = at or now()
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, next_attempt_at=at, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    hook = delivery.webhook
    if not hook.is_active:
        return _finish(delivery, DeliveryStatus.FAILED, None, "webhook disabled")
    code, error = post(hook, delivery.body.encode(), at)
    if error is None:
        Webhook.objects.filter(pk=hook.pk).update(failures=0)
        return _finish(delivery, DeliveryStatus.DELIVERED, code, "", delivered_at=at)
    _count_failure(hook)
    if delivery.attempts >= settings.TIERDESK_WEBHOOK_ATTEMPTS:
        return _finish(delivery, DeliveryStatus.FAILED, code, error)
    delay = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
    return _finish(delivery, DeliveryStatus.PENDING, code, error,
                   next_attempt_at=at + timedelta(minutes=delay))  # fmt: skip


def post(hook: Webhook, body: bytes, at: datetime) -> tuple[int | None, str | None]:
    """POST the body; the response code and ``None``, or the code (if any) and the error."""
    try:
        check_url(hook.url)
    except ValidationError:
        return None, "not an http(s) URL"
    headers = {"Content-Type": "application/json", "User-Agent": "Tierdesk-Webhooks"}
    if hook.format == WebhookFormat.JSON:
        headers[SIGNATURE_HEADER] = sign(hook.secret, int(at.timestamp()), body)
    request = urllib.request.Request(hook.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.TIERDESK_WEBHOOK_TIMEOUT) as answer:
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def _finish(delivery: WebhookDelivery, status: str, code: int | None, error: str,
            **extra: Any) -> str:  # fmt: skip
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, response_code=code, last_error=error, **extra
    )
    return status


def _count_failure(hook: Webhook) -> None:
    """One more failure in a row; at the limit, disable the webhook (once: compare-and-set on
    ``is_active``) and tell the admins."""
    Webhook.objects.filter(pk=hook.pk).update(failures=F("failures") + 1)
    at = now()
    disabled = Webhook.objects.filter(
        pk=hook.pk, is_active=True, failures__gte=settings.TIERDESK_WEBHOOK_DISABLE_AFTER
    ).update(is_active=False, disabled_at=at)
    if not disabled:
        return
    config.forget()
    log.warning("webhook %s (%s) disabled after repeated failures", hook.pk, hook.url)
    admins = User.objects.filter(is_superuser=True, is_active=True)
    notifications_raise(
        [
            Notification(
                recipient=admin,
                kind=NotificationKind.WEBHOOK_DISABLED,
                title=f"Webhook {hook.name} was disabled after repeated failures",
                body=f"{hook.url} failed {settings.TIERDESK_WEBHOOK_DISABLE_AFTER} times in a row.",
                dedupe_key=f"webhook-disabled:{hook.pk}:{at.isoformat()}:{admin.pk}",
                created_at=at,
            )
            for admin in admins
        ]
    )
