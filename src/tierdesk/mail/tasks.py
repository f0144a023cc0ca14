"""Mail tasks: thin shells over one service each, and the periodic jobs that run them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from tierdesk.core import scheduler


@task
def mail_send(outbound_id: int) -> str:
    from tierdesk.mail.outbound import outbound_send

    return outbound_send(outbound_id)


@task
def mail_send_many(outbound_ids: list[int]) -> list[str]:
    """The mails one intake batch queued: one task row for the batch, not one per mail."""
    from tierdesk.mail.outbound import outbound_send

    return [outbound_send(pk) for pk in outbound_ids]


@task
def mail_notify(event_id: int) -> int:
    from tierdesk.mail.outbound import event_mail

    return event_mail(event_id)


@task
def mail_outbox() -> int:
    from tierdesk.mail.outbound import outbox_sweep

    return outbox_sweep()


@task
def mail_poll() -> int:
    from tierdesk.mail.imap import poll_all

    return poll_all()


scheduler.register("mail.outbox", every=timedelta(minutes=1), task=mail_outbox)
if settings.TIERDESK_MAIL_POLL_SECONDS > 0:
    scheduler.register(
        "mail.poll", every=timedelta(seconds=settings.TIERDESK_MAIL_POLL_SECONDS), task=mail_poll
    )
