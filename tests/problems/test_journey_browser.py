"""The virus outbreak in a real browser (M10, X7, H5): tickets from three organizations arrive,
the desk proposes a problem, a manager creates it with them, publishes a workaround, broadcasts
an update (each reporter gets one mail in their own thread, through a real SMTP server),
declares a major incident with a public status page and resolves all with the fix. The Premium
customer's RCA comes due 48 hours later: paused for debug data, written, reviewed by a second
agent and released as PDF. A change is approved by the customer in the portal and its three
downtime notices go out once each (time travel, two workers). Every page is checked by axe."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps

from tests.conftest import build_world
from tests.mail.conftest import smtp_sink  # noqa: F401 (the fixture)
from tests.notifications.conftest import two_workers
from tests.problems.conftest import SUBJECTS, open_ticket
from tests.web.axe import assert_accessible
from tests.web.browser import Session, browser  # noqa: F401 (the fixture)
from tierdesk.core.clock import now
from tierdesk.crm.models import Product, Subscription
from tierdesk.mail.models import Mailbox
from tierdesk.problems.models import ChangeNotice, Incident, RootCauseReport
from tierdesk.problems.seed import seed_plan_terms
from tierdesk.problems.services import change_request, downtime_notices_send, rca_sweep
from tierdesk.sla.models import Plan
from tierdesk.sla.seed import seed_plans
from tierdesk.tickets.models import Category, Ticket
from tierdesk.tickets.seed import seed_categories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "a long and quiet passphrase"


@pytest.fixture
def outbreak_world(settings: Any, tmp_path: Any, smtp_sink: Any) -> Any:  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed_categories(Category)
    seed_plans(django_apps)
    seed_plan_terms(django_apps)
    world = build_world()
    for user in (world.manager, world.l2, world.l3, world.acme_contact):
        user.set_password(PASSWORD)
        user.save()
    Mailbox.objects.create(name="support", address="support@northwind.test", is_default=True)
    premium = Plan.objects.get(slug="premium-24x7")
    Subscription.objects.create(organization=world.acme, plan=premium, starts_on=date(2020, 1, 1))
    product = Product.objects.create(name="Guardian AV", slug="guardian-av")
    world.tickets = [open_ticket(world.persona(p), s, product) for p, s in SUBJECTS]
    smtp_sink.clear()
    return world


@pytest.fixture
def sessions(browser: Any, live_server: Any) -> Any:  # noqa: F811
    opened: list[Session] = []

    def open_as(name: str | None) -> Session:
        session = Session(browser, live_server.url, name or "anonymous")
        if name:
            session.sign_in(name, PASSWORD)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.assert_clean()
        session.close()


def test_the_virus_outbreak(outbreak_world: Any, sessions: Any, smtp_sink: Any) -> None:  # noqa: F811
    world = outbreak_world
    desk = sessions("manager")
    page = desk.page

    # The desk proposes a problem with the three organizations' tickets; the manager takes it.
    page.goto("/desk/problems/")
    assert page.locator(".suggestion").count() >= 1
    assert_accessible(desk, "problems-list")
    page.locator(".suggestion").first.locator("button[type=submit]").click()
    page.wait_for_selector("#linked-tickets")
    assert page.locator("#linked-tickets tbody tr").count() == 3
    assert_accessible(desk, "problem")

    # The workaround and a broadcast reach every linked ticket; each reporter gets one mail.
    page.fill("#workaround", "Exclude C:/Invoices from real-time scanning.")
    page.click("button:has-text('Publish the workaround')")
    page.wait_for_selector("text=Known error")
    page.fill("#broadcast-body", "A corrected signature file ships tonight.")
    page.click("button:has-text('Broadcast')")
    page.wait_for_load_state()
    for ticket in world.tickets:
        mails = [m for m in smtp_sink.to(ticket.reporter.email)
                 if "corrected signature" in m.get_content()]  # fmt: skip
        assert len(mails) == 1, ticket.reporter.email
        assert f"[{ticket.reference}]" in mails[0]["Subject"]

    # A major incident with a public status page.
    page.check("#incident-public")
    page.click("button:has-text('Declare')")
    page.wait_for_selector("header a.badge.text-bg-danger")
    incident = Incident.objects.get()
    page.goto(f"/desk/incidents/{incident.pk}/")
    page.wait_for_selector("text=Public page")
    assert_accessible(desk, "incident")
    public = sessions(None)
    public.page.goto(f"/incidents/{incident.public_slug}/")
    assert "We are investigating." in public.page.content()
    assert "Acme Retail" not in public.page.content()
    assert_accessible(public, "incident-public")

    # The fix resolves every linked ticket; the incident is resolved.
    page.goto(f"/desk/problems/{incident.problem_id}/")
    page.fill("#fix-note", "Signature 2032 fixes the false positive.")
    page.click("button:has-text('Resolve all with the fix')")
    page.wait_for_load_state()
    assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}
    page.goto(f"/desk/incidents/{incident.pk}/")
    page.select_option("#update-status", "resolved")
    page.fill("#update-body", "Resolved by signature 2032.")
    page.click("button:has-text('Post')")
    page.wait_for_load_state()
    rca = RootCauseReport.objects.get()
    assert rca.organization == world.acme and rca.due_at == rca.starts_at + timedelta(hours=48)

    # The RCA: paused for debug data at +30 h, resumed at +50 h (due moves by 20 h), written by
    # level 2, reviewed by level 3, released; the customer downloads the PDF.
    writer = sessions("l2")
    with time_machine.travel(rca.starts_at + timedelta(hours=30), tick=True):
        writer.page.goto(f"/desk/rcas/{rca.pk}/")
        assert_accessible(writer, "rca")
        writer.page.click("button:has-text('Wait for debug data')")
        writer.page.wait_for_selector("text=Debug data received")
    with time_machine.travel(rca.starts_at + timedelta(hours=50), tick=True):
        assert rca_sweep() == 0  # paused: not breached
        writer.page.click("button:has-text('Debug data received')")
        writer.page.wait_for_selector("text=Submit for review")
        sections = {"#rca-summary": "A bad signature.", "#rca-impact": "3 h",
                    "#rca-timeline": "09:00-12:00", "#rca-root-cause": "Untested."}  # fmt: skip
        for field, text in sections.items():
            writer.page.fill(field, text)
        writer.page.fill("#at1", "Pull the signature")
        writer.page.fill("#ao1", "AV team")
        writer.page.fill("#ad1", "2026-12-31")
        writer.page.click("button:has-text('Save the report')")
        writer.page.wait_for_load_state()
        writer.page.click("button:has-text('Submit for review')")
        writer.page.wait_for_selector("text=In review")
    rca.refresh_from_db()
    waited = rca.due_at - rca.starts_at  # 48 h plus the 20 h wait (the clocks ticked on a little)
    assert timedelta(hours=67, minutes=59) < waited < timedelta(hours=68, minutes=1)
    reviewer = sessions("l3")
    reviewer.page.goto(f"/desk/rcas/{rca.pk}/")
    reviewer.page.click("button:has-text('Approve and release')")
    reviewer.page.wait_for_selector("#rca-state:has-text('Released')")
    customer = sessions("acme_contact")
    customer.page.goto(f"/rcas/{rca.pk}/")
    assert_accessible(customer, "rca-portal")
    pdf = customer.page.request.get(f"/rcas/{rca.pk}/pdf/")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    (mailed,) = [m for m in smtp_sink.to("acme_contact") if rca.reference in m["Subject"]]
    (attached,) = mailed.iter_attachments()  # the PDF itself, by mail
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content().startswith(b"%PDF")

    # A change the customer approves in the portal; three notices, once each, two workers.
    start = now() + timedelta(days=7)
    change = change_request(
        actor=world.l2, title="Upgrade the scanner engine", kind="upgrade", risk="medium",
        impact="Scanning paused 20 minutes.", plan="Upgrade node by node.",
        rollback="Reinstall 4.1.", window_start=start, window_end=start + timedelta(hours=1),
        organizations=[world.acme],
    )  # fmt: skip
    page.goto(f"/desk/changes/{change.pk}/")
    page.click("button:has-text('Approve')")
    page.wait_for_load_state()
    customer.page.goto(f"/changes/{change.pk}/")
    assert_accessible(customer, "change-portal")
    customer.page.click("button:has-text('Approve the change')")
    customer.page.wait_for_selector("#my-decision:has-text('Approved')")
    for instant in (start - timedelta(days=3), start - timedelta(days=2), start,
                    start + timedelta(hours=1), start + timedelta(hours=2)):  # fmt: skip
        with time_machine.travel(instant + timedelta(minutes=1), tick=False):
            two_workers(downtime_notices_send)
    assert sorted(ChangeNotice.objects.values_list("kind", flat=True)) == [
        "advance",
        "end",
        "start",
    ]
    notices = [m for m in smtp_sink.to("acme_contact") if change.reference in m["Subject"]]
    assert len(notices) == 3
    page.goto("/desk/changes/")
    assert_accessible(desk, "change-calendar")
