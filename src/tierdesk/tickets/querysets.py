"""Tickets that can come with their team, category and SLA plan taken from the per-process
configuration caches (``with_configuration``) instead of a query for each table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models
from django.db.models.query import ModelIterable


def _not_ready(tickets: list[Any]) -> None:
    raise RuntimeError("The tickets app is not ready: no configuration to attach.")


class TicketQuerySet(models.QuerySet[Any]):
    """``with_configuration()`` marks the queryset; its instances then get their configuration
    from ``attach``, set at start-up (``TicketsConfig.ready``) to
    ``tickets.configuration.attach_configuration``: those caches load the ticket models, which
    use this class, so it cannot be imported here."""

    attach: ClassVar[Callable[[list[Any]], None]] = staticmethod(_not_ready)
    _with_configuration = False

    def with_configuration(self) -> TicketQuerySet:
        clone = self.all()
        clone._with_configuration = True
        return clone

    def prefetch_related(self, *lookups: Any) -> TicketQuerySet:
        """``prefetch_related(None)`` drops the configuration too: it asks for nothing extra."""
        clone = super().prefetch_related(*lookups)
        if lookups == (None,):
            clone._with_configuration = False
        return clone

    # Django copies a queryset on every chained call: the flag must travel with the copy.
    def _clone(self) -> TicketQuerySet:
        clone = super()._clone()  # type: ignore[misc]
        clone._with_configuration = self._with_configuration
        return clone

    def _fetch_all(self) -> None:
        attach = self._with_configuration and self._result_cache is None
        super()._fetch_all()
        if attach and self._iterable_class is ModelIterable and self._result_cache:
            TicketQuerySet.attach(self._result_cache)
