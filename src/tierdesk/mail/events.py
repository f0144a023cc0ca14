"""Mail's part in the ticket timeline: which events may mail the reporter, and handing those to
the worker once their change has committed.

``MailConfig.ready()`` subscribes ``event_mail_on_commit`` to the ticket domain's
``event_recorded`` hook with ``mail_may_follow`` as its predicate: an event no reporter hears
about (most of them) costs no on-commit callback and no task row. The worker decides and sends
(``notices.py``).

A writer of many events in a batch (a problem's broadcast) opens ``event_mails_batched()``
around each batch's transaction: the events that commit inside it reach the worker as one
``mail_notify_many`` task when it closes, and their mails are composed set-based
(``outbound.event_mails``) by the same rules as one event's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

# Which events may mail the reporter is the notices' rule (notices.MAIL_EVENT_KINDS).
from tierdesk.mail.notices import MAIL_EVENT_KINDS
from tierdesk.mail.tasks import mail_notify, mail_notify_many
from tierdesk.tickets.models import EventKind


def mail_may_follow(*, kind: str, data: dict[str, Any], **_: Any) -> bool:
    """Whether the event can mail the reporter at all; a customer's own reply never does (see
    notices.py), so it costs no task row and no commit of its own."""
    if kind not in MAIL_EVENT_KINDS:
        return False
    return kind != EventKind.REPLIED or bool(data.get("by_agent"))


# The events committed inside an ``event_mails_batched()`` block; ``None`` outside one.
_BATCH: ContextVar[list[int] | None] = ContextVar("tierdesk_mail_event_batch", default=None)


def event_mail_on_commit(*, event_id: int, **_: Any) -> None:
    """Runs on commit: hand the event to the worker, which decides and sends (inside a batch
    block: once the block closes, with the batch's other events)."""
    if not getattr(settings, "TIERDESK_MAIL_NOTIFY", True):
        return
    batch = _BATCH.get()
    if batch is not None:
        batch.append(event_id)
    else:
        mail_notify.enqueue(event_id)


@contextmanager
def event_mails_batched() -> Iterator[None]:
    """Around a batch's transaction: the mail-worthy events that commit inside go to the
    worker as one task when the block closes (also when it closes on an error: they are
    committed). A transaction that commits after the block (an outer one) sends its events one
    task each, as without it."""
    batch: list[int] = []
    token = _BATCH.set(batch)
    try:
        yield
    finally:
        _BATCH.reset(token)
        if batch:
            mail_notify_many.enqueue(batch)
