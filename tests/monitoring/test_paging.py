"""Acting within minutes: the person on duty is paged at once (real SMTP, aiosmtpd), the next
on duty once when nobody acknowledges in time, the outside party after everyone; an
acknowledgement (one click on the desk, or a reply) stops the chain. Time moves with
time-machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.monitoring.conftest import fixture_body
from tierdesk.accounts.principal import SYSTEM
from tierdesk.monitoring.models import AlertGroup, OnCallPolicy, OnCallShift
from tierdesk.monitoring.services import acknowledgements_sweep, payload_ingest, source_create
from tierdesk.tickets.models import Message
from tierdesk.tickets.services import ticket_reply

T0 = timezone.datetime(2026, 12, 7, 2, 0, tzinfo=timezone.UTC)  # a Monday night
DATA_CENTRE = "noc@datacentre.test"


@pytest.fixture
def rota(world, noc):
    for person in (world.l1, world.l1_other):
        person.agent.teams.add(noc)
    OnCallPolicy.objects.create(team=noc, ack_minutes=10, step_minutes=10,
                                outside_email=DATA_CENTRE)  # fmt: skip
    night = {"starts_at": T0 - timedelta(hours=2), "ends_at": T0 + timedelta(hours=8)}
    OnCallShift.objects.create(team=noc, user=world.l1, position=1, **night)
    OnCallShift.objects.create(team=noc, user=world.l1_other, position=2, **night)
    # Someone whose shift is over is never paged.
    over = {"starts_at": T0 - timedelta(hours=10), "ends_at": T0 - timedelta(hours=2)}
    OnCallShift.objects.create(team=noc, user=world.l2, position=1, **over)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(call, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


def fire(committed, at):
    source, _token = source_create(actor=SYSTEM, name="am", slug="am", kind="alertmanager")
    with time_machine.travel(at, tick=False):
        outcome = committed(payload_ingest, source=source,
                            payload=fixture_body("alertmanager_firing.json"))  # fmt: skip
    assert outcome.action == "created"
    return AlertGroup.objects.select_related("ticket").get()


def sweep(committed, at):
    with time_machine.travel(at, tick=False):
        return committed(acknowledgements_sweep)


def test_nobody_acknowledges_so_the_next_on_duty_and_then_the_data_centre_are_paged_once(
    world, rota, smtp_sink, committed
):
    group = fire(committed, T0)
    assert [m["To"] for m in smtp_sink.messages] == [world.l1.email]
    page = smtp_sink.messages[0]
    assert f"[{group.ticket.reference}] ALERT:" in page["Subject"]
    assert group.ack_due_at == T0 + timedelta(minutes=10)

    assert sweep(committed, T0 + timedelta(minutes=9)) == 0
    assert sweep(committed, T0 + timedelta(minutes=10)) == 1
    assert sweep(committed, T0 + timedelta(minutes=11)) == 0  # the step is taken once
    assert len(smtp_sink.to(world.l1_other.email)) == 1
    assert sweep(committed, T0 + timedelta(minutes=20)) == 1
    assert len(smtp_sink.to(DATA_CENTRE)) == 1
    assert "ESCALATED ALERT" in smtp_sink.to(DATA_CENTRE)[0]["Subject"]
    assert sweep(committed, T0 + timedelta(hours=3)) == 0  # the chain is used up
    assert [m["To"] for m in smtp_sink.messages] == [world.l1.email, world.l1_other.email,
                                                     DATA_CENTRE]  # fmt: skip
    assert smtp_sink.to(world.l2.email) == []
    notes = list(Message.objects.filter(ticket=group.ticket, kind="internal")
                 .values_list("body", flat=True))  # fmt: skip
    assert any("paged the next on duty, l1_other" in n for n in notes)
    assert any(f"outside party {DATA_CENTRE}" in n for n in notes)


def test_an_acknowledgement_on_the_desk_stops_the_chain(world, rota, smtp_sink, committed):
    group = fire(committed, T0)
    client = Client()
    client.force_login(world.l1)
    page = client.get(f"/desk/tickets/{group.ticket.reference}/")
    assert page.status_code == 200
    assert f'data-alert-group="{group.pk}"' in page.text and ">Acknowledge</button>" in page.text

    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        response = client.post(f"/monitoring/alerts/{group.pk}/acknowledge/")
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.acknowledged_by, group.ack_due_at) == (world.l1, None)
    assert sweep(committed, T0 + timedelta(minutes=15)) == 0
    assert smtp_sink.to(world.l1_other.email) == []
    assert "Alert acknowledged by l1." in group.ticket.messages.last().body
    assert "Acknowledged by l1" in client.get(f"/desk/tickets/{group.ticket.reference}/").text


def test_an_agent_reply_counts_as_an_acknowledgement(world, rota, smtp_sink, committed):
    group = fire(committed, T0)
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        committed(ticket_reply, actor=world.l1_other, ticket=group.ticket,
                  body="Looking at db1 now.")  # fmt: skip
    group.refresh_from_db()
    assert group.acknowledged_by == world.l1_other
    assert sweep(committed, T0 + timedelta(minutes=30)) == 0


def test_an_override_is_paged_before_the_regular_shift(world, rota, noc, smtp_sink, committed):
    hour = {"starts_at": T0 - timedelta(hours=1), "ends_at": T0 + timedelta(hours=1)}
    OnCallShift.objects.create(team=noc, user=world.l2, is_override=True, position=5, **hour)
    fire(committed, T0)
    assert [m["To"] for m in smtp_sink.messages] == [world.l2.email]
