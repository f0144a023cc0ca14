"""National holidays are stored as rows a few years ahead; a monthly job adds each new year."""

from __future__ import annotations

from datetime import date

from tierdesk.core.scheduler import autodiscover, registered_jobs
from tierdesk.sla.holidays import calendar_generate_holidays, calendars_extend_holidays
from tierdesk.sla.models import Calendar, Holiday


def national_years(calendar: Calendar) -> set[int]:
    return set(Holiday.objects.filter(calendar=calendar).values_list("date__year", flat=True))


def test_new_years_get_their_national_holidays_and_deleted_ones_stay_deleted(db):
    india = Calendar.objects.create(
        name="Bengaluru office", slug="blr-years", timezone="Asia/Kolkata", holiday_country="IN"
    )
    no_country = Calendar.objects.create(name="Own days only", slug="own-years")
    calendar_generate_holidays(calendar=india, years=[2026])
    worked_anyway = Holiday.objects.filter(calendar=india, date__year=2026).first()
    worked_anyway.delete()  # the office decided to work that day
    revision = Calendar.objects.get(pk=india.pk).revision

    added = calendars_extend_holidays(today=date(2026, 11, 22))

    assert added > 0
    assert national_years(india) == {2026, 2027, 2028, 2029}
    assert not Holiday.objects.filter(calendar=india, date=worked_anyway.date).exists()
    assert national_years(no_country) == set()
    # Cached clock calendars are rebuilt with the new rows.
    assert Calendar.objects.get(pk=india.pk).revision > revision
    assert calendars_extend_holidays(today=date(2026, 12, 1)) == 0
    assert calendars_extend_holidays(today=date(2027, 1, 1)) > 0  # 2030 joins in January
    assert 2030 in national_years(india)


def test_the_extension_runs_monthly_in_the_worker():
    autodiscover()  # as the worker starts: every app's tasks module registers its jobs
    jobs = {job.name: job for job in registered_jobs()}
    assert jobs["sla.extend-holidays"].cron == "30 3 1 * *"
