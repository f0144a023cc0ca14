"""Hooks: how a lower layer sets off work in a higher one without importing it.

Layers point one way (``docs/architecture.md``): the ticket domain may not import mail, the CRM
may not import the SLA engine. When a lower app must start something above it (a ticket event
that may mail the reporter, a subscription change that re-chooses ticket plans), it declares a
``Hook`` in its own ``hooks.py`` and fires it; the higher app subscribes in its
``AppConfig.ready()``. Every hook is listed in ``REGISTRY`` so the documentation and the tests
can name them all.

Two ways to fire:
- ``fire(**payload)`` calls each subscriber now, inside the caller's transaction: the work
  commits or rolls back with the change that caused it.
- ``fire_on_commit(**payload)`` schedules each subscriber with ``transaction.on_commit``: side
  effects that leave the database (mail, webhooks) run only for a change that committed.

A subscriber may pass ``when``, a cheap predicate over the same payload evaluated at fire
time, so an event that concerns nobody costs no on-commit callback at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction

Receiver = Callable[..., Any]
Predicate = Callable[..., bool]


@dataclass(frozen=True, slots=True)
class _Subscription:
    receiver: Receiver
    when: Predicate | None


@dataclass(eq=False)
class Hook:
    """A named point where a lower layer lets higher ones act. Declare at module level."""

    name: str
    doc: str
    _subscriptions: list[_Subscription] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.name in REGISTRY:
            raise ValueError(f"Hook {self.name!r} is declared twice.")
        REGISTRY[self.name] = self

    def subscribe(self, receiver: Receiver, *, when: Predicate | None = None) -> Receiver:
        """Add a receiver (once: subscribing the same function again changes nothing, so an
        ``AppConfig.ready()`` run twice in tests does no harm)."""
        if all(subscription.receiver is not receiver for subscription in self._subscriptions):
            self._subscriptions.append(_Subscription(receiver, when))
        return receiver

    def unsubscribe(self, receiver: Receiver) -> None:
        self._subscriptions[:] = [s for s in self._subscriptions if s.receiver is not receiver]

    @property
    def receivers(self) -> tuple[Receiver, ...]:
        return tuple(subscription.receiver for subscription in self._subscriptions)

    def fire(self, **payload: Any) -> None:
        """Call every interested subscriber now, in the caller's transaction."""
        for subscription in self._interested(payload):
            subscription.receiver(**payload)

    def fire_on_commit(self, **payload: Any) -> None:
        """Call every interested subscriber once the caller's transaction commits."""
        for subscription in self._interested(payload):
            transaction.on_commit(partial(subscription.receiver, **payload))

    def _interested(self, payload: dict[str, Any]) -> list[_Subscription]:
        return [s for s in self._subscriptions if s.when is None or s.when(**payload)]


REGISTRY: dict[str, Hook] = {}
