"""Reports tasks: the rollup refresh (today, yesterday and the days late events changed) and
the monthly report mailing, each a thin shell over one service."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.reports.services import monthly_reports_mail, rollups_refresh


@task
def refresh_rollups() -> int:
    return rollups_refresh()


@task
def mail_monthly_reports() -> int:
    return monthly_reports_mail()


scheduler.register("reports.rollups", every=timedelta(minutes=5), task=refresh_rollups)
# Every morning: the service sends only on the first working day (or the first week's next
# days, if no worker ran then), and only once per organization and month.
scheduler.register("reports.monthly-mail", cron="0 6 * * *", task=mail_monthly_reports)
