"""Root-cause reports: due 48 hours after a major incident's resolution for Premium customers,
warned and breached once by the sweep, paused while waiting for debug data, reviewed by a second
agent, released in the portal and as PDF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.problems.conftest import two_workers
from tierdesk.accounts.models import Notification
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.mail.models import OutboundKind, OutboundMail
from tierdesk.problems.models import RcaClock, RcaState, RootCauseReport
from tierdesk.problems.services import (
    incident_declare,
    incident_post,
    problem_create,
    rca_pause,
    rca_resume,
    rca_review,
    rca_submit,
    rca_sweep,
    rca_write,
)

RESOLVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTIONS = [
    {"kind": "corrective", "action": "Pull signature 2031", "owner": "AV", "due": "2026-03-05"},
    {"kind": "preventive", "action": "Canary signatures", "owner": "QA", "due": "2026-04-01"},
]


@pytest.fixture
def rca(world, outbreak):
    with time_machine.travel(RESOLVED - timedelta(hours=2), tick=False):
        problem = problem_create(actor=world.manager, statement="AV", tickets=outbreak.tickets)
        incident = incident_declare(
            actor=world.manager, title="Invoices quarantined", lead=world.l3, problem=problem
        )
    with time_machine.travel(RESOLVED, tick=False):
        incident_post(actor=world.manager, incident=incident, status="resolved", body="Fixed.")
    return RootCauseReport.objects.get(incident=incident)


def write(rca, author):
    rca_write(
        actor=author, rca=rca, summary="Bad signature.", impact="Invoices blocked 3 h.",
        timeline="09:00 signature; 12:00 pulled.", root_cause="Untested pattern.",
        actions=ACTIONS,
    )  # fmt: skip


def test_only_the_premium_customer_is_owed_a_report_due_48_hours_later(world, rca):
    assert RootCauseReport.objects.count() == 1
    assert rca.organization == world.acme
    assert rca.due_at == RESOLVED + timedelta(hours=48)
    assert rca.clock == RcaClock.RUNNING


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sweep_warns_then_breaches_once_with_two_workers(world, rca):
    with time_machine.travel(RESOLVED + timedelta(hours=37), tick=False):
        two_workers(rca_sweep)
    rca.refresh_from_db()
    assert rca.clock == RcaClock.WARNING
    with time_machine.travel(RESOLVED + timedelta(hours=48, minutes=1), tick=False):
        two_workers(rca_sweep)
    rca.refresh_from_db()
    assert rca.clock == RcaClock.BREACHED and rca.next_check_at is None
    breaches = Notification.objects.filter(dedupe_key__startswith=f"rca:{rca.pk}:breached")
    assert sorted(n.recipient_id for n in breaches) == sorted([world.manager.pk, world.l3.pk])


def test_waiting_for_debug_data_moves_the_due_time_by_the_wait(world, rca):
    with time_machine.travel(RESOLVED + timedelta(hours=10), tick=False):
        rca_pause(actor=world.l2, rca=rca)
    with time_machine.travel(RESOLVED + timedelta(hours=60), tick=False):
        assert rca_sweep() == 0  # paused: nothing to warn
        rca_resume(actor=world.l2, rca=rca)
    assert rca.due_at == RESOLVED + timedelta(hours=98)
    assert rca.clock == RcaClock.RUNNING


def test_a_report_needs_every_section_before_review(world, rca):
    with pytest.raises(InvalidInput):
        rca_submit(actor=world.l2, rca=rca)


def test_an_action_needs_a_date(world, rca):
    with pytest.raises(InvalidInput):
        rca_write(actor=world.l2, rca=rca, summary="s", impact="i", timeline="t",
                  root_cause="r", actions=[{**ACTIONS[0], "due": "soon"}])  # fmt: skip


def test_the_author_never_reviews_their_own_report(world, rca):
    write(rca, world.l2)
    rca_submit(actor=world.l2, rca=rca)
    with pytest.raises(Forbidden):
        rca_review(actor=world.l2, rca=rca, approve=True)


def test_released_by_a_second_agent_it_reaches_the_customer(world, rca, client_as, run_tasks):
    write(rca, world.l2)
    rca_submit(actor=world.l2, rca=rca)
    run_tasks(rca_review, actor=world.l3, rca=rca, approve=True)
    assert rca.state == RcaState.RELEASED and rca.clock == RcaClock.MET
    mail = OutboundMail.objects.get(to_address=world.acme_contact.email, subject__contains="RCA")
    assert mail.kind == OutboundKind.RCA_RELEASED and f"/rcas/{rca.pk}/" in mail.body
    assert [a.filename for a in mail.attachments.all()] == [f"{rca.reference}.pdf"]
    page = client_as("acme_contact").get(f"/rcas/{rca.pk}/")
    assert page.status_code == 200 and b"Untested pattern." in page.content
    assert client_as("globex_contact").get(f"/rcas/{rca.pk}/").status_code == 404


def test_the_released_report_downloads_as_pdf(world, rca, client_as):
    pytest.importorskip("weasyprint")
    write(rca, world.l2)
    rca_submit(actor=world.l2, rca=rca)
    rca_review(actor=world.l3, rca=rca, approve=True)
    response = client_as("acme_contact").get(f"/rcas/{rca.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_released_report_is_mailed_as_a_pdf_attachment(world, rca, smtp_sink, run_tasks):
    write(rca, world.l2)
    rca_submit(actor=world.l2, rca=rca)
    run_tasks(rca_review, actor=world.l3, rca=rca, approve=True)
    (received,) = smtp_sink.to(world.acme_contact.email)
    (pdf,) = [part for part in received.iter_attachments()]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"{rca.reference}.pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert "Bad signature." in received.get_body(preferencelist=("plain",)).get_content()
    assert not smtp_sink.to(world.globex_contact.email), "other organizations get nothing"


def test_an_unreleased_report_is_not_in_the_portal(world, rca, client_as):
    assert client_as("acme_contact").get(f"/rcas/{rca.pk}/").status_code == 404


def test_managers_see_overdue_reports_first(world, rca, client_as):
    with time_machine.travel(RESOLVED + timedelta(hours=49), tick=False):
        rca_sweep()
        rca_sweep()
    page = client_as("manager").get("/desk/rcas/")
    assert page.context["overdue"] == [RootCauseReport.objects.get(pk=rca.pk)]
