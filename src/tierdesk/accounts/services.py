"""Writes to accounts: personal API tokens (create, revoke, note their use), and raising
notifications (the one way every producer stores them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from tierdesk.accounts import policies
from tierdesk.accounts.models import (
    Agent,
    ApiToken,
    Notification,
    NotificationKind,
    Team,
    User,
    hash_token,
)
from tierdesk.accounts.principal import principal_of
from tierdesk.accounts.timezones import zone_named
from tierdesk.core.clock import now
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound

# How stale ``last_used_at`` may get: it is for people ("used 3 days ago"), not for auditing, so
# a busy token writes at most once a minute instead of on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
HINT_LENGTH = 8


def api_token_create(
    *, actor: Any, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the actor. Returns the row and the raw value, which is never stored."""
    if principal_of(actor).user_id is None:
        raise Forbidden("Only a signed-in user can have API tokens.")
    name = name.strip()
    if not name:
        raise InvalidInput("Give the token a name, to tell it apart later.", field="name")
    if len(name) > 100:
        raise InvalidInput("The name is longer than 100 characters.", field="name")
    if expires_at is not None and expires_at <= now():
        raise InvalidInput("The expiry date is in the past.", field="expires_at")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user_id=actor.pk,
        name=name,
        key_hash=hash_token(raw),
        hint=raw[:HINT_LENGTH],
        expires_at=expires_at,
    )
    return token, raw


def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Stop the token working at once. Revoking twice is harmless and keeps the first time."""
    if not policies.can(actor, policies.REVOKE, token):
        raise NotFound("No such API token.")
    if token.revoked_at is None:
        at = now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=at)
        token.revoked_at = at
    return token


def api_token_mark_used(*, token: ApiToken, at: datetime | None = None) -> None:
    """Record that the token was used, unless that was already recorded in the last minute.

    The filter repeats the staleness test so concurrent requests write at most once.
    """
    at = at or now()
    cutoff = at - LAST_USED_PRECISION
    if token.last_used_at is not None and token.last_used_at > cutoff:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=cutoff), pk=token.pk
    ).update(last_used_at=at)
    token.last_used_at = at


# ---- notifications -----------------------------------------------------------------------


def notifications_raise(notifications: Sequence[Notification]) -> None:
    """Store notifications (unsaved rows), each once: a row whose ``dedupe_key`` was raised
    before is left out, so two workers or a retried task raise it once. Every producer calls
    this; the notifications app delivers the rows (the bell, and mail by preference)."""
    if notifications:
        Notification.objects.bulk_create(list(notifications), ignore_conflicts=True)


def configuration_problem_raise(*, key: str, title: str, body: str) -> None:
    """Tell every active admin that the product worked around a broken configuration (a
    calendar the clock cannot use, say), once per ``key``: the customer's ticket was taken with
    a default, and somebody must now fix the configuration."""
    at = now()
    admins = User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True)
    notifications_raise(
        [
            Notification(
                recipient_id=admin_id,
                kind=NotificationKind.CONFIGURATION,
                title=title[:255],
                body=body,
                urgent=True,
                dedupe_key=f"configuration:{key}:{admin_id}"[:200],
                created_at=at,
            )
            for admin_id in admins
        ]
    )


# ---- teams, agents and a person's time zone (the configuration pages) ----------------------


def _check_configurer(actor: Any) -> None:
    if not policies.may_configure(actor):
        raise NotFound("No such page.")


def team_save(*, actor: Any, team: Team) -> Team:
    _check_configurer(actor)
    team.full_clean()
    team.save()
    return team


def agent_save(*, actor: Any, agent: Agent, teams: Sequence[Team], time_zone: str) -> Agent:
    """An agent's level, manager flag, availability, teams and time zone."""
    _check_configurer(actor)
    agent.full_clean()
    user = agent.user
    user.time_zone = _checked_zone(time_zone)
    with transaction.atomic():
        agent.save()
        agent.teams.set(teams)
        User.objects.filter(pk=user.pk).update(time_zone=user.time_zone)
    return agent


def user_time_zone_set(*, actor: Any, time_zone: str) -> None:
    """A signed-in person's own time zone ("": follow the browser)."""
    if principal_of(actor).user_id is None:
        raise Forbidden("Only a signed-in user has a time zone.")
    zone = _checked_zone(time_zone)
    User.objects.filter(pk=actor.pk).update(time_zone=zone)
    actor.time_zone = zone


def _checked_zone(name: str) -> str:
    name = name.strip()
    if name and zone_named(name) is None:
        raise InvalidInput(
            f"Unknown time zone {name!r}: use an IANA name such as Europe/London.",
            field="time_zone",
        )
    return name
