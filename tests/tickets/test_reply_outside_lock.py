"""A long reply is rendered before its transaction opens: on SQLite a transaction holds the one
write lock (IMMEDIATE), so rendering inside it stalled every other writer (issue 12)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from tierdesk.core.text import MAX_BODY
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import messages

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's single write lock is what this is about"
)


def write_from_another_thread(ticket_id: int) -> list[str]:
    """A concurrent writer: another connection changes another ticket. Its outcome, or error."""
    outcome: list[str] = []

    def run() -> None:
        try:
            Ticket.objects.filter(pk=ticket_id).update(subject="Changed meanwhile")
            outcome.append("written")
        except Exception as exc:  # the outcome is what the test looks at
            outcome.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()  # this thread's own connection

    writer = threading.Thread(target=run)
    writer.start()
    writer.join()
    return outcome


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_just_under_the_limit_renders_outside_the_write_lock(world, monkeypatch) -> None:
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Slow", body="It is slow."
    )
    other = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Other", body="Another one."
    )
    seen: dict[str, Any] = {}
    render = messages.render_body

    def render_watched(source: str, body_format: str) -> str:
        seen["in_transaction"] = transaction.get_connection().in_atomic_block
        seen["concurrent_writer"] = write_from_another_thread(other.pk)
        return render(source, body_format)

    monkeypatch.setattr(messages, "render_body", render_watched)
    body = "*word* " * ((MAX_BODY - 1) // 7)

    reply = services.ticket_reply(actor=world.acme_contact, ticket=ticket, body=body)

    assert seen == {"in_transaction": False, "concurrent_writer": ["written"]}
    assert reply.body_html.startswith("<p><em>word</em>")
    assert Ticket.objects.get(pk=other.pk).subject == "Changed meanwhile"
