"""The management chain names people: a breached ticket's chain mails four different people at
0, +1 h, +4 h and +1 business day, each exactly once however many workers sweep and deliver,
and each finds the ticket under the desk's bell and in "Escalated to me"."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from tests.notifications.conftest import notification_mails, two_workers
from tests.sla.test_sweep import MON, THU, WED, ist
from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.notifications.delivery import notifications_deliver
from tierdesk.tickets import services
from tierdesk.tickets.services.sweep import sla_sweep

STEPS = [(1, ist(WED, 9)), (2, ist(WED, 10)), (3, ist(WED, 13)), (4, ist(THU, 9))]


@pytest.fixture
def breaching(world, chain):
    """A P2 ticket on Standard opened Monday 09:00 IST: its resolution breaches Wednesday 09:00."""
    with time_machine.travel(ist(MON, 9), tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="Calls drop", body="Since 08:30",
            priority=2,
        )  # fmt: skip
        services.ticket_assign(actor=world.l1, ticket=ticket, assignee=world.l1)
    return ticket


def escalation_mails(person) -> list:
    return [m for m in notification_mails(person.email) if "escalated to" in m.subject]


def sweep_and_deliver(instant) -> None:
    with time_machine.travel(instant, tick=False):
        two_workers(lambda: sla_sweep(batch_size=5, at=instant))
        two_workers(lambda: notifications_deliver(limit=3, at=instant))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_chain_mails_four_people_once_each_at_their_step(breaching, chain):
    for position, instant in STEPS:
        before = {p: len(escalation_mails(person)) for p, person in chain.items()}
        sweep_and_deliver(instant)
        sweep_and_deliver(instant)  # a second pass at the same instant changes nothing
        for other, person in chain.items():
            expected = before[other] + (1 if other == position else 0)
            assert len(escalation_mails(person)) == expected, (position, person.username)
        mail = escalation_mails(chain[position])[-1]
        assert mail.created_at == instant
        assert breaching.reference in mail.subject
    assert len({person.email for person in chain.values()}) == 4
    for person in chain.values():
        assert len(escalation_mails(person)) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_mail_tells_the_clock_the_lateness_the_chain_so_far_and_a_link(breaching, chain):
    for _position, instant in STEPS:
        sweep_and_deliver(instant)
    body = escalation_mails(chain[4])[0].body
    assert "Clock:    resolution" in body
    assert "Late by:  1 d" in body  # Wednesday 09:00 to Thursday 09:00
    for name in ("Team lead", "Senior product manager", "VP", "CTO"):
        assert name in body
    assert "pm" in body and "vp" in body
    assert f"/desk/tickets/{breaching.reference}/" in body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_person_sees_it_under_the_bell_and_in_escalated_to_me(breaching, chain):
    for _position, instant in STEPS:
        sweep_and_deliver(instant)
    for person in chain.values():
        client = Client()
        client.force_login(person)
        bell = client.get("/desk/notifications/bell/")
        assert bell.status_code == 200
        unread = Notification.objects.filter(recipient=person, read_at__isnull=True).count()
        assert f">{unread}<" in bell.content.decode() and unread >= 1
        listing = client.get("/desk/notifications/").content.decode()
        assert breaching.reference in listing
        queue = client.get("/desk/queue/escalated/").content.decode()
        assert breaching.reference in queue, person.username
    assert Notification.objects.filter(kind=NotificationKind.SLA_ESCALATION).count() == 4
