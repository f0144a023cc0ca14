"""The words of the mail Tierdesk sends: templates (a row an admin edited, else the file
default), the ticket's subject tag, and what the acknowledgement says the plan promises."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, Template

from tierdesk.mail.models import MailTemplate
from tierdesk.mail.parsing import REPLY_MARKER, normalize_subject
from tierdesk.sla.promise import ticket_promise

TEMPLATE_DIR = Path(__file__).parent / "templates" / "mail"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@lru_cache(maxsize=32)
def default_template(key: str) -> tuple[str, str]:
    """The file default: first line ``Subject: …``, a blank line, then the body."""
    text = (TEMPLATE_DIR / f"{key}.txt").read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    return head.removeprefix("Subject:").strip(), body


def template_source(key: str) -> tuple[str, str]:
    row = MailTemplate.objects.filter(key=key).first()
    if row is not None:
        return row.subject, row.body
    return default_template(key)


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    """Compiling is most of rendering's cost; keyed by the source text, an edited template is
    simply a new key (the row itself is read on every render, so edits apply at once)."""
    return Template(source)


def render(key: str, context: dict[str, Any], *, source: tuple[str, str] | None = None) -> Rendered:
    """The mail ``key`` in ``context``; ``source``: its template as ``template_source`` gave
    it (a batch reads each template once)."""
    subject_source, body_source = source or template_source(key)
    ctx = Context({**context, "reply_marker": REPLY_MARKER}, autoescape=False)
    subject = " ".join(_compiled(subject_source).render(ctx).split())
    body = _compiled(body_source).render(ctx).strip() + "\n"
    return Rendered(subject=subject[:300], body=body)


def ticket_subject(ticket: Any, subject: str = "") -> str:
    """``[TD-1042] subject``: the tag lets a reply without headers still find the ticket."""
    subject = normalize_subject(subject or ticket.subject)
    return f"[{ticket.reference}] {subject}"


def commitment(ticket: Any) -> dict[str, Any]:
    """The ticket's first-response promise (``sla.promise``, the emergency call-back included)
    under the names the acknowledgement template reads, edited copies of it too: ``emergency``,
    ``amount``, ``unit``, ``around_the_clock``, ``calendar``; ``promise`` is the whole of it."""
    found = ticket_promise(ticket)
    if found is None or not found.response.agreed:
        return {"emergency": False, "amount": None, "promise": found}
    term = found.response
    return {
        "emergency": found.emergency,
        "amount": term.amount,
        "unit": term.unit_words,
        "around_the_clock": term.around_the_clock,
        "calendar": term.calendar,
        "promise": found,
    }
