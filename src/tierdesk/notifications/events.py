"""This app's part in the ticket timeline: hand the events that concern people, webhooks or the
reporter to the worker once their change has committed (subscribed in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from tierdesk.notifications.tasks import notify_event, reporter_mail, webhook_event


def notify_on_commit(*, event_id: int, **_: Any) -> None:
    notify_event.enqueue(event_id)


def webhook_on_commit(*, event_id: int, **_: Any) -> None:
    webhook_event.enqueue(event_id)


def reporter_on_commit(*, event_id: int, **_: Any) -> None:
    reporter_mail.enqueue(event_id)
