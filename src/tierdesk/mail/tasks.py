"""Mail tasks: thin shells over one service each, and the periodic jobs that run them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.mail.imap import poll_all
from tierdesk.mail.outbound import (
    event_mail,
    event_mails,
    mail_send,
    mail_send_many,
    outbox_sweep,
)

# Sending tasks are defined beside the function they run (queueing a mail enqueues them).
__all__ = [
    "mail_notify",
    "mail_notify_many",
    "mail_outbox",
    "mail_poll",
    "mail_send",
    "mail_send_many",
]


@task
def mail_notify(event_id: int) -> int:
    return event_mail(event_id)


@task
def mail_notify_many(event_ids: list[int]) -> int:
    return event_mails(event_ids)


@task
def mail_outbox() -> int:
    return outbox_sweep()


@task
def mail_poll() -> int:
    return poll_all()


scheduler.register("mail.outbox", every=timedelta(minutes=1), task=mail_outbox)
if settings.TIERDESK_MAIL_POLL_SECONDS > 0:
    scheduler.register(
        "mail.poll", every=timedelta(seconds=settings.TIERDESK_MAIL_POLL_SECONDS), task=mail_poll
    )
