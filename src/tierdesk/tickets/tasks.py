"""Ticket tasks: thin shells over one service each, and the periodic jobs that run them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.tickets.services.autoclose import tickets_finish_waiting
from tierdesk.tickets.services.plans import organization_plans_refresh
from tierdesk.tickets.services.sweep import sla_sweep


@task
def sweep_sla_clocks() -> int:
    return sla_sweep(batch_size=settings.TIERDESK_SLA_SWEEP_BATCH)


@task
def refresh_organization_plans(organization_id: int) -> int:
    return organization_plans_refresh(organization_id=organization_id)


def plans_refresh_later(*, organization_id: int, **_: Any) -> None:
    """Subscribed to ``crm.hooks.subscriptions_changed`` (``TicketsConfig.ready``): which plan
    applies may have changed, and the organization's active tickets follow, in the
    background."""
    refresh_organization_plans.enqueue(organization_id)


scheduler.register(
    "sla.sweep",
    every=timedelta(seconds=settings.TIERDESK_SLA_SWEEP_SECONDS),
    task=sweep_sla_clocks,
)


@task
def finish_waiting_tickets() -> int:
    return tickets_finish_waiting()


scheduler.register(
    "tickets.finish-waiting",
    every=timedelta(seconds=settings.TIERDESK_AUTOCLOSE_SECONDS),
    task=finish_waiting_tickets,
)
