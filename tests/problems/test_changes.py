"""Changes in agreed windows: a manager's approval and, on Premium, the customer's in the
portal; three downtime notices sent once each (time travel, two workers); freezes; monitoring
alerts tagged or silenced during the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.problems.conftest import two_workers
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.mail.models import OutboundKind, OutboundMail
from tierdesk.monitoring.hooks import Verdict
from tierdesk.problems.models import (
    ChangeNotice,
    ChangeStatus,
    Decision,
    FreezePeriod,
    NoticeKind,
)
from tierdesk.problems.services import (
    alert_in_window,
    change_approve,
    change_decide,
    change_request,
    downtime_notices_send,
)

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
START = NOW + timedelta(days=7)
END = START + timedelta(hours=2)


@pytest.fixture
def change(world, outbreak):
    with time_machine.travel(NOW, tick=False):
        return change_request(
            actor=world.l2, title="Upgrade the mail gateway", kind="upgrade", risk="medium",
            impact="Mail delayed up to 30 minutes.", plan="Drain, upgrade, restore.",
            rollback="Restore the snapshot.", window_start=START, window_end=END,
            organizations=[world.acme, world.globex], hosts=["mx1.acme.test"],
            silence_alerts=True,
        )  # fmt: skip


def test_premium_asks_its_customer_and_standard_does_not(world, change):
    decisions = {a.organization: (a.decision, a.notice_days) for a in change.affected.all()}
    assert decisions == {
        world.acme: (Decision.PENDING, 3), world.globex: (Decision.NOT_NEEDED, 2)
    }  # fmt: skip


def test_only_a_manager_approves(world, change):
    with pytest.raises(Forbidden):
        change_approve(actor=world.l2, change=change)


def test_approved_once_the_manager_and_the_customer_agree(world, change, client_as):
    change_approve(actor=world.manager, change=change)
    assert change.status == ChangeStatus.REQUESTED  # the customer has not agreed yet
    page = client_as("acme_contact").get(f"/changes/{change.pk}/")
    assert page.status_code == 200 and b"Globex" not in page.content
    client_as("acme_contact").post(f"/changes/{change.pk}/decide/", {"decision": "approve"})
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED


def test_a_customer_cannot_decide_twice_or_for_another(world, change):
    change_decide(actor=world.acme_contact, change=change, approve=False)
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    with pytest.raises(NotFound):
        change_decide(actor=world.acme_contact, change=change, approve=True)
    with pytest.raises(NotFound):
        change_decide(actor=world.globex_contact, change=change, approve=True)


def test_a_window_in_a_freeze_is_refused(world, change):
    FreezePeriod.objects.create(reason="Year end", starts_at=START - timedelta(days=1),
                                ends_at=END + timedelta(days=1))  # fmt: skip
    with pytest.raises(InvalidInput):
        change_approve(actor=world.manager, change=change)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_downtime_notices_go_out_once_each(world, change):
    change_approve(actor=world.manager, change=change)
    change_decide(actor=world.acme_contact, change=change, approve=True)
    with time_machine.travel(START - timedelta(days=5), tick=False):
        assert downtime_notices_send() == 0  # too early for anyone
    for instant in (START - timedelta(days=3), START - timedelta(days=2), START, END):
        with time_machine.travel(instant + timedelta(minutes=1), tick=False):
            two_workers(downtime_notices_send)
    sent = ChangeNotice.objects.filter(affected__change=change)
    kinds = sorted((n.affected.organization.name, n.kind) for n in sent)
    assert kinds == sorted(
        (org, kind) for org in ("Acme Retail", "Globex Logistics") for kind in NoticeKind.values
    )
    acme_mails = OutboundMail.objects.filter(to_address=world.acme_contact.email)
    assert acme_mails.filter(subject__contains=change.reference).count() == 3
    assert set(acme_mails.values_list("kind", flat=True)) == {OutboundKind.DOWNTIME_NOTICE}


def test_an_alert_for_a_host_in_an_open_window_is_tagged_and_silenced(world, change):
    change_approve(actor=world.manager, change=change)
    change_decide(actor=world.acme_contact, change=change, approve=True)

    class Notice:
        hosts = ["mx1.acme.test"]

    verdict = Verdict()
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        alert_in_window(notice=Notice(), verdict=verdict)
    assert verdict.tags == [f"maintenance:{change.reference}"] and verdict.silenced
    outside = Verdict()
    with time_machine.travel(END + timedelta(minutes=5), tick=False):
        alert_in_window(notice=Notice(), verdict=outside)
    assert outside.tags == [] and not outside.silenced


def test_the_window_check_asks_once_per_alert_notice_and_not_without_hosts(
    world, change, django_assert_num_queries
):
    change_approve(actor=world.manager, change=change)
    change_decide(actor=world.acme_contact, change=change, approve=True)

    class Storm:  # a notice of many alerts on many hosts, one of them in the window
        hosts = [f"node{n}.acme.test" for n in range(200)] + ["mx1.acme.test"]

    class Hostless:
        hosts: list[str] = []

    verdict = Verdict()
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        with django_assert_num_queries(1):
            alert_in_window(notice=Storm(), verdict=verdict)
        with django_assert_num_queries(0):
            alert_in_window(notice=Hostless(), verdict=Verdict())
    assert verdict.tags == [f"maintenance:{change.reference}"] and verdict.silenced


def test_the_calendar_shows_overlapping_changes(world, change, client_as):
    with time_machine.travel(NOW, tick=False):
        change_request(
            actor=world.l2, title="Restart the database", kind="restart", risk="low",
            impact="5 minutes", plan="Restart", rollback="None needed",
            window_start=START + timedelta(hours=1), window_end=END + timedelta(hours=1),
            organizations=[world.globex],
        )  # fmt: skip
        page = client_as("l2").get("/desk/changes/")
    overlapping = [e for e in page.context["entries"] if e.conflicts]
    assert len(overlapping) == 2
