"""The SLA sweep as a periodic job: a thin task shell around ``sla_sweep``."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.sla.calendars import calendars_extend_holidays
from tierdesk.sla.services import organization_plans_refresh
from tierdesk.sla.sweep import sla_sweep


@task
def sweep_sla_clocks() -> int:
    return sla_sweep(batch_size=settings.TIERDESK_SLA_SWEEP_BATCH)


@task
def extend_national_holidays() -> int:
    return calendars_extend_holidays()


@task
def refresh_organization_plans(organization_id: int) -> int:
    return organization_plans_refresh(organization_id=organization_id)


scheduler.register(
    "sla.sweep",
    every=timedelta(seconds=settings.TIERDESK_SLA_SWEEP_SECONDS),
    task=sweep_sla_clocks,
)
# Monthly rather than yearly: a worker that was down on the first of January catches up.
scheduler.register("sla.extend-holidays", cron="30 3 1 * *", task=extend_national_holidays)
