"""The monthly customer report: its figures against the slow reference, each breach explained
by its pauses, the PDF with the same figures, partners' reports, and the mailing sent once."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from pypdf import PdfReader

from tests.reports.conftest import AFTER_THE_WEEK, MONTH_LAST, NOVEMBER
from tests.reports.reference import delivered_reference, reference
from tierdesk.core import scheduler
from tierdesk.core.models import SchedulerSlot
from tierdesk.mail.models import OutboundMail
from tierdesk.problems.models import ChangeRequest
from tierdesk.reports import tasks as report_tasks
from tierdesk.reports.models import MonthlyMailing
from tierdesk.reports.services import REPORT_MAIL_KIND, monthly_reports_mail

pytestmark = pytest.mark.usefixtures("rolled_up", "recipients")
FIGURES = ["opened", "resolved", "closed", "reopened", "response_met", "response_breached",
           "resolution_met", "resolution_breached", "rating_good", "rating_bad"]  # fmt: skip


def month_reference(*organizations):
    ids = {o.pk for o in organizations}
    sums: dict[str, int] = defaultdict(int)
    for (_, org), cell in reference(NOVEMBER, MONTH_LAST).items():
        if org in ids:
            for name in FIGURES:
                sums[name] += cell[name]
    return dict(sums)


def report_url(organization, suffix=""):
    return f"/reports/monthly/{organization.pk}/2026-11/{suffix}"


@pytest.fixture
def as_persona(client_as):
    def get(persona, url):
        with time_machine.travel(AFTER_THE_WEEK, tick=False):
            return client_as(persona).get(url)

    return get


def shown_figures(html):
    return {name: value for name, value in re.findall(r'data-figure="(\w+)">([^<]*)<', html)}


def test_every_figure_of_the_report_matches_the_slow_reference(as_persona, world):
    response = as_persona("acme_contact", report_url(world.acme))
    assert response.status_code == 200
    report = response.context["report"]
    expected = month_reference(world.acme)
    assert {name: report.figures[name] for name in FIGURES} == expected
    shown = shown_figures(response.content.decode())
    assert shown["opened"] == str(expected["opened"]) == "3"
    assert (
        shown["resolution"] == f"{expected['resolution_met']} / {expected['resolution_breached']}"
    )
    assert shown["rating"] == "1 / 1"


def test_a_breach_is_listed_with_its_cause_and_its_pauses(as_persona, world, week):
    report = as_persona("acme_contact", report_url(world.acme)).context["report"]
    [breach] = report.breaches
    assert breach.reference == week.breach.reference and breach.clock == "Resolution"
    assert (breach.target, breach.used) == ("4h00m", "6h00m")
    # Due at 14:00 IST, not 13:00: the hour the customer was waited on moved it.
    assert breach.due_at == datetime(2026, 11, 16, 8, 30, tzinfo=UTC)
    [(start, end, reason)] = breach.pauses
    assert (end - start, reason) == (timedelta(hours=1), "customer")
    assert "took 6h00m of business time against a target of 4h00m" in breach.cause
    html = as_persona("acme_contact", report_url(world.acme)).content.decode()
    assert "(waiting: customer)" in html


def test_the_pdf_has_the_same_figures_as_the_page(as_persona, world, week):
    page = as_persona("acme_contact", report_url(world.acme))
    pdf = as_persona("acme_contact", report_url(world.acme, "report.pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for label, value in (
        ("Tickets opened", "3"), ("Tickets resolved", "4"),
        ("First responses met / breached", "2 / 1"), ("Resolutions met / breached", "2 / 1"),
        ("Ratings good / bad", "1 / 1"),
    ):  # fmt: skip
        assert f"{label} {value}" in text
        assert shown_figures(page.content.decode())
    assert week.breach.reference in text and "waiting: customer" in text
    assert "Tickets opened per category" in text or "<svg" not in pdf.content.decode("latin-1")


def test_a_partners_report_covers_its_customers(as_persona, world):
    response = as_persona("partner_agent", report_url(world.bluebird))
    assert response.status_code == 200
    report = response.context["report"]
    assert {o.name for o in report.covered} == {"Bluebird Partners", "Cobalt Clinics"}
    assert {n: report.figures[n] for n in FIGURES} == month_reference(world.bluebird, world.cobalt)
    assert report.figures["opened"] == 1
    assert as_persona("partner_agent", report_url(world.cobalt)).status_code == 200


def test_each_report_table_downloads(as_persona, world):
    csv = as_persona("acme_contact", report_url(world.acme, "breaches.csv"))
    assert csv.status_code == 200 and b"Resolution" in csv.content
    xlsx = as_persona("acme_contact", report_url(world.acme, "volume.xlsx"))
    assert xlsx.content[:2] == b"PK"


def test_the_monthly_mail_goes_once_with_two_workers(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    scheduler.autodiscover()  # as every worker does at start (the test imports the module too)
    assert report_tasks.mail_monthly_reports is not None
    first_working_day = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # a Tuesday
    with (
        time_machine.travel(first_working_day, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        first = scheduler.tick(worker_id="worker-a", at=first_working_day)
        second = scheduler.tick(worker_id="worker-b", at=first_working_day + timedelta(seconds=5))
        assert "reports.monthly-mail" in first and "reports.monthly-mail" not in second
        # Even a second run of the job (another slot that day, a retry) sends nothing again.
        assert monthly_reports_mail() == 0
    with time_machine.travel(first_working_day + timedelta(days=1), tick=False):
        assert monthly_reports_mail() == 0
    assert SchedulerSlot.objects.filter(job="reports.monthly-mail").count() == 1
    mails = OutboundMail.objects.filter(kind=REPORT_MAIL_KIND).order_by("to_address")
    assert [m.to_address for m in mails] == [
        "acme_contact@example.test",
        "cobalt_contact@example.test",
    ]
    assert MonthlyMailing.objects.count() == 2
    acme_mail = mails[0]
    assert f"/reports/monthly/{world.acme.pk}/2026-11/" in acme_mail.body
    assert "tickets opened: 3, resolved: 4" in acme_mail.body
    reports_sent = [m for m in django_mail.outbox if m.subject.startswith("Support report")]
    assert sorted(m.to[0] for m in reports_sent) == [m.to_address for m in mails]


def test_no_mail_before_the_first_working_day(world):
    saturday = datetime(2026, 8, 1, 6, 0, tzinfo=UTC)  # the first working day is Monday the 3rd
    with time_machine.travel(saturday, tick=False):
        assert monthly_reports_mail() == 0
    assert not MonthlyMailing.objects.exists()


def test_alerts_root_cause_reports_and_planned_work_match_the_reference(
    as_persona, world, delivered
):
    report = as_persona("acme_contact", report_url(world.acme)).context["report"]
    expected = delivered_reference({world.acme.pk}, NOVEMBER, MONTH_LAST)
    assert (
        {n: report.figures[n] for n in ("rcas", "changes")} == expected == {"rcas": 1, "changes": 1}
    )
    month = reference(NOVEMBER, MONTH_LAST)
    assert report.figures["alerts"] == sum(
        cell["alerts"] for (_, org), cell in month.items() if org == world.acme.pk
    ) == 1  # fmt: skip
    assert [row[0].text for row in report.table("changes").rows] == [
        f"CHG-{ChangeRequest.objects.get(status='done').pk}"
    ]
    html = as_persona("acme_contact", report_url(world.acme)).content.decode()
    shown = shown_figures(html)
    assert (shown["rcas"], shown["changes"], shown["alerts"]) == ("1", "1", "1")
    assert "Data centre power" in html and "Upgrade to 7.3" in html and "Reboot" not in html
    globex = as_persona("manager", report_url(world.globex)).context["report"]
    assert globex.figures["rcas"] == 1 and globex.figures["changes"] == 0
