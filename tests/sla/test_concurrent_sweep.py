"""Two workers sweeping the same due tickets at the same moment, on a real PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection

from tests.sla.test_sweep import MON, WED, ist
from tierdesk.sla.models import SlaAlert
from tierdesk.tickets import services
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services.sweep import sla_sweep

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: no concurrent sweep to test"
)


def sweep_in_threads(instant, workers: int = 2) -> list[int]:
    handled = [0] * workers
    start = threading.Barrier(workers)

    def run(index: int) -> None:
        from django.db import connection as thread_connection

        try:
            start.wait()
            handled[index] = sla_sweep(batch_size=5, at=instant)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return handled


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_share_the_due_tickets_and_fire_each_alert_once(world):
    with time_machine.travel(ist(MON, 9), tick=False):
        tickets = [
            services.ticket_open(
                actor=world.l1, organization=world.acme, subject=f"t{i}", body="b", priority=2
            )
            for i in range(40)
        ]
    handled = sweep_in_threads(ist(WED, 14))
    assert sum(handled) == 40  # every due ticket taken by exactly one of the workers
    kinds = TicketEvent.objects.filter(kind__startswith="sla_").values_list("ticket_id", "kind")
    per_ticket = {t.pk: sorted(k for tid, k in kinds if tid == t.pk) for t in tickets}
    expected = sorted(
        ["sla_breached", "sla_breached", "sla_escalated", "sla_escalated", "sla_escalated"]
    )
    assert all(found == expected for found in per_ticket.values()), per_ticket
    assert SlaAlert.objects.count() == 40 * 5
