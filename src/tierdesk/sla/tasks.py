"""SLA tasks: the holiday calendars kept ahead of time. (The sweep, which acts on tickets, runs
from ``tickets.tasks``.)"""

from __future__ import annotations

from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.sla.holidays import calendars_extend_holidays


@task
def extend_national_holidays() -> int:
    return calendars_extend_holidays()


# Monthly rather than yearly: a worker that was down on the first of January catches up.
scheduler.register("sla.extend-holidays", cron="30 3 1 * *", task=extend_national_holidays)
