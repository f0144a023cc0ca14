"""Periodic monitoring work: the acknowledgement sweep (pages the next on duty)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from tierdesk.core import scheduler
from tierdesk.monitoring.services import acknowledgements_sweep


@task
def sweep_acknowledgements() -> int:
    return acknowledgements_sweep()


scheduler.register(
    "monitoring.acknowledgements", every=timedelta(seconds=30), task=sweep_acknowledgements
)
