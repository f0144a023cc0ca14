"""Reads of SLA configuration. Plans, targets and calendars are the published support policy
(the portal shows them to anyone), so every signed-in user may read them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from tierdesk.core.errors import NotFound
from tierdesk.sla.models import Calendar, EscalationStep, Plan, Target


def plan_list(*, user: Any) -> QuerySet[Plan]:
    targets = Target.objects.select_related("calendar").order_by("priority", "metric")
    steps = EscalationStep.objects.order_by("position")
    return Plan.objects.prefetch_related(
        Prefetch("targets", queryset=targets), Prefetch("escalation_steps", queryset=steps)
    ).order_by("name")


def plan_get(*, user: Any, plan_id: int) -> Plan:
    plan = plan_list(user=user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("No such plan.")
    return plan


def calendar_list(*, user: Any) -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related("intervals", "holidays").order_by("name")


def calendar_get(*, user: Any, calendar_id: int) -> Calendar:
    calendar = calendar_list(user=user).filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound("No such calendar.")
    return calendar
