"""Periodic jobs of the problems app (thin shells over one service each). The broadcast and
incident-mail tasks live beside their services (``services/deliveries.py``,
``services/incidents.py``), which enqueue them on commit."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.problems.services import downtime_notices_send, rca_sweep


@task
def sweep_rcas() -> int:
    return rca_sweep()


@task
def send_downtime_notices() -> int:
    return downtime_notices_send()


scheduler.register("problems.rca-sweep", every=timedelta(seconds=60), task=sweep_rcas)
scheduler.register(
    "problems.downtime-notices", every=timedelta(seconds=60), task=send_downtime_notices
)
