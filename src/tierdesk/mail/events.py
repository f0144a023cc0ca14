"""The hook ticket services call on every event: cheap for the events no reporter hears about.

Imported by ``tickets.services.base`` at module load, so it imports nothing from the ticket or
mail models; the work happens in a task, after the writing transaction has committed.
"""

from __future__ import annotations

from django.conf import settings

# Events that may send the reporter a mail (see notices.py for which ones actually do).
MAIL_EVENT_KINDS = frozenset({"replied", "pended", "resolved", "reopened"})


def mail_may_follow(kind: str, data: dict[str, object]) -> bool:
    """Whether the event can mail the reporter at all; a customer's own reply never does (see
    notices.py), so it costs no task row and no commit of its own."""
    if kind not in MAIL_EVENT_KINDS:
        return False
    return kind != "replied" or bool(data.get("by_agent"))


def event_mail_on_commit(event_id: int) -> None:
    """Runs on commit: hand the event to the worker, which decides and sends."""
    if not getattr(settings, "TIERDESK_MAIL_NOTIFY", True):
        return
    from tierdesk.mail.tasks import mail_notify

    mail_notify.enqueue(event_id)
