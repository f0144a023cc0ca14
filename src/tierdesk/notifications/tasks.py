"""Notification tasks: thin shells over one service each, and the periodic jobs that run them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.notifications.delivery import notifications_deliver, notifications_digest
from tierdesk.notifications.producers import notifications_for_event
from tierdesk.notifications.reporter import reporter_mail_for_event
from tierdesk.notifications.webhooks import webhooks_deliver, webhooks_for_event


@task
def notify_event(event_id: int) -> int:
    return notifications_for_event(event_id)


@task
def webhook_event(event_id: int) -> int:
    return webhooks_for_event(event_id)


@task
def reporter_mail(event_id: int) -> int:
    return reporter_mail_for_event(event_id)


@task
def notifications_send() -> int:
    return notifications_deliver()


@task
def notifications_send_digest() -> int:
    return notifications_digest()


@task
def webhooks_send() -> int:
    return webhooks_deliver()


scheduler.register(
    "notifications.deliver",
    every=timedelta(seconds=settings.TIERDESK_NOTIFY_SECONDS),
    task=notifications_send,
)
scheduler.register(
    "notifications.digest",
    cron=settings.TIERDESK_NOTIFY_DIGEST_CRON,
    task=notifications_send_digest,
)
scheduler.register(
    "notifications.webhooks",
    every=timedelta(seconds=settings.TIERDESK_WEBHOOK_SECONDS),
    task=webhooks_send,
)
