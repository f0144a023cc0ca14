"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signed payloads, retries with
back-off, the delivery log, and disabling after repeated failure (with the admins told)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.core.errors import InvalidInput
from tierdesk.notifications.delivery import notifications_deliver
from tierdesk.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from tierdesk.notifications.services import webhook_create
from tierdesk.notifications.webhooks import (
    SIGNATURE_HEADER,
    delivery_send,
    sign,
    verify,
    webhooks_deliver,
)
from tierdesk.tickets import services

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """What the receiver got; it answers ``status`` and checks each signature with ``secret``."""

    status: int = 200
    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver():
    box = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            header = self.headers.get(SIGNATURE_HEADER, "")
            signed = bool(box.secret) and verify(
                box.secret, header, body, tolerance=10**9, at=int(time.time())
            )
            box.received.append({"body": json.loads(body), "signed": signed, "header": header})
            self.send_response(box.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield box
    server.shutdown()
    server.server_close()


def subscribe(world, receiver, events, **extra):
    hook = webhook_create(actor=world.admin, name="ops", url=receiver.url, events=events, **extra)
    receiver.secret = hook.secret
    return hook


def open_ticket(world, run):
    return run(
        services.ticket_open, actor=world.acme_contact, organization=world.acme,
        subject="Printer on fire", body="Smoke",
    )  # fmt: skip


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://x", "javascript:alert(1)"]
)
def test_only_http_urls_may_be_subscribed(world, url):
    with pytest.raises(InvalidInput):
        webhook_create(actor=world.admin, name="x", url=url, events=[WebhookEvent.OPENED])


def test_only_admins_subscribe(world, receiver):
    with pytest.raises(InvalidInput):
        webhook_create(actor=world.l1, name="x", url=receiver.url, events=[WebhookEvent.OPENED])


def test_a_new_ticket_is_posted_signed_and_logged(world, receiver, run_tasks):
    hook = subscribe(world, receiver, [WebhookEvent.OPENED])
    ticket = open_ticket(world, run_tasks)
    assert webhooks_deliver(at=T0) == 1
    [got] = receiver.received
    assert got["signed"] and got["header"].startswith("t=") and ",v1=" in got["header"]
    assert got["body"]["event"] == "ticket.opened"
    assert got["body"]["ticket"]["reference"] == ticket.reference
    [delivery] = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_code == 200
    assert webhooks_deliver(at=T0 + timedelta(minutes=5)) == 0  # sent once


def test_a_tampered_body_or_another_secret_does_not_verify(world):
    header = sign("s3cret", 1_700_000_000, b'{"a":1}')
    assert verify("s3cret", header, b'{"a":1}', tolerance=300, at=1_700_000_100)
    assert not verify("s3cret", header, b'{"a":2}', tolerance=300, at=1_700_000_100)
    assert not verify("other", header, b'{"a":1}', tolerance=300, at=1_700_000_100)
    assert not verify("s3cret", header, b'{"a":1}', tolerance=300, at=1_700_001_000)  # replayed


def test_only_subscribed_events_are_sent(world, receiver, run_tasks):
    subscribe(world, receiver, [WebhookEvent.RESOLVED])
    ticket = open_ticket(world, run_tasks)
    assert WebhookDelivery.objects.count() == 0
    run_tasks(services.ticket_resolve, actor=world.l1, ticket=ticket, summary="Put it out")
    webhooks_deliver(at=T0)
    assert [r["body"]["event"] for r in receiver.received] == ["ticket.resolved"]


def test_failures_retry_with_backoff_then_give_up(world, receiver, run_tasks, settings):
    settings.TIERDESK_WEBHOOK_ATTEMPTS = 3
    receiver.status = 500
    subscribe(world, receiver, [WebhookEvent.OPENED])
    open_ticket(world, run_tasks)
    delivery = WebhookDelivery.objects.get()
    assert delivery_send(delivery.pk, at=T0) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code) == (1, 500)
    assert delivery.next_attempt_at == T0 + timedelta(minutes=1)
    assert webhooks_deliver(at=T0 + timedelta(seconds=59)) == 0  # not yet due
    assert len(receiver.received) == 1
    webhooks_deliver(at=T0 + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == T0 + timedelta(minutes=6)  # then 5 minutes
    webhooks_deliver(at=T0 + timedelta(minutes=6))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    webhooks_deliver(at=T0 + timedelta(days=1))
    assert len(receiver.received) == 3


def test_a_success_after_a_failure_resets_the_count(world, receiver, run_tasks):
    hook = subscribe(world, receiver, [WebhookEvent.OPENED])
    receiver.status = 503
    open_ticket(world, run_tasks)
    webhooks_deliver(at=T0)
    hook.refresh_from_db()
    assert hook.failures == 1
    receiver.status = 204
    webhooks_deliver(at=T0 + timedelta(minutes=1))
    hook.refresh_from_db()
    assert hook.failures == 0 and hook.is_active


def test_repeated_failure_disables_the_webhook_and_tells_the_admins(
    world, receiver, run_tasks, settings
):
    settings.TIERDESK_WEBHOOK_DISABLE_AFTER = 3
    receiver.status = 500
    hook = subscribe(world, receiver, [WebhookEvent.OPENED])
    for _ in range(3):
        open_ticket(world, run_tasks)
    webhooks_deliver(at=T0)
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_at is not None
    [told] = Notification.objects.filter(kind=NotificationKind.WEBHOOK_DISABLED)
    assert told.recipient == world.admin and "ops" in told.title
    open_ticket(world, run_tasks)  # a disabled webhook gets nothing new
    assert WebhookDelivery.objects.count() == 3


def test_the_unreachable_receiver_counts_as_a_failure(world, run_tasks):
    hook = webhook_create(
        actor=world.admin, name="gone", url="http://127.0.0.1:9/", events=[WebhookEvent.OPENED]
    )
    open_ticket(world, run_tasks)
    webhooks_deliver(at=T0)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_code is None
    assert delivery.last_error


@pytest.mark.parametrize("format", ["slack", "mattermost"])
def test_chat_templates_send_a_text_message(world, receiver, run_tasks, format):
    subscribe(world, receiver, [WebhookEvent.OPENED], format=format)
    ticket = open_ticket(world, run_tasks)
    webhooks_deliver(at=T0)
    [got] = receiver.received
    assert ticket.reference in got["body"]["text"] and "Ticket opened" in got["body"]["text"]
    assert f"/desk/tickets/{ticket.reference}/|" in got["body"]["text"]


def test_notifications_for_a_role_go_to_the_webhook_that_asks(world, receiver):
    subscribe(world, receiver, [WebhookEvent.NOTIFICATION], role=NotificationKind.EMERGENCY)
    for kind in (NotificationKind.EMERGENCY, NotificationKind.ASSIGNED):
        Notification.objects.create(
            recipient=world.l1, kind=kind, title=f"{kind}!", dedupe_key=kind, created_at=T0
        )
    notifications_deliver(at=T0)
    webhooks_deliver(at=T0)
    assert [r["body"]["kind"] for r in receiver.received] == ["emergency"]
