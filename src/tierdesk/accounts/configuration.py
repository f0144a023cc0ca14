"""Reads for the configuration pages of teams and agents (admins and managers only)."""

from __future__ import annotations

from typing import Any

from tierdesk.accounts.models import Agent, Team
from tierdesk.accounts.policies import may_configure
from tierdesk.core.errors import NotFound


def _check(actor: Any) -> None:
    if not may_configure(actor):
        raise NotFound("No such page.")


def team_rows(*, actor: Any) -> list[Team]:
    _check(actor)
    return list(Team.objects.select_related("organization", "lead").order_by("name", "id"))


def team_for_edit(*, actor: Any, pk: int) -> Team:
    _check(actor)
    team = Team.objects.filter(pk=pk).first()
    if team is None:
        raise NotFound("No such team.")
    return team


def agent_rows(*, actor: Any) -> list[Agent]:
    _check(actor)
    agents = Agent.objects.select_related("user", "organization").prefetch_related("teams")
    return list(agents.order_by("user__username", "id"))


def agent_for_edit(*, actor: Any, pk: int) -> Agent:
    _check(actor)
    agent = Agent.objects.select_related("user").filter(pk=pk).first()
    if agent is None:
        raise NotFound("No such agent.")
    return agent
