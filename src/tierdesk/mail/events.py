"""Mail's part in the ticket timeline: which events may mail the reporter, and handing those to
the worker once their change has committed.

``MailConfig.ready()`` subscribes ``event_mail_on_commit`` to the ticket domain's
``event_recorded`` hook with ``mail_may_follow`` as its predicate: an event no reporter hears
about (most of them) costs no on-commit callback and no task row. The worker decides and sends
(``notices.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# Which events may mail the reporter is the notices' rule (notices.MAIL_EVENT_KINDS).
from tierdesk.mail.notices import MAIL_EVENT_KINDS
from tierdesk.mail.tasks import mail_notify
from tierdesk.tickets.models import EventKind


def mail_may_follow(*, kind: str, data: dict[str, Any], **_: Any) -> bool:
    """Whether the event can mail the reporter at all; a customer's own reply never does (see
    notices.py), so it costs no task row and no commit of its own."""
    if kind not in MAIL_EVENT_KINDS:
        return False
    return kind != EventKind.REPLIED or bool(data.get("by_agent"))


def event_mail_on_commit(*, event_id: int, **_: Any) -> None:
    """Runs on commit: hand the event to the worker, which decides and sends."""
    if not getattr(settings, "TIERDESK_MAIL_NOTIFY", True):
        return
    mail_notify.enqueue(event_id)
